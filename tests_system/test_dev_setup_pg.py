"""`tools/dev.sh setup` beside a PostgreSQL server that is already running.

A throwaway cluster made like a distribution's (Debian's pg_hba.conf: peer on
the socket, scram-sha-256 on 127.0.0.1; its socket in /var/run/postgresql,
where the server binaries look by default) on a free port, and a scratch
checkout (tools/dev.sh, the repository's .venv) running the real script with
PGUSER unset, as root (the way this repository's tests run):

- the first run makes the role ``freelance_dunning`` (LOGIN CREATEDB, not a
  superuser) through the ``postgres`` superuser, keeps its password in
  .run/pg-role (mode 600) and writes an odoo.conf that logs in over TCP;
- a second run reuses it, password unchanged;
- another checkout (no .run/) of the same user reuses the role and its
  password (kept once per server in ~/.cache/freelance_dunning, mode 600):
  the first checkout's config keeps working; without that file the role gets
  a new password, and the tool says so;
- a role of the same name that the tool did not make is left untouched: the
  run falls back to a private cluster on a free port;
- the cluster's pg_hba.conf and the other roles are not changed.
"""

import configparser
import glob
import os
import shutil
import socket
import stat
import subprocess
import tempfile
from pathlib import Path

import psycopg2
import pytest

