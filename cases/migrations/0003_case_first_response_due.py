from django.db import migrations, models


def copy_deadline(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    Case.objects.update(first_response_due=models.F("respond_by"))


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_seed_categories")]

    operations = [
        migrations.AddField(
            model_name="case",
            name="first_response_due",
            field=models.DateTimeField(null=True, verbose_name="first response due (as reported)"),
        ),
        migrations.RunPython(copy_deadline, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="case",
            name="first_response_due",
            field=models.DateTimeField(verbose_name="first response due (as reported)"),
        ),
    ]
