"""Dependencies between Amity's apps point one way: down the layers written here, once.

Every import in every module of the package is read (function-level imports too, so a cycle
cannot hide in a function), and an app may import only apps of a lower layer. Apps of one
layer do not import each other. The README's layout table lists the same layers.
"""

import ast
from pathlib import Path

import pytest

import amity

PACKAGE = Path(amity.__file__).parent

# Lowest first. An app may import the apps of every layer below its own, never its own
# layer's other apps, never a layer above.
LAYERS: list[set[str]] = [
    {"core"},
    {"accounts"},
    {"directory"},
    {"events", "learning", "sharing"},
    {"plans", "scheduling", "registrations", "relations"},
    {"aid", "research", "reports"},
    {"api", "home"},
]
PROJECT_MODULES = {"settings", "urls", "wsgi", "cli", "__main__"}
APP_LAYER = {app: index for index, layer in enumerate(LAYERS) for app in layer}


def _app_of(module: str) -> str | None:
    """ "amity.events.services" -> "events"; None for other packages."""
    parts = module.split(".")
    if parts[0] != "amity" or len(parts) < 2:
        return None
    return parts[1]


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "amity":
                # "from amity import events" names the app in the alias.
                found.extend((node.lineno, f"amity.{alias.name}") for alias in node.names)
            else:
                found.append((node.lineno, node.module))
    return found


def _app_modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE)
        if "migrations" in relative.parts or len(relative.parts) < 2:
            continue
        yield relative.parts[0], path


def _violations(modules=None) -> list[str]:
    problems = []
    for app, path in modules if modules is not None else _app_modules():
        for line, module in _imports(path):
            target = _app_of(module)
            if target is None or target == app or target in PROJECT_MODULES:
                continue
            if APP_LAYER.get(target, -1) >= APP_LAYER[app]:
                shown = (
                    path.relative_to(PACKAGE.parent) if path.is_relative_to(PACKAGE) else path.name
                )
                where = f"{shown}:{line}"
                problems.append(f"{where} {app} imports {module}")
    return problems


def test_layers_name_every_app_once():
    """Each app directory of the package has exactly one place in the layers."""
    apps = {path.parent.name for path in PACKAGE.glob("*/apps.py")}
    named = [app for layer in LAYERS for app in layer]
    assert sorted(named) == sorted(set(named))
    assert apps == set(named)


def test_layers_imports_point_down_only():
    """No app imports an app of its own layer or of a layer above it."""
    assert _violations() == []


def test_layers_check_finds_a_planted_upward_import(tmp_path):
    """The check itself fails on an upward import hidden inside a function of core, and on
    two apps of one layer importing each other."""
    planted = tmp_path / "planted.py"
    planted.write_text("def f():\n    from amity.events.models import Session\n")
    sideways = tmp_path / "sideways.py"
    sideways.write_text("from amity import sharing\n")
    assert _violations([("core", planted), ("events", sideways)]) == [
        "planted.py:2 core imports amity.events.models",
        "sideways.py:1 events imports amity.sharing",
    ]


@pytest.mark.parametrize("app", sorted(APP_LAYER))
def test_layers_forbid_project_modules_in_apps(app):
    """No app imports the project's URLconf or settings module (they sit above every app)."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line}"
        for name, path in _app_modules()
        if name == app
        for line, module in _imports(path)
        if module in {"amity.urls", "amity.settings", "amity.cli"}
    ]
    assert offenders == []


def test_layers_no_app_imports_another_apps_views():
    """Pages belong to their app: what two apps share lives in selectors or services."""
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{line} {module}"
        for app, path in _app_modules()
        for line, module in _imports(path)
        if module.startswith("amity.")
        and module.endswith(".views")
        and _app_of(module) not in {app, None}
    ]
    assert offenders == []
