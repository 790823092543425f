"""A prepared read (amity.core.prepared) finds exactly what its queryset finds, for any id,
with the SQL compiled once."""

import pytest
from django.db import connection
from django.db.models import Exists, OuterRef
from django.test.utils import CaptureQueriesContext

from amity.core.prepared import PreparedRead
from amity.directory.models import Department, Person
from tests.factories import DepartmentFactory, PersonFactory

pytestmark = pytest.mark.django_db


def _with_staff(pk: int):
    return (
        Department.objects.filter(slug__startswith="care-")
        .annotate(has_staff=Exists(Person.objects.filter(department=OuterRef("pk"))))
        .filter(pk=pk)
    )


def test_prepared_read_finds_what_its_queryset_finds():
    """For each id it returns the row the queryset finds, with its fields and annotation,
    and None where the queryset finds nothing (no such id, or a row it filters out)."""
    cardiology = DepartmentFactory(name="Cardiology", slug="care-cardiology", name_local="心内科")
    rehab = DepartmentFactory(name="Rehabilitation", slug="care-rehab")
    other = DepartmentFactory(name="Archive", slug="archive")
    PersonFactory(department=cardiology)
    read = PreparedRead(_with_staff)

    found = read.get(cardiology.pk)
    without_staff = read.get(rehab.pk)

    assert (found.pk, found.name, found.name_local, bool(found.has_staff)) == (
        cardiology.pk,
        "Cardiology",
        "心内科",
        True,
    )
    assert (without_staff.name, bool(without_staff.has_staff)) == ("Rehabilitation", False)
    assert read.get(other.pk) is None
    assert read.get(other.pk + 1000) is None


def test_prepared_read_runs_the_same_sql_each_time():
    """Every read runs one statement, the SQL compiled the first time, with only the id
    changed."""
    first, second = DepartmentFactory(slug="care-a"), DepartmentFactory(slug="care-b")
    read = PreparedRead(_with_staff)

    with CaptureQueriesContext(connection) as queries:
        read.get(first.pk)
        read.get(second.pk)

    assert len(queries.captured_queries) == 2
    one, two = (q["sql"] for q in queries.captured_queries)
    assert f'"id" = {second.pk}' in two
    assert one == two.replace(f'"id" = {second.pk}', f'"id" = {first.pk}')


def test_prepared_read_refuses_a_query_that_does_not_use_its_id_once():
    """A queryset that ignores the id (or uses it twice) cannot be prepared: it would find
    the wrong rows, so it is refused when first used."""
    read = PreparedRead(lambda pk: Department.objects.filter(slug="care-a"))

    with pytest.raises(ValueError, match="exactly once"):
        read.get(1)