REPO = Path(__file__).resolve().parent.parent
PG_BIN = sorted(
    glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2])
)[-1]
SOCKET_DIR = "/var/run/postgresql"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_postgres(*cmd):
    return subprocess.run(
        ["runuser", "-u", "postgres", "--", *cmd],
        cwd="/",
        check=True,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def cluster():
    assert os.geteuid() == 0, "these tests run as root, like the rest of tests_system"
    base = Path(tempfile.mkdtemp(prefix="fd-pgtest-", dir="/var/tmp"))
    base.chmod(0o755)
    data = base / "data"
    shutil.chown(base, "postgres", "postgres")
    _as_postgres(
        f"{PG_BIN}/initdb",
        "-D",
        str(data),
        "-U",
        "postgres",
        "--auth-local=peer",
        "--auth-host=scram-sha-256",
        "-E",
        "UTF8",
        "--locale=C.UTF-8",
    )
    port = _free_port()
    _as_postgres(
        f"{PG_BIN}/pg_ctl",
        "-D",
        str(data),
        "-l",
        str(base / "log"),
        "-w",
        "-s",
        "-o",
        f"-p {port} -k {SOCKET_DIR} -h 127.0.0.1",
        "start",
    )
    try:
        yield {"port": port, "data": data, "base": base}
    finally:
        _as_postgres(
            f"{PG_BIN}/pg_ctl", "-D", str(data), "-m", "immediate", "-s", "stop"
        )
        shutil.rmtree(base, ignore_errors=True)


def _psql_su(cluster, sql):
    return _as_postgres(
        "psql", "-X", "-p", str(cluster["port"]), "-d", "postgres", "-qtAc", sql
    ).stdout.strip()


def _checkout(tmp_path, name):
    """A scratch checkout: the script, and the repository's .venv (so that
    ensure_venv has nothing to install)."""
    root = tmp_path / name
    (root / "tools").mkdir(parents=True)
    shutil.copy(REPO / "tools" / "dev.sh", root / "tools" / "dev.sh")
    shutil.copy(REPO / "requirements-dev.txt", root / "requirements-dev.txt")
    (root / ".venv").symlink_to(REPO / ".venv")
    return root


def _setup(root, cluster, **env):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PG")},
        "PGPORT": str(cluster["port"]),
        "FD_PGDATA": str(cluster["base"] / f"private-{root.name}"),
        "XDG_CACHE_HOME": str(root.parent / "cache"),
        **env,
    }
    run = subprocess.run(
        ["bash", str(root / "tools" / "dev.sh"), "setup"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr
    conf = configparser.ConfigParser()
    conf.read(root / ".run" / "odoo.conf")
    return run.stderr, conf["options"]


def _login(options):
    with (
        psycopg2.connect(
            host=options["db_host"],
            port=options["db_port"],
            user=options["db_user"],
            password=options["db_password"],
            dbname="postgres",
        ) as conn,
        conn.cursor() as cr,
    ):
        cr.execute(
            "SELECT current_user, rolcreatedb, rolsuper"
            " FROM pg_roles WHERE rolname = current_user"
        )
        row = cr.fetchone()
    conn.close()
    return row


def test_role_made_reused_and_foreign_role_untouched(cluster, tmp_path):
    hba = (cluster["data"] / "pg_hba.conf").read_bytes()
    roles_before = _psql_su(
        cluster, "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles"
    )

    # First run: the role is made, its password kept in .run/pg-role.
    first = _checkout(tmp_path, "first")
    out, options = _setup(first, cluster)
    print(out)
    assert (
        "Creating the role 'freelance_dunning' (LOGIN CREATEDB, not a superuser)" in out
    )
    assert (options["db_host"], options["db_port"], options["db_user"]) == (
        "127.0.0.1",
        str(cluster["port"]),
        "freelance_dunning",
    )
    secret = first / ".run" / "pg-role"
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    assert secret.read_text().split() == [
        "127.0.0.1",
        str(cluster["port"]),
        "freelance_dunning",
        options["db_password"],
    ]
    assert len(options["db_password"]) >= 20
    assert _login(options) == ("freelance_dunning", True, False)

    # Second run: reused as it is.
    out, again = _setup(first, cluster)
    assert "as freelance_dunning (the role made by an earlier setup" in out
    assert "Creating the role" not in out
    assert again["db_password"] == options["db_password"]

    # Another checkout: same role, same password (one per server, shared).
    shared = tmp_path / "cache" / "freelance_dunning"
    shared /= f"pg-role-127.0.0.1-{cluster['port']}-freelance_dunning"
    assert stat.S_IMODE(shared.stat().st_mode) == 0o600
    assert shared.read_text() == secret.read_text()
    second = _checkout(tmp_path, "second")
    out, other = _setup(second, cluster)
    assert (
        "as freelance_dunning (the role made by an earlier setup, password in "
        f"{shared})" in out
    )
    assert "new password" not in out
    assert other["db_user"] == "freelance_dunning"
    assert other["db_password"] == options["db_password"]
    assert _login(options) == ("freelance_dunning", True, False)

    # Without the shared file (another user's clone): a new password, said.
    shared.unlink()
    out, renewed = _setup(_checkout(tmp_path, "fourth"), cluster)
    assert (
        "Role 'freelance_dunning' (made by an earlier setup) gets a new password" in out
    )
    assert renewed["db_password"] != options["db_password"]
    assert _login(renewed) == ("freelance_dunning", True, False)
    assert shared.read_text().split()[-1] == renewed["db_password"]

    # A role of that name the tool did not make: untouched, private cluster.
    _psql_su(cluster, "CREATE ROLE fd_someone_else LOGIN PASSWORD 'kept'")
    foreign = (
        "SELECT rolpassword, rolcreatedb, rolsuper"
        " FROM pg_authid WHERE rolname = 'fd_someone_else'"
    )
    foreign_before = _psql_su(cluster, foreign)
    third = _checkout(tmp_path, "third")
    out, private = _setup(third, cluster, FD_PG_ROLE="fd_someone_else")
    try:
        assert (
            "already has a role 'fd_someone_else' this tool did not make:"
            " left untouched" in out
        )
        assert "Using a private PostgreSQL cluster on the free port" in out
        assert private["db_user"] == "odoo"
        assert private["db_port"] != str(cluster["port"])
        assert (
            cluster["base"] / "private-third" / "port"
        ).read_text().strip() == private["db_port"]
        assert _login(private) == ("odoo", True, False)
    finally:
        _as_postgres(
            f"{PG_BIN}/pg_ctl",
            "-D",
            str(cluster["base"] / "private-third" / "data"),
            "-m",
            "fast",
            "-s",
            "stop",
        )
    assert _psql_su(cluster, foreign) == foreign_before
    assert foreign_before.startswith("SCRAM-SHA-256$") and foreign_before.endswith(
        "|f|f"
    )

    # The server's configuration and the roles it had are as they were.
    assert (cluster["data"] / "pg_hba.conf").read_bytes() == hba
    assert _psql_su(
        cluster, "SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles"
    ) == ",".join(
        sorted(roles_before.split(",") + ["freelance_dunning", "fd_someone_else"])
    )
