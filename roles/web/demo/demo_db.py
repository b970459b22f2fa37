"""The demo's two tables and the queries on them, shared by the web app and the worker."""
from contextlib import closing

import psycopg2

from demo_config import postgres_params, table_name

VISITS = table_name('rolevisor_demo_visits')
JOBS = table_name('rolevisor_demo_jobs')

# CREATE TABLE IF NOT EXISTS is not safe when two sessions run it at once (both may try
# to create the row type and one fails), so every creator takes the same advisory lock.
_SCHEMA_LOCK = 0x726F6C65  # "role"
_schema_ready = False


def connect():
    return psycopg2.connect(**postgres_params())


def _ensure_schema(conn):
    global _schema_ready
    if _schema_ready:
        return
    with conn, conn.cursor() as cur:
        cur.execute('SELECT pg_advisory_xact_lock(%s)', (_SCHEMA_LOCK,))
        cur.execute(f'CREATE TABLE IF NOT EXISTS {VISITS} ('
                    ' id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), remote_addr text)')
        cur.execute(f'CREATE TABLE IF NOT EXISTS {JOBS} ('
                    ' task_id text PRIMARY KEY, done_at timestamptz NOT NULL DEFAULT now())')
    _schema_ready = True


def _run(fn):
    with closing(connect()) as conn:
        _ensure_schema(conn)
        with conn, conn.cursor() as cur:
            return fn(cur)


def counts():
    def query(cur):
        cur.execute(f'SELECT (SELECT count(*) FROM {VISITS}), (SELECT count(*) FROM {JOBS})')
        visits, jobs = cur.fetchone()
        return int(visits), int(jobs)
    return _run(query)


def record_visit(remote_addr):
    _run(lambda cur: cur.execute(f'INSERT INTO {VISITS} (remote_addr) VALUES (%s)', (remote_addr,)))


def record_job(task_id):
    # Keyed by the task id: a redelivered task (acks_late) does not count twice.
    _run(lambda cur: cur.execute(f'INSERT INTO {JOBS} (task_id) VALUES (%s) ON CONFLICT DO NOTHING', (task_id,)))
