"""Registrations' background tasks are leaves: declared by name when the app is ready,
queued by name through ``enqueue_task``, and imported by nothing but the app's
``ready()`` — so no service hides an import cycle inside a function."""

import ast
from pathlib import Path

from amity.core import background

APP = Path(__file__).resolve().parents[2] / "amity" / "registrations"


def _imports_of_tasks(path: Path) -> list[int]:
    """Lines of ``path`` that import ``amity.registrations.tasks``."""
    lines = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom):
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        if "amity.registrations.tasks" in names:
            lines.append(node.lineno)
    return lines


def test_tasks_module_is_imported_only_by_the_apps_ready():
    """Only ``apps.py`` imports the tasks module; every other module queues by name."""
    importers = {
        str(path.relative_to(APP)): lines
        for path in sorted(APP.rglob("*.py"))
        if (lines := _imports_of_tasks(path))
    }

    assert list(importers) == ["apps.py"]


def test_tasks_are_declared_by_name_when_the_app_is_ready():
    """Every registrations task is known under ``registrations.<what>``."""
    names = sorted(name for name in background._TASKS if name.startswith("registrations."))

    assert names == [
        "registrations.erase_expired",
        "registrations.expire_offers",
        "registrations.issue_certificates",
        "registrations.notify",
        "registrations.send_announcement",
        "registrations.send_reminders",
    ]


def test_tasks_are_queued_only_through_enqueue_task():
    """No module of the app calls a task's ``enqueue`` or ``using`` itself."""
    direct = [
        f"{path.relative_to(APP)}:{node.lineno}"
        for path in sorted(APP.rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Attribute) and node.attr in {"enqueue", "using"}
    ]

    assert direct == []
