"""The research pages, by area: studies, sites, publications."""
