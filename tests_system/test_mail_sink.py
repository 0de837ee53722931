"""The local mail sink of `make run` receives what Odoo really sends.

Starts tools/mail_sink.py as `make run` does (a detached process, a run dir
of its own, a free port), points the outgoing mail server of a scratch copy
of the test database at it with the same command as `make run`, has Odoo
send a payment reminder through its mail queue in a process outside test
mode (mail_sink_steps.py), then reads the .eml file the sink kept and stops
the sink.
"""

import email
import email.policy
import json
import os
import re
import socket
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

import odoo
from odoo.tests.common import get_db_name
from odoo.tools import SQL

REPO = Path(__file__).resolve().parent.parent
SINK = [sys.executable, str(REPO / "tools" / "mail_sink.py")]
STEPS = Path(__file__).with_name("mail_sink_steps.py")


def free_port():
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def listening(port):
    with closing(socket.socket()) as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def sink(*args):
    return subprocess.run(
        [*SINK, *args], capture_output=True, text=True, check=False, timeout=60
    )


def alive(pid):
    """Running (a zombie, ended and waiting for its parent, is not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def _admin(sql):
    with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
        cr._cnx.autocommit = True
        cr.execute(sql)


@pytest.fixture
def scratch_db():
    """A committed copy of the test database, dropped afterwards."""
    source = get_db_name()
    name = f"{source}_mail_sink"
    drop = SQL("DROP DATABASE IF EXISTS %s WITH (FORCE)", SQL.identifier(name))
    _admin(drop)
    odoo.sql_db.close_db(source)
    _admin(
        SQL(
            "CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY",
            SQL.identifier(name),
            SQL.identifier(source),
        )
    )
    filestore = odoo.tools.config.filestore
    if os.path.isdir(filestore(source)):
        os.symlink(filestore(source), filestore(name))
    yield name
    odoo.sql_db.close_db(name)
    _admin(drop)
    if os.path.islink(filestore(name)):
        os.unlink(filestore(name))


@pytest.fixture
def run_dir(tmp_path):
    yield tmp_path
    sink("stop", "--run-dir", str(tmp_path))  # whatever the test left running


def test_reminder_reaches_the_sink(scratch_db, run_dir):
    timings = {}
    t0 = time.monotonic()
    port = free_port()
    started = sink("start", "--run-dir", str(run_dir), "--port", str(port))
    assert started.returncode == 0, started.stderr
    assert started.stdout.strip() == str(port)
    pid = int((run_dir / "mail_sink.pid").read_text())
    assert alive(pid) and listening(port)
    # A second start reuses the running sink.
    again = sink("start", "--run-dir", str(run_dir), "--port", str(port))
    assert again.stdout.strip() == str(port)
    assert f"already running (pid {pid}, port {port}): reused" in again.stderr
    timings["start"] = time.monotonic() - t0

    t0 = time.monotonic()
    conf = odoo.tools.config.rcfile
    pointed = sink("point-odoo", "-c", conf, "-d", scratch_db, "--port", str(port))
    assert pointed.returncode == 0, pointed.stderr
    # Created in a fresh test database, updated in a copy of a `make run` one.
    assert re.search(
        rf"Database {scratch_db}: outgoing mail server 'Local mail sink \(make run\)' "
        rf"(created|updated) \(127\.0\.0\.1:{port}, priority 0\)",
        pointed.stderr,
    ), pointed.stderr
    timings["point-odoo"] = time.monotonic() - t0

    t0 = time.monotonic()
    client = "sink.client@example.com"
    steps = subprocess.run(
        [sys.executable, str(STEPS), "-c", conf, "-d", scratch_db, "--email", client],
        capture_output=True,
        text=True,
        check=False,
        timeout=240,
    )
    assert steps.returncode == 0, steps.stderr[-3000:]
    report = json.loads(steps.stdout.strip().splitlines()[-1])
    timings["reminder sent by Odoo"] = time.monotonic() - t0
    assert report["servers"][0] == ["Local mail sink (make run)", "127.0.0.1", port]
    assert report["queued"] == 1, report
    assert report["reminders"] == ["sent"], report
    assert report["notifications"] == [[client, "sent"]], report
    # Sent mail.mail are deleted, or kept as sent: none failed nor waits.
    assert set(report["mails_left"]) <= {"sent"}, report

    files = sorted((run_dir / "mail").glob("*.eml"))
    assert len(files) == 1, files
    assert files[0].name.endswith(".eml") and f"_{client}_" in files[0].name
    with open(files[0], "rb") as eml:
        msg = email.message_from_binary_file(eml, policy=email.policy.default)
    assert msg["X-Envelope-To"] == f"<{client}>"
    assert msg["To"].addresses[0].addr_spec == client
    assert msg["Subject"] == report["subject"]
    assert report["subject"], report
    listed = sink("list", "--run-dir", str(run_dir))
    assert files[0].name in listed.stdout
    # One line per email: the subject's blanks (no-break spaces) as spaces.
    assert " ".join(report["subject"].split())[:60] in listed.stdout

    t0 = time.monotonic()
    stopped = sink("stop", "--run-dir", str(run_dir))
    assert f"Mail sink stopped (pid {pid})" in stopped.stderr
    assert not alive(pid)
    assert not listening(port)
    assert not (run_dir / "mail_sink.pid").exists()
    timings["stop"] = time.monotonic() - t0
    print(
        "mail sink timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items())
    )


def test_busy_port_takes_the_next_free_one(run_dir):
    with closing(socket.socket()) as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        started = sink("start", "--run-dir", str(run_dir), "--port", str(port))
        assert started.returncode == 0, started.stderr
        taken = int(started.stdout)
        assert taken != port and listening(taken)
        assert (
            f"Port {port} is taken by another program: the mail sink listens on "
            f"{taken} instead" in started.stderr
        )
        refused = sink(
            "start",
            "--run-dir",
            str(run_dir / "b"),
            "--port",
            str(port),
            "--tries",
            "1",
        )
        assert refused.returncode != 0
        assert f"no free port in {port}-{port} on 127.0.0.1" in refused.stderr
        assert "set FD_SMTP_PORT to a free port" in refused.stderr
    stopped = sink("stop", "--run-dir", str(run_dir))
    assert stopped.returncode == 0
    assert not listening(taken)
