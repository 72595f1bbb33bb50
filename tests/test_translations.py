"""The English catalogue keeps up with the French source strings."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
CATALOGUE = ROOT / "views" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "_l": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None}


def source_messages() -> set[str]:
    found = set()
    for folder, method, pattern in (
        ("views", "python", "**.py"),
        ("pledges", "python", "**.py"),
        ("views/templates", "jinja2", "**.html"),
        ("views/templates", "jinja2", "**.txt"),  # mail's plain-text parts
    ):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, method_map=[(pattern, method)], keywords=KEYWORDS
        ):
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


def test_every_source_string_has_an_english_translation():
    with CATALOGUE.open("rb") as handle:
        catalogue = read_po(handle)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalogue
        if m.id and not m.fuzzy and (all(m.string) if isinstance(m.id, tuple) else m.string)
    }
    missing = sorted(source_messages() - translated)
    assert missing == [], "run pybabel extract/update and translate: " + repr(missing[:10])


def test_every_gettext_alias_is_extracted_by_the_test_and_by_make_messages():
    """A French string behind an alias the extractor does not know is never translated."""
    import re

    aliases = set()
    for path in [*(ROOT / "views").rglob("*.py"), *(ROOT / "pledges").rglob("*.py")]:
        aliases |= set(
            re.findall(r"import (?:lazy_)?n?gettext as (\w+)", path.read_text(encoding="utf-8"))
        )
    assert aliases <= set(KEYWORDS)
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    extract = next(line for line in makefile.splitlines() if "pybabel extract" in line)
    # pybabel extracts _, gettext, ngettext … by default; other names need a -k.
    for alias in aliases - {"_"}:
        assert f"-k {alias}" in extract, alias
