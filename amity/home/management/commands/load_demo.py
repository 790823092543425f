from django.core.management.base import BaseCommand
from django.db import transaction

from amity.aid.demo import load as load_demo_aid
from amity.directory.demo import load_demo
from amity.events.demo import load_demo_activities
from amity.learning.demo import load_demo_courses
from amity.plans.demo import load_demo_plans
from amity.registrations.demo import load_demo_attendance, load_demo_registrations
from amity.relations.demo import load_demo_relations
from amity.reports.demo import load_demo_leaders
from amity.research.demo import load as load_demo_research
from amity.scheduling.demo import load_demo_call_plan
from amity.sharing.demo import load_demo_sharing


class Command(BaseCommand):
    help = "Load the demo scenario (ZCH, its partners, people and exchanges). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=200, help="synthetic people to add")

    @transaction.atomic
    def handle(self, *args, people: int, **options):
        counts = load_demo(synthetic_people=people)
        counts["new activities"] = load_demo_activities()
        counts["CICU sessions moved to the planner's plan"] = load_demo_call_plan()
        counts["new courses"] = load_demo_courses()
        counts["new exchange plans"] = load_demo_plans()
        counts["new registrations"] = load_demo_registrations()
        counts["new attendance records"] = load_demo_attendance()
        counts["new shared documents"] = load_demo_sharing()
        counts["new letters and agreements"] = load_demo_relations()
        counts["new aid records"] = load_demo_aid()
        counts["new research records"] = load_demo_research()
        counts["hospital leaders"] = load_demo_leaders()
        if options["verbosity"]:
            summary = ", ".join(f"{count} {name}" for name, count in counts.items())
            self.stdout.write(self.style.SUCCESS(f"Demo scenario loaded: {summary}."))
