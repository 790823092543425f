"""Issue #18, figure 1 (storage): two app servers on loopback that share no folder — two
``amity serve`` processes (gunicorn, ``--workers`` × ``--threads``) with data folders of
their own, one PostgreSQL database (``amity_bench_storage_<hex>``, made and dropped here,
or ``--postgres URL``) and one S3-compatible object store (moto's server on a free port,
a bucket of its own): every file goes through the object store.

1. machine A draws the certificates of ``--registrants`` (20) people who attended a
   lecture (in-process, as the worker would) into the bucket;
2. an office login uploads ``--files`` (20) materials of ``--size-kb`` (256) KiB through A's
   page; a staff login downloads each through B: the same bytes, as a protected
   attachment;
3. each registrant's certificate is downloaded through B, then the registrant erases
   their data through A's self-service page; afterwards both servers answer 410 for the
   certificate and the bucket holds no certificate: the file is gone for both.

Timings (median / p95 / max, ms) of the uploads on A, the downloads on B, the certificate
downloads on B and the erasures on A, and the wall time from each erasure's answer to its
object's absence from the bucket (looked at right after the answer: the delete runs when
the erasure commits, before the answer is sent, so the first look finds it gone).

    python3 dev.py bench machines --figure storage [--postgres URL] [--files 20]
        [--size-kb 256] [--registrants 20] [--workers 2] [--threads 2]
"""

import argparse
import contextlib
import json
import os
import re
import sys
import time

from benchmarks.harness import report
from benchmarks.harness.servers import BenchmarkError, log
from tests.machines.servers import marked_json, postgres_database, s3_server, two_machines

PDF_HEAD = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n"


def _arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="dev.py bench machines --figure storage")
    parser.add_argument("--postgres", default="", help="an empty database's URL (else made)")
    parser.add_argument("--files", type=int, default=20)
    parser.add_argument("--size-kb", type=int, default=256)
    parser.add_argument("--registrants", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    return parser.parse_args(argv)


def _pdf(n: int, size: int) -> bytes:
    filler = os.urandom(max(0, size - len(PDF_HEAD) - 20)).hex().encode()[: size - len(PDF_HEAD)]
    return PDF_HEAD + b"%" + filler + f"\n%{n}\n%%EOF\n".encode()


def _timed(call):
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise BenchmarkError(message)


def _run(ns: argparse.Namespace) -> dict:
    with contextlib.ExitStack() as stack:
        s3 = stack.enter_context(s3_server())
        database = ns.postgres or stack.enter_context(postgres_database("amity_bench_storage"))
        env = s3.env
        a, b = stack.enter_context(
            two_machines(database_url=database, env=env, workers=ns.workers, threads=ns.threads)
        )
        log(f"[storage] servers A :{a.port} and B :{b.port}, bucket {s3.bucket}")
        code = f"from tests.machines.scenario import main; main({ns.registrants})"
        output, drawn_s = _timed(lambda: a.python(code, timeout=1800))
        built = marked_json(output)
        certificates = built["certificates"]
        _check(len(certificates) == ns.registrants, f"{len(certificates)} certificates drawn")
        _check(
            sorted(c["key"] for c in certificates) == s3.keys(prefix="certificates/"),
            "the bucket does not hold exactly the certificates drawn",
        )
        office, staff = a.session(), b.session()
        office.login("office", built["password"])
        staff.login("staff", built["password"])

        uploads, downloads = [], []
        for n in range(ns.files):
            content = _pdf(n, ns.size_kb * 1024)
            answer, seconds = _timed(
                lambda n=n, content=content: office.post(
                    f"/activities/{built['activity']}/materials/new/",
                    {"title": f"Material {n:03d}", "url": "", "session": ""},
                    files={"file": (f"material-{n:03d}.pdf", content)},
                )
            )
            _check(answer.status == 302, f"upload {n} answered {answer.status}")
            uploads.append(seconds)
            page = staff.get(f"/activities/{built['activity']}/")
            found = re.search(rf'href="/materials/(\d+)/">Material {n:03d}<', page.text)
            _check(found is not None, f"material {n} is not listed on B")
            got, seconds = _timed(lambda found=found: staff.get(f"/materials/{found.group(1)}/"))
            _check(got.status == 200 and got.body == content, f"B served material {n} wrong")
            _check("sandbox" in got.headers.get("content-security-policy", ""), "no sandbox")
            downloads.append(seconds)

        sent, erasures, absent_after, first_look = [], [], [], 0
        for n, certificate in enumerate(certificates):
            link = certificate["link"]
            got, seconds = _timed(lambda link=link: b.session().get(link + "certificate.pdf"))
            _check(got.status == 200 and got.body.startswith(b"%PDF"), f"certificate {n} on B")
            sent.append(seconds)
            person = a.session()
            person.get(link)
            answer, seconds = _timed(
                lambda person=person, link=link: person.post(link + "erase/", {"confirm": "yes"})
            )
            _check(answer.status == 200 and "erased" in answer.text, f"erasure {n} on A")
            erasures.append(seconds)
            answered, looks = time.perf_counter(), 1
            while certificate["key"] in s3.keys(prefix="certificates/"):
                _check(time.perf_counter() - answered < 30, f"certificate {n} stays in the bucket")
                time.sleep(0.05)
                looks += 1
            absent_after.append(time.perf_counter() - answered)
            first_look += looks == 1
            for machine in (a, b):
                gone = machine.session().get(link + "certificate.pdf")
                _check(gone.status == 410, f"{machine.name} answered {gone.status} after erasure")
        _check(s3.keys(prefix="certificates/") == [], "certificates left in the bucket")
        return {
            "setup": {
                "servers": 2,
                "workers": ns.workers,
                "threads": ns.threads,
                "files": ns.files,
                "size_kb": ns.size_kb,
                "registrants": ns.registrants,
                "store": "moto S3 server on loopback",
                "database": "PostgreSQL",
            },
            "certificates_drawn_s": round(drawn_s, 1),
            "upload_on_a": report.latency_ms(uploads),
            "download_on_b": report.latency_ms(downloads),
            "certificate_on_b": report.latency_ms(sent),
            "erase_on_a": report.latency_ms(erasures),
            "gone_from_bucket_after_answer": report.latency_ms(absent_after),
            "absent_at_first_look": f"{first_look}/{len(certificates)}",
            "checks": "every download on B byte-identical; after each erasure 410 on A and B "
            "and the object absent from the bucket",
            "load_before": open("/proc/loadavg").read().split()[:3],
        }


def main(argv: list[str]) -> int:
    ns = _arguments(argv)
    try:
        result = _run(ns)
    except BenchmarkError as error:
        log(f"[storage] FAILED: {error}")
        return 1
    rows = [
        ("upload on A", result["upload_on_a"]),
        ("download on B", result["download_on_b"]),
        ("certificate on B", result["certificate_on_b"]),
        ("erase on A", result["erase_on_a"]),
    ]
    print(f"storage across two servers ({json.dumps(result['setup'])})")
    print(f"{'step':<20}{'n':>5}{'median ms':>12}{'p95 ms':>10}{'max ms':>10}")
    for label, figures in rows:
        print(
            f"{label:<20}{figures['n']:>5}{figures['median_ms']:>12}"
            f"{figures['p95_ms']:>10}{figures['max_ms']:>10}"
        )
    print(f"certificates drawn into the bucket in {result['certificates_drawn_s']} s")
    print(
        "erased certificates absent from the bucket at the first look after the answer: "
        f"{result['absent_at_first_look']}; then 410 on both servers"
    )
    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
