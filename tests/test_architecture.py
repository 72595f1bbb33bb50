"""The domain and the tables know no Flask; pages load nothing from another host."""

import ast
import re
from pathlib import Path

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
