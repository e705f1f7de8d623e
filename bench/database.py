"""The bench database: create or drop it, run the project's migrations, and remember what it holds.

The generated dataset is described by one row of ``bench_meta`` (a table of the bench database only,
not a Django model), so ``--reuse`` can tell whether the database already holds a scale and seed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/linli_bench"


def database_name(url: str) -> str:
    name = conninfo_to_dict(url).get("dbname")
    if not name:
        raise ValueError(f"No database name in {url!r}")
    return str(name)


def maintenance_url(url: str) -> str:
    """The same server, the ``postgres`` database (where CREATE/DROP DATABASE are issued)."""
    params = conninfo_to_dict(url)
    params["dbname"] = "postgres"
    return make_conninfo(**params)


def exists(url: str) -> bool:
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)]).fetchone()
    return row is not None


def create(url: str, *, drop_first: bool = False) -> None:
    name = database_name(url)
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        if drop_first:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop(url: str) -> None:
    with psycopg.connect(maintenance_url(url), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(database_name(url))))


def migrate(url: str) -> None:
    """The project's own migrations, in a subprocess with DATABASE_URL pointing at the bench db."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings"}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=PROJECT_DIR, env=env, check=True)


META_DDL = "CREATE TABLE IF NOT EXISTS bench_meta (id int PRIMARY KEY CHECK (id = 1), data jsonb NOT NULL)"


def write_meta(conn: psycopg.Connection, data: dict) -> None:
    conn.execute(META_DDL)
    conn.execute(
        "INSERT INTO bench_meta (id, data) VALUES (1, %s) ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data",
        [json.dumps(data, ensure_ascii=False)],
    )


def read_meta(url: str) -> dict | None:
    """What the bench database holds, or None (no database, no dataset, or an unfinished one)."""
    if not exists(url):
        return None
    with psycopg.connect(url) as conn:
        if conn.execute("SELECT to_regclass('bench_meta')").fetchone()[0] is None:
            return None
        row = conn.execute("SELECT data FROM bench_meta WHERE id = 1").fetchone()
    return row[0] if row else None


def server_version(url: str) -> str:
    with psycopg.connect(url) as conn:
        return conn.execute("SHOW server_version").fetchone()[0]
