"""Demo data for sharing (loaded by ``manage load_demo``; safe to run twice)."""


def load_demo_sharing() -> int:
    """Add the demo's sharing; return how many new rows were made."""
    return 0
