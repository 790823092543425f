"""Demo exchange plans: the departments the seed report names as "preparing online
exchanges" — Pediatric Gynecology, Stomatology, Endocrinology and Nursing — each with a
plan at its own stage and a plausible partner from the directory.

Loading is idempotent: plans are found by title and created only when missing, through
the services. The directory demo must be loaded first.
"""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from amity.directory.models import Department, Institution, Person
from amity.events.models import ActivityKind
from amity.plans import services
from amity.plans.models import ExchangePlan, PlanStatus

# department slug, title, partner name, kind, owner's email, status, days to target start
PLANS = [
    (
        "gynecology",
        "Pediatric and adolescent gynecology online case exchange",
        "Children's Hospital of Philadelphia",
        ActivityKind.CALL,
        "ting.huang@zch.example.cn",
        PlanStatus.IDEA,
        None,
        "Monthly case discussion on disorders of sex development and adolescent "
        "gynecology; first contact through a CHOP colleague met at a congress.",
    ),
    (
        "stomatology",
        "Stomatology online exchange: cleft lip and palate care",
        "Great Ormond Street Hospital",
        ActivityKind.WEBINAR,
        "jing.xu@zch.example.cn",
        PlanStatus.PREPARING,
        60,
        "Webinar on multidisciplinary cleft care and orthodontics; agreeing the topics and a "
        "time that suits Hangzhou and London.",
    ),
    (
        "endocrinology",
        "Growth and puberty disorders: online lectures with APPES",
        "Asia Pacific Paediatric Endocrine Society",
        ActivityKind.SERIES,
        "junfen.fu@zch.example.cn",
        PlanStatus.AGREED,
        30,
        "A lecture series for young endocrinologists of the region, agreed with the APPES "
        "education committee.",
    ),
    (
        "nursing",
        "Nursing online exchange: developmental care in the NICU",
        "The Hospital for Sick Children",
        ActivityKind.CLASSROOM,
        "min.zhao@zch.example.cn",
        PlanStatus.PREPARING,
        90,
        "Virtual classroom for NICU nurses on family-integrated and developmental care.",
    ),
]


@transaction.atomic
def load_demo_plans(*, today: date | None = None) -> int:
    """Create the demo plans that are missing. Returns how many were created (0 on a
    second run)."""
    today = today or timezone.localdate()
    departments = {d.slug: d for d in Department.objects.all()}
    created = 0
    for slug, title, partner, kind, owner, status, days, notes in PLANS:
        department = departments.get(slug)
        if department is None or ExchangePlan.objects.filter(title=title).exists():
            continue
        services.plan_create(
            fields={
                "department": department,
                "title": title,
                "partner": Institution.objects.filter(name=partner).first(),
                "kind": kind,
                "owner": Person.objects.filter(email=owner).first(),
                "status": status,
                "target_start": today + timedelta(days=days) if days is not None else None,
                "notes": notes,
            }
        )
        created += 1
    return created
