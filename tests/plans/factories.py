import factory
from factory.django import DjangoModelFactory

from amity.events.models import ActivityKind
from amity.plans.models import ExchangePlan, PlanStatus


class ExchangePlanFactory(DjangoModelFactory):
    class Meta:
        model = ExchangePlan

    title = factory.Sequence(lambda n: f"Exchange plan {n}")
    kind = ActivityKind.WEBINAR
    status = PlanStatus.IDEA
