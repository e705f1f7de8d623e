"""No two approved bookings of one room overlap: the database refuses it, whatever writes the row.

PostgreSQL: an exclusion constraint over (room WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&) for
approved bookings; ``btree_gist`` gives the GiST index its ``=`` on the room id. Two transactions
approving overlapping bookings at once: the second waits for the first and fails when it commits.

SQLite: BEFORE INSERT and BEFORE UPDATE triggers that abort on an overlapping approved booking of the
same room. Writers are serialised (the settings open every transaction IMMEDIATE), so the check in the
trigger sees every committed booking. Times compare as the text Django stores (UTC,
``YYYY-MM-DD HH:MM:SS[.ffffff]``), which sorts as time does.

Both refusals carry the name ``venues_booking_no_overlap`` (``models.NO_OVERLAP``), by which the actions
tell them from other integrity errors. On SQLite, a later migration that makes Django rebuild the
``venues_booking`` table (most field changes) drops the triggers with the old table: it must create
them again (``tests/test_venue_concurrency.py`` checks the database still refuses).
"""

from django.db import migrations

NAME = "venues_booking_no_overlap"

POSTGRESQL = [
    "CREATE EXTENSION IF NOT EXISTS btree_gist",
    f"""ALTER TABLE venues_booking ADD CONSTRAINT {NAME}
        EXCLUDE USING gist (room_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)
        WHERE (status = 'approved')""",
]
POSTGRESQL_REVERSE = [f"ALTER TABLE venues_booking DROP CONSTRAINT IF EXISTS {NAME}"]

_OVERLAP = """EXISTS (
        SELECT 1 FROM venues_booking AS b
        WHERE b.room_id = NEW.room_id AND b.status = 'approved'
          AND b.starts_at < NEW.ends_at AND NEW.starts_at < b.ends_at{other}
    )"""
SQLITE = [
    f"""CREATE TRIGGER {NAME}_insert BEFORE INSERT ON venues_booking
    FOR EACH ROW WHEN NEW.status = 'approved'
    BEGIN
        SELECT RAISE(ABORT, '{NAME}: the room is already booked for this time')
        WHERE {_OVERLAP.format(other="")};
    END""",
    f"""CREATE TRIGGER {NAME}_update BEFORE UPDATE OF room_id, starts_at, ends_at, status ON venues_booking
    FOR EACH ROW WHEN NEW.status = 'approved'
    BEGIN
        SELECT RAISE(ABORT, '{NAME}: the room is already booked for this time')
        WHERE {_OVERLAP.format(other=" AND b.id <> NEW.id")};
    END""",
]
SQLITE_REVERSE = [f"DROP TRIGGER IF EXISTS {NAME}_insert", f"DROP TRIGGER IF EXISTS {NAME}_update"]


def _run(schema_editor, statements: dict) -> None:
    vendor = schema_editor.connection.vendor
    if vendor not in statements:
        raise NotImplementedError(f"No double-booking guard written for {vendor}")
    for sql in statements[vendor]:
        schema_editor.execute(sql)


def forwards(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL, "sqlite": SQLITE})


def backwards(apps, schema_editor):
    _run(schema_editor, {"postgresql": POSTGRESQL_REVERSE, "sqlite": SQLITE_REVERSE})


class Migration(migrations.Migration):
    dependencies = [("venues", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
