"""A prepared read (amity.core.prepared) finds exactly what its queryset finds, for any id,
with the SQL compiled once; a prepared insert writes the row save() writes."""

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef
from django.db.models.signals import post_save, pre_save
from django.test.utils import CaptureQueriesContext

from amity.core.prepared import PreparedInsert, PreparedRead
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


def test_prepared_insert_writes_the_row_save_writes_and_sends_its_signals():
    """The new row has every value save() would give it (defaults included), the instance
    gets its id, and pre_save and post_save are sent as save() sends them."""
    heard = []

    def listen(signal):
        def receiver(sender, instance, **kwargs):
            heard.append((signal, instance.slug, kwargs.get("created"), kwargs["raw"]))
            if signal == "pre":
                instance.name_local = "康复科"  # a receiver may still change the row

        return receiver

    on_pre, on_post = listen("pre"), listen("post")
    pre_save.connect(on_pre, sender=Department)
    post_save.connect(on_post, sender=Department)
    try:
        department = Department(name="Rehabilitation", slug="care-rehab")
        written = PreparedInsert(Department).insert(department)
    finally:
        pre_save.disconnect(on_pre, sender=Department)
        post_save.disconnect(on_post, sender=Department)

    stored = Department.objects.get(pk=department.pk)
    assert written is True
    assert (stored.name, stored.slug, stored.name_local) == (
        "Rehabilitation",
        "care-rehab",
        "康复科",
    )
    assert heard == [("pre", "care-rehab", None, False), ("post", "care-rehab", True, False)]
    assert not department._state.adding


def test_prepared_insert_skipping_conflicts_writes_nothing_and_keeps_the_transaction():
    """With skip_conflicts, a row a unique constraint refuses is not written and insert()
    says so; the transaction goes on (no error, no savepoint needed)."""
    DepartmentFactory(name="Cardiology", slug="care-cardiology")
    insert = PreparedInsert(Department, skip_conflicts=True)

    with transaction.atomic():
        again = insert.insert(Department(name="Cardiology", slug="care-cardiology-2"))
        other = Department(name="Nursing", slug="care-nursing")
        new = insert.insert(other)

    assert (again, new) == (False, True)
    assert sorted(Department.objects.values_list("slug", flat=True)) == [
        "care-cardiology",
        "care-nursing",
    ]
    assert Department.objects.get(pk=other.pk).name == "Nursing"


def test_prepared_insert_without_skipping_conflicts_raises_as_save_does():
    """Without skip_conflicts, a row a unique constraint refuses raises IntegrityError."""
    DepartmentFactory(name="Cardiology", slug="care-cardiology")

    with pytest.raises(IntegrityError), transaction.atomic():
        PreparedInsert(Department).insert(Department(name="Cardiology", slug="care-x"))
