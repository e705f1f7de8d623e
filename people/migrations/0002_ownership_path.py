from django.db import migrations, models
from django.db.models import OuterRef, Subquery


def copy_unit_paths(apps, schema_editor):
    Ownership = apps.get_model("people", "Ownership")
    Unit = apps.get_model("places", "Unit")
    Ownership.objects.update(path=Subquery(Unit.objects.filter(pk=OuterRef("unit_id")).values("path")[:1]))


class Migration(migrations.Migration):
    dependencies = [("people", "0001_initial"), ("places", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="ownership",
            name="path",
            field=models.CharField(default="", editable=False, max_length=255),
            preserve_default=False,
        ),
        migrations.RunPython(copy_unit_paths, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="ownership",
            index=models.Index(fields=["person", "path"], name="own_person_path_idx", opclasses=["", "varchar_pattern_ops"]),
        ),
    ]
