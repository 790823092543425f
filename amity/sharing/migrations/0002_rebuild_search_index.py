"""Apostrophes no longer split a word in search ("Kawasaki's" is "kawasaki", "O'Brien" is
"obrien"), at index time as at query time: rows stored before would not match the new
query terms, so every document's index is rebuilt (``rebuild_search_index`` does the
same by hand)."""

from django.db import migrations

from amity.sharing.search import rebuild_index


def rebuild_search_index(apps, schema_editor):
    rebuild_index(
        apps.get_model("sharing", "Document").objects.all(),
        term_model=apps.get_model("sharing", "DocumentTerm"),
    )


class Migration(migrations.Migration):
    dependencies = [("sharing", "0001_initial")]

    operations = [migrations.RunPython(rebuild_search_index, migrations.RunPython.noop)]
