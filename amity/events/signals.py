"""What the events services announce, on purpose, to the apps above them.

Apps that build on sessions (registrations' reminders) must follow every session that is
added, moved, cancelled or restored, however it was made: one at a time, a series or a
planned call created in bulk. Django's ``post_save`` misses the bulk ones, so the services
in ``amity.events.services`` send ``sessions_changed`` themselves, once their transaction
has committed (a rolled-back change announces nothing). Events imports no app above it;
those apps connect their receivers in their ``AppConfig.ready``.
"""

from enum import StrEnum

from django.dispatch import Signal


class SessionChange(StrEnum):
    ADDED = "added"
    MOVED = "moved"
    CANCELLED = "cancelled"
    RESTORED = "restored"


sessions_changed = Signal()
"""Sent with ``sender=Session``, ``change`` (a ``SessionChange``) and ``sessions`` (the
saved ``Session`` objects, all of one activity)."""
