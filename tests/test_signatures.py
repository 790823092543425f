"""Every function in the apps' ``services.py`` and ``selectors.py`` types each argument and
its result, so a reader (and a type checker) knows what to pass — a ``User``, a model — and
what comes back."""

import ast
from pathlib import Path

import amity

PACKAGE = Path(amity.__file__).parent


def _untyped(path: Path) -> list[str]:
    problems = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg]
        bare = [
            p.arg
            for p in params
            if p is not None and p.annotation is None and p.arg not in {"self", "cls"}
        ]
        where = f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name}"
        if bare:
            problems.append(f"{where}: {', '.join(bare)} untyped")
        if node.returns is None:
            problems.append(f"{where}: no return type")
    return problems


def test_services_and_selectors_type_every_argument_and_result():
    """No function in a services or selectors module leaves an argument or its result
    untyped."""
    modules = sorted([*PACKAGE.glob("*/services.py"), *PACKAGE.glob("*/selectors.py")])
    assert len(modules) >= 10
    assert [problem for path in modules for problem in _untyped(path)] == []
