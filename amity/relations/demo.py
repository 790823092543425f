"""Demo data for relations (loaded by ``manage load_demo``; safe to run twice)."""


def load_demo_relations() -> int:
    """Add the demo's relations; return how many new rows were made."""
    return 0
