"""Writes for exchange plans. Pages, the demo loader and scripts all call these; each
runs in one transaction and validates the whole plan (fields, ``clean()`` and database
constraints) before writing, so a rejected change writes nothing.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from amity.core.services import save_validated
from amity.directory.models import Language
from amity.events.models import Activity, ActivityStatus
from amity.events.services import activity_create
from amity.plans.models import ExchangePlan, PlanStatus


@transaction.atomic
def plan_create(*, fields: Mapping[str, Any]) -> ExchangePlan:
    return save_validated(ExchangePlan(), fields)


@transaction.atomic
def plan_update(*, plan: ExchangePlan, fields: Mapping[str, Any]) -> ExchangePlan:
    return save_validated(plan, fields)


@transaction.atomic
def plan_start_activity(
    *,
    plan: ExchangePlan,
    fields: Mapping[str, Any] | None = None,
    languages: Iterable[Language] = (),
) -> Activity:
    """Turn the plan into a real activity (status "planned") with the plan's title, kind,
    department and partner; ``fields`` may add or override activity fields (e.g.
    ``visibility``). The plan then links the activity and is running.

    All or nothing: the activity and the plan's change are written in one transaction.
    The plan's row is locked and re-read first, so two clicks at once make one activity;
    a plan that already has an activity, or is closed, is refused with a ValidationError.
    """
    locked = ExchangePlan.objects.select_for_update().get(pk=plan.pk)
    if locked.activity_id is not None:
        raise ValidationError(
            _("“%(title)s” has already become an activity."),
            code="plan_already_started",
            params={"title": locked.title},
        )
    if locked.status == PlanStatus.CLOSED:
        raise ValidationError(
            _("“%(title)s” is closed; reopen it before turning it into an activity."),
            code="plan_closed",
            params={"title": locked.title},
        )
    activity = activity_create(
        fields={
            "title": locked.title,
            "kind": locked.kind,
            "department": locked.department,
            "status": ActivityStatus.PLANNED,
            **(fields or {}),
        },
        partners=[locked.partner] if locked.partner_id else [],
        languages=languages,
    )
    save_validated(locked, {"activity": activity, "status": PlanStatus.RUNNING})
    plan.activity, plan.status = activity, locked.status
    return activity
