from django.db import migrations

from amity.directory.languages import WORKING_LANGUAGES


def add_languages(apps, schema_editor):
    Language = apps.get_model("directory", "Language")
    for code, name in WORKING_LANGUAGES:
        Language.objects.get_or_create(code=code, defaults={"name": name})


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]

    operations = [migrations.RunPython(add_languages, migrations.RunPython.noop)]
