"""Fixtures of the two-server tests: one S3-compatible object store (moto's server) for
the session, and a PostgreSQL database of each test's own."""

import pytest

from tests.machines.servers import S3Server, postgres_database, postgres_server_url, s3_server


@pytest.fixture(scope="session")
def s3() -> S3Server:
    with s3_server() as server:
        yield server


@pytest.fixture
def shared_postgres() -> str:
    """A fresh database on the PostgreSQL server (made here, dropped afterwards); the test
    is skipped only when no PostgreSQL answers."""
    if postgres_server_url() is None:
        pytest.skip("PostgreSQL does not answer (AMITY_TEST_POSTGRES_URL or 127.0.0.1:5432)")
    with postgres_database("amity_machines") as url:
        yield url
