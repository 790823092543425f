"""The breadth-and-depth figures in the JSON API."""

from ninja import Router

router = Router(tags=["reports"])
