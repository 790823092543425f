"""The annual report's documents (issue #15, figure 1, second half): the DOCX and the PDF of
one year, each under 10 s, on a generated five-year history.

Each database (SQLite in a temporary data folder; PostgreSQL in a database of its own,
``amity_bench_reports_docs``, created and dropped here) is migrated with ``amity manage
migrate`` and filled by ``benchmarks.history.build_history`` (500 partner institutions, 5,000
activities, 200,000 registrations, 1,000,000 attendance rows by default). Then, in a new
process with Amity's settings, ``--runs`` (3) times each with the cache cleared before it:

docx  ``annual.build_report(year)`` (every registered figure of the year and the year before,
      the five-year lines, breakdowns and countries, in both languages) + ``report_docx``;
pdf   the same + ``report_pdf``.

Medians in seconds; goal: each under 10 s. The DOCX is read back (python-docx) and must hold
the first figure's value; the PDF's page count is reported.

    .venv/bin/python -m benchmarks reports --figure annual [--database sqlite postgres]
        [--institutions 500] [--activities 5000] [--registrations 200000]
        [--attendance 1000000] [--year 2026] [--runs 3]
    (or: .venv/bin/python -c "from benchmarks.reports_documents import main; main([...])")
"""

import argparse
import json
import signal
import sys
import time

from benchmarks.harness import report
from benchmarks.harness.servers import (
    BenchmarkError,
    call_entry,
    django_setup,
    fresh_database,
    log,
    print_result,
)

DATABASES = ("sqlite", "postgres")
PG_NAME = "amity_bench_reports_docs"
GOAL_S = 10.0
BUILD_TIMEOUT_S = 3 * 3600


def build(**sizes) -> dict:
    """In the benchmark's process: fill the database."""
    from benchmarks.history import build_history

    started = time.perf_counter()
    counts = build_history(**sizes)
    return {"counts": counts, "seconds": round(time.perf_counter() - started, 1)}


def measure(*, year: int, runs: int) -> dict:
    """In the benchmark's process: time both documents, the cache cleared before each."""
    import io

    from django.core.cache import cache
    from docx import Document
    from pypdf import PdfReader

    from amity.core import figures
    from amity.reports import annual

    samples: dict[str, list[float]] = {"docx": [], "pdf": []}
    sizes = {}
    for _ in range(runs):
        for name, write in (("docx", annual.report_docx), ("pdf", annual.report_pdf)):
            cache.clear()
            started = time.perf_counter()
            content = write(annual.build_report(year))
            samples[name].append(time.perf_counter() - started)
            sizes[name] = len(content)
            if name == "docx":
                first = figures.registered()[0]
                value = annual._fmt(first.value(figures.Period.year(year)))
                cells = {
                    c.text for t in Document(io.BytesIO(content)).tables for r in t.rows
                    for c in r.cells
                }  # fmt: skip
                if value not in cells:
                    raise BenchmarkError(f"the DOCX lacks {first.key} = {value}")
            else:
                sizes["pdf_pages"] = len(PdfReader(io.BytesIO(content)).pages)
    return {
        name: {
            "median_s": round(report.median(values, 3), 2),
            "samples_s": [round(v, 2) for v in values],
        }
        for name, values in samples.items()
    } | {"sizes": sizes}


ENTRIES = {"build": build, "measure": measure}


def _entry() -> None:
    """``python -c`` entry: ``ENTRIES[argv[1]](**json(argv[2]))``, handed back as JSON."""
    django_setup()
    print_result(ENTRIES[sys.argv[1]](**json.loads(sys.argv[2])))


def _call(db, name: str, timeout: float = BUILD_TIMEOUT_S, **kwargs) -> dict:
    return call_entry(
        "benchmarks.reports_documents",
        "_entry",
        [name, json.dumps(kwargs)],
        db.env,
        db.data_dir,
        timeout=timeout,
    )


def figure(kind: str, ns: argparse.Namespace) -> dict:
    label = f"reports-documents-{kind}"
    with fresh_database(
        kind,
        label,
        prefix=f"amity-bench-reports-docs-{kind}-",
        postgres_url=ns.postgres,
        postgres_name=PG_NAME,
        keep=ns.keep,
    ) as db:
        built = _call(
            db,
            "build",
            institutions=ns.institutions,
            activities=ns.activities,
            registrations=ns.registrations,
            attendance=ns.attendance,
            end_year=ns.year,
        )
        log(f"[{label}] built {built['counts']} in {built['seconds']} s")
        timed = _call(db, "measure", year=ns.year, runs=ns.runs)
    ok = all(timed[name]["median_s"] < GOAL_S for name in ("docx", "pdf"))
    log(
        f"[{label}] DOCX median {timed['docx']['median_s']} s, PDF median "
        f"{timed['pdf']['median_s']} s ({timed['sizes'].get('pdf_pages')} pages)"
        + ("" if ok else "  <-- MISS")
    )
    return {"built": built, "timed": timed, "all_ok": ok}


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="benchmarks reports --figure annual")
    parser.add_argument("--database", nargs="+", choices=DATABASES, default=list(DATABASES))
    parser.add_argument("--postgres", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--institutions", type=int, default=500)
    parser.add_argument("--activities", type=int, default=5000)
    parser.add_argument("--registrations", type=int, default=200_000)
    parser.add_argument("--attendance", type=int, default=1_000_000)
    parser.add_argument("--year", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the data folders")
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    ns = _arguments(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    started = time.perf_counter()
    results: dict = {}
    try:
        for kind in ns.database:
            results[kind] = figure(kind, ns)
    except BenchmarkError as error:
        log(f"benchmark failed: {error}")
        return 1
    rows = [
        (
            kind,
            f"{r['timed']['docx']['median_s']} s",
            f"{r['timed']['pdf']['median_s']} s",
            r["timed"]["sizes"].get("pdf_pages"),
            "yes" if r["all_ok"] else "NO",
        )
        for kind, r in results.items()
    ]
    print(
        report.table(
            (10, 14, 14, 10, 12),
            ("database", "DOCX median", "PDF median", "PDF pages", "under 10 s"),
            rows,
        )
    )
    print(
        json.dumps(
            {
                "benchmark": "reports --figure annual",
                "machine": report.machine(),
                "code": report.code_version(),
                "settings": {k: v for k, v in vars(ns).items() if k != "postgres"},
                "results": results,
                "seconds": round(time.perf_counter() - started, 1),
            },
            indent=2,
            default=str,
        )
    )
    return 0 if all(r["all_ok"] for r in results.values()) else 1
