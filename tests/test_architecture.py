"""Architecture: no Flask in the domain, no foreign assets, and the factory wires everything."""

import ast
import re
import subprocess
import sys
from pathlib import Path

from sqlmodel import SQLModel

import models  # noqa: F401  (every table in the metadata)
from models.data_version import PRIVATE_TABLES, PUBLIC_TABLES, classification_problems

ROOT = Path(__file__).resolve().parents[1]
WEB_MODULES = (
    "flask",
    "flask_babel",
    "flask_login",
    "flask_wtf",
    "flask_limiter",
    "htmx_flask",
    "werkzeug",
)


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


def test_no_flask_in_domain_or_models():
    offenders = []
    for folder in ("pledges", "models"):
        for path in (ROOT / folder).rglob("*.py"):
            bad = imported_modules(path) & set(WEB_MODULES)
            if bad:
                offenders.append(f"{path.relative_to(ROOT)}: {sorted(bad)}")
    assert offenders == []


def test_no_asset_from_another_host_in_templates_or_static():
    pattern = re.compile(r'(?:src|href)\s*=\s*["\'](?:https?:)?//(?!127\.0\.0\.1|localhost)', re.I)
    offenders = []
    for folder in ("views/templates", "static"):
        for path in (ROOT / folder).rglob("*"):
            if path.suffix in {".html", ".xml", ".css", ".js"} and "vendor" not in path.parts:
                for lineno, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                    if pattern.search(line) and "url_for" not in line and "{{" not in line:
                        offenders.append(f"{path.relative_to(ROOT)}:{lineno}")
    assert offenders == []


def test_htmx_is_vendored_with_its_licence():
    vendor = ROOT / "static" / "vendor"
    assert list(vendor.glob("htmx-2.*.min.js")), "htmx 2.x must be vendored"
    assert (vendor / "htmx-LICENSE").read_text().strip()


# --- The factory wires everything (issue 8) ------------------------------------------


def test_every_table_is_classified_public_or_private_for_the_data_version():
    """A new table must say whether writes to it change what the public sees."""
    assert classification_problems(SQLModel.metadata.tables) == []


def test_classification_check_catches_a_forgotten_or_doubly_classified_table():
    tables = PUBLIC_TABLES | PRIVATE_TABLES
    assert classification_problems(tables | {"newtable"}) == [
        "newtable: neither public nor private"
    ]
    both = classification_problems(tables, private=PRIVATE_TABLES | {"pledge"})
    assert both == ["pledge: both public and private"]


def test_the_data_version_listener_is_connected_by_the_factory_not_by_imports():
    code = (
        "import models, views, views.public, views.page_cache\n"
        "from sqlalchemy import event\n"
        "from sqlmodel import Session\n"
        "from models.data_version import _bump_data_version\n"
        "print(event.contains(Session, 'after_flush', _bump_data_version))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_template_helpers_are_registered_in_one_place():
    """Blueprints register no template globals or filters as a side effect."""
    offenders = []
    for path in (ROOT / "views").rglob("*.py"):
        if path.name == "templating.py":
            continue
        text = path.read_text()
        if re.search(r"add_template_(global|filter)|template_(global|filter)\(", text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_configuration_defaults_are_written_once_in_app_py():
    """`config.get("X", default)` would be a second default, free to disagree with ENV_SETTINGS."""
    pattern = re.compile(r"config\.(get|setdefault)\(\s*['\"][A-Z_]+['\"]\s*,")
    offenders = [
        str(path.relative_to(ROOT))
        for folder in ("views", "pledges", "models")
        for path in (ROOT / folder).rglob("*.py")
        if pattern.search(path.read_text())
    ]
    if pattern.search((ROOT / "app.py").read_text()):
        offenders.append("app.py")
    assert offenders == []
