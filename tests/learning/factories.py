import factory
from factory.django import DjangoModelFactory

from amity.learning.models import ExternalCourse


class ExternalCourseFactory(DjangoModelFactory):
    class Meta:
        model = ExternalCourse

    title = factory.Sequence(lambda n: f"Online course {n}")
    provider = "OPEN Pediatrics"
    url = factory.Sequence(lambda n: f"https://courses.example.org/{n}")
    for_doctors = True
