from django.core.management.base import BaseCommand

from amity.directory.demo import load_demo


class Command(BaseCommand):
    help = "Load the demo scenario (ZCH, its partners and people). Safe to run again."

    def add_arguments(self, parser):
        parser.add_argument("--people", type=int, default=200, help="synthetic people to add")

    def handle(self, *args, people: int, **options):
        counts = load_demo(synthetic_people=people)
        if options["verbosity"]:
            summary = ", ".join(f"{count} {name}" for name, count in counts.items())
            self.stdout.write(self.style.SUCCESS(f"Demo scenario loaded: {summary}."))
