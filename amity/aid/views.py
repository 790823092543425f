"""Aid pages (see amity.aid.permissions for who may open each)."""
