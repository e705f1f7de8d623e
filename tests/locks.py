"""Helpers for the PostgreSQL concurrency tests."""

import time

from django.db import connection

WAITING_SQL = "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"


def wait_for_a_blocked_writer(timeout: float = 10.0) -> bool:
    """True once another session of this database waits on a lock (other databases on the server, such as a
    parallel test worker's, do not count)."""
    deadline = time.monotonic() + timeout
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(WAITING_SQL)
            if cursor.fetchone()[0]:
                return True
            time.sleep(0.01)
    return False
