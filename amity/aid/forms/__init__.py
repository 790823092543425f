"""Aid forms, by area (see amity.aid.views)."""
