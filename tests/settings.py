"""Settings for the test suite: Amity's own settings with a throw-away data folder.

DATABASE_URL picks the database (the suite runs on SQLite by default and on PostgreSQL in
CI when one answers); pytest-django creates and drops the test database itself.
"""

import os
import tempfile

os.environ.setdefault("AMITY_DATA_DIR", tempfile.mkdtemp(prefix="amity-test-"))
os.environ.setdefault("AMITY_SECRET_KEY", "test-only-secret-key-not-for-production-0123456789")
os.environ.setdefault("AMITY_HTTPS", "false")
os.environ.setdefault("AMITY_LANGUAGE_CODE", "en")

from amity.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"  # noqa: F405
EMAIL_BACKEND = os.environ.get(
    "AMITY_TEST_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend"
)
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The rate limit's tests choose its store each (tests/core/test_ratelimit*.py).
AMITY_RATE_LIMIT_STORE = "cache"

# A real file, not SQLite's shared in-memory database: the registration race tests need
# separate connections that lock the way production does (WAL, IMMEDIATE transactions).
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405
