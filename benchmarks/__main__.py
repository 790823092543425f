"""Run one benchmark: ``python -m benchmarks NAME [options]``.

Each benchmark is a function taking its own command-line arguments and returning an exit
status; add new ones to ``BENCHMARKS``.
"""

import sys
from collections.abc import Callable

from benchmarks import feed, planner

BENCHMARKS: dict[str, Callable[[list[str]], int]] = {
    "feed": feed.main,
    "planner": planner.run,
    "planner-rotation": lambda argv: planner.run(["--figure", "1", "2", "3", "4", *argv]),
    "search": lambda argv: __import__("benchmarks.search").search.main(argv),
    "registrations": lambda argv: __import__("benchmarks.registrations").registrations.main(argv),
    "certificates": lambda argv: __import__("benchmarks.certificates").certificates.main(argv),
    "letters": lambda argv: __import__("benchmarks.letters").letters.main(argv),
    "aid": lambda argv: __import__("benchmarks.aid").aid.main(argv),
    "backup": lambda argv: __import__("benchmarks.backup").backup.main(argv),
    "research": lambda argv: __import__("benchmarks.research").research.main(argv),
    "lockout": lambda argv: __import__("benchmarks.lockout").lockout.main(argv),
    "reports": lambda argv: __import__("benchmarks.reports").reports.main(argv),
    "audiences": lambda argv: __import__("benchmarks.audiences").audiences.main(argv),
    "machines": lambda argv: __import__("benchmarks.machines").machines.main(argv),
}


def _usage() -> str:
    names = "\n".join(f"  {name}" for name in BENCHMARKS)
    return f"usage: python -m benchmarks NAME [options]\n\nbenchmarks:\n{names}\n"


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help"}:
        sys.stdout.write(_usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in BENCHMARKS:
        sys.stderr.write(f"unknown benchmark {name!r}\n\n{_usage()}")
        return 2
    return BENCHMARKS[name](rest)


if __name__ == "__main__":
    sys.exit(main())
