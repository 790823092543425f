"""Demo data for registrations (loaded by ``manage load_demo``; safe to run twice)."""


def load_demo_registrations() -> int:
    """Add the demo's registrations; return how many new rows were made."""
    return 0
