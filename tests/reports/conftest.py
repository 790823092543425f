import pytest
from django.core.management import call_command


@pytest.fixture
def demo(db):
    """The whole demo scenario (as ``amity demo`` loads it), with few synthetic people."""
    call_command("load_demo", people=10, verbosity=0)
