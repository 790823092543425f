"""Fixtures shared by the research tests. ``research_world`` (in ``world.py``): the home
hospital's study with a home, a domestic and an overseas partner site. Other helpers'
fixtures may be added below (edit, do not replace)."""

from tests.research.world import research_world  # noqa: F401
