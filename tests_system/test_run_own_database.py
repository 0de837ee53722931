"""`make run` and `make reset-demo` leave a database they did not create alone.

The real tools/dev.sh in a scratch checkout (the script, tools/demo_db.py,
the repository's .venv), on the test database's PostgreSQL server (PGUSER
set): with ODOO_DB the test database (an Odoo database that
tools/demo_db.py did not create) `run` stops before any change, naming
FD_USE_OWN_DB=1 and another ODOO_DB; `reset-demo` refuses to drop it; a
PostgreSQL database that is not an Odoo one is refused by both. Nothing is
installed and no mail server is added (checked in the databases).
"""

import os
import shutil
import socket
import subprocess
from pathlib import Path

import odoo
from odoo.tests.common import get_db_name

REPO = Path(__file__).resolve().parent.parent


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _checkout(tmp_path):
    root = tmp_path / "checkout"
    (root / "tools").mkdir(parents=True)
    for name in ("dev.sh", "demo_db.py"):
        shutil.copy(REPO / "tools" / name, root / "tools" / name)
    shutil.copy(REPO / "requirements-dev.txt", root / "requirements-dev.txt")
    (root / ".venv").symlink_to(REPO / ".venv")
    return root


def _dev(root, command, db, **extra):
    cfg = odoo.tools.config
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "FD_"))}
    env.update(
        PGHOST=str(cfg["db_host"] or ""),
        PGPORT=str(cfg["db_port"] or 5432),
        PGUSER=cfg["db_user"],
        ODOO_DB=db,
        ODOO_HTTP_PORT=str(_free_port()),
        FD_ADDONS_DIR=str(REPO),
        **extra,
    )
    if cfg["db_password"]:
        env["PGPASSWORD"] = cfg["db_password"]
    run = subprocess.run(
        ["bash", str(root / "tools" / "dev.sh"), command],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return run.returncode, run.stderr


def _state(db):
    with odoo.sql_db.db_connect(db).cursor() as cr:
        cr.execute(
            "SELECT name, state FROM ir_module_module"
            " WHERE state = 'installed' ORDER BY name"
        )
        modules = cr.fetchall()
        cr.execute("SELECT count(*) FROM ir_mail_server")
        return modules, cr.fetchone()[0]


def test_run_and_reset_refuse_a_database_they_did_not_create(tmp_path):
    db = get_db_name()
    root = _checkout(tmp_path)
    before = _state(db)

    rc, out = _dev(root, "run", db)
    assert rc == 1, out
    assert (
        f"ERROR: database {db} exists and was not created by make run: left untouched"
        in out
    )
    assert "ODOO_DB=fd_demo make run" in out
    assert "FD_USE_OWN_DB=1 make run" in out
    assert "Install/update" not in out and "Mail sink started" not in out

    rc, out = _dev(root, "reset-demo", db)
    assert rc == 1, out
    assert (
        f"ERROR: database {db} was not created by make run (foreign): not dropped"
        in out
    )
    assert "FD_FORCE_DROP=1 make reset-demo" in out
    assert "Dropping database" not in out
    assert _state(db) == before

    plain = f"{db}_not_odoo"
    with odoo.sql_db.db_connect("postgres").cursor() as cr:
        cr._cnx.autocommit = True
        cr.execute(f'DROP DATABASE IF EXISTS "{plain}"')
        cr.execute(f'CREATE DATABASE "{plain}"')
    try:
        rc, out = _dev(root, "run", plain)
        assert rc == 1, out
        assert (
            f"ERROR: {plain} is a PostgreSQL database but not an Odoo one"
            " (not-odoo): left untouched" in out
        )
        # Even when asked to use it as one's own: never `-i` on it.
        rc, out = _dev(root, "run", plain, FD_USE_OWN_DB="1")
        assert rc == 1, out
        assert "is a PostgreSQL database but not an Odoo one" in out
        rc, out = _dev(root, "reset-demo", plain)
        assert rc == 1, out
        assert "was not created by make run (not-odoo): not dropped" in out
        with odoo.sql_db.db_connect(plain).cursor() as cr:
            cr.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert cr.fetchone()[0] == 0
    finally:
        odoo.sql_db.close_db(plain)
        with odoo.sql_db.db_connect("postgres").cursor() as cr:
            cr._cnx.autocommit = True
            cr.execute(f'DROP DATABASE IF EXISTS "{plain}"')
