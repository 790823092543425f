#!/usr/bin/env python3
"""Amity's two commands, for a fresh machine with nothing but Python 3.11+.

    python3 dev.py demo [--port N] [--data DIR]   Amity with the demo scenario on SQLite
    python3 dev.py test [pytest options]          the whole test suite

Both create ./.venv on first use and install Amity into it (again whenever pyproject.toml
changes). ``test`` also installs Debian's chromium for the browser tests when it is missing
and this user may install packages; without it those tests are skipped with a message. It
also installs ical.js into tests/js (``npm ci``) when node and npm exist.
Other commands: ``setup`` (install only), ``bench …`` (benchmarks), ``amity …`` (the
installed ``amity`` command).
"""

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
STAMP = VENV / ".amity-install"


def say(message: str) -> None:
    print(f"[amity] {message}", flush=True)


def run(*args: str, **kwargs) -> None:
    subprocess.run(args, check=True, **kwargs)


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 (dev.py runs under any python3)
        sys.exit("Amity needs Python 3.11 or newer.")
    python = BIN / "python"
    if not python.exists():
        say(f"creating a virtual environment in {VENV}")
        venv.EnvBuilder(with_pip=True).create(VENV)
    fingerprint = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text() != fingerprint:
        say("installing Amity and its dependencies (first run takes a minute)")
        run(str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
        run(str(python), "-m", "pip", "install", "--quiet", "-e", f"{ROOT}[test]")
        STAMP.write_text(fingerprint)


def ensure_chromium() -> None:
    """Debian's chromium drives the browser tests (Playwright cannot download its own here)."""
    if shutil.which("chromium") or os.environ.get("AMITY_CHROMIUM"):
        return
    apt = shutil.which("apt-get")
    if not apt or not hasattr(os, "geteuid") or os.geteuid() != 0:
        say("chromium is not installed and cannot be installed here: browser tests will skip")
        return
    say("installing Debian's chromium for the browser tests")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        run(apt, "update", "-qq", env=env, stdout=subprocess.DEVNULL)
        run(
            apt,
            "install",
            "-y",
            "-qq",
            "--no-install-recommends",
            "chromium",
            env=env,
            stdout=subprocess.DEVNULL,
        )
    except subprocess.CalledProcessError as exc:
        say(f"could not install chromium ({exc}); browser tests will skip")


def ensure_js_readers() -> None:
    """ical.js reads Amity's feeds in the feed tests: installed into tests/js/node_modules
    from its lock file when node and npm exist (again when the lock file changes)."""
    folder = ROOT / "tests" / "js"
    npm = shutil.which("npm")
    if not shutil.which("node") or not npm:
        say("node or npm is not installed: the feed tests with ical.js will skip")
        return
    installed = folder / "node_modules" / ".package-lock.json"
    lock = folder / "package-lock.json"
    if installed.exists() and installed.stat().st_mtime >= lock.stat().st_mtime:
        return
    say("installing ical.js for the feed tests (npm ci in tests/js)")
    run(npm, "ci", "--no-audit", "--no-fund", "--silent", cwd=folder)


def main(argv: list[str]) -> int:
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(__doc__)
        return 0
    command, rest = argv[0], argv[1:]
    setup()
    os.chdir(ROOT)
    if command == "setup":
        return 0
    if command == "demo":
        return subprocess.call([str(BIN / "amity"), "demo", *rest])
    if command == "amity":
        return subprocess.call([str(BIN / "amity"), *rest])
    if command == "test":
        ensure_chromium()
        ensure_js_readers()
        code = subprocess.call([str(BIN / "python"), "-m", "pytest", *rest])
        if code == 5:
            say("pytest collected no tests: that is a failure, not a pass")
            return 1
        return code
    if command == "bench":
        return subprocess.call([str(BIN / "python"), "-m", "benchmarks", *rest])
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
