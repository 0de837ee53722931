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


def test_same_millisecond_accents_big_and_concurrent_starts(run_dir):
    """Eight messages with the same recipient and subject sent at once are
    eight files; accents become plain letters in the file names; a message
    over aiosmtpd's default 32 MiB limit is kept; two `start` at once leave
    one sink, which `stop` finds."""
    import smtplib  # noqa: PLC0415
    import threading  # noqa: PLC0415
    from email.message import EmailMessage  # noqa: PLC0415

    port = free_port()
    starts = [
        subprocess.Popen(
            [*SINK, "start", "--run-dir", str(run_dir), "--port", str(port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=60) for p in starts]
    assert [p.returncode for p in starts] == [0, 0], outputs
    assert [int(out) for out, _err in outputs] == [port, port]
    assert sum("Mail sink already running" in err for _out, err in outputs) == 1
    sinks = subprocess.run(
        ["pgrep", "-f", f"mail_sink.py serve --run-dir {run_dir} "],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    assert len(sinks) == 1, sinks

    def message(body):
        msg = EmailMessage()
        msg["From"] = "studio@example.com"
        msg["To"] = "client@example.com"
        msg["Subject"] = "Relance échéance"
        msg.set_content(body)
        return msg

    barrier = threading.Barrier(8)
    errors = []

    def send(n):
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as smtp:
                msg = message(f"message {n}")
                barrier.wait()
                smtp.send_message(msg)
        except Exception as error:  # noqa: BLE001 - reported by the assert
            errors.append(error)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    files = sorted((run_dir / "mail").glob("*.eml"))
    assert len(files) == 8, [f.name for f in files]
    assert all("_client@example.com_Relance_echeance" in f.name for f in files)
    bodies = sorted(
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        .get_content()
        .strip()
        for f in files
    )
    assert bodies == sorted(f"message {n}" for n in range(8))
    assert not list((run_dir / "mail").glob(".*.part"))

    big = message("x" * (40 * 1024 * 1024))
    with smtplib.SMTP("127.0.0.1", port, timeout=120) as smtp:
        assert smtp.send_message(big) == {}
    assert len(list((run_dir / "mail").glob("*.eml"))) == 9

    stopped = sink("stop", "--run-dir", str(run_dir))
    assert stopped.returncode == 0
    assert f"Mail sink stopped (pid {sinks[0]})" in stopped.stderr
    assert not listening(port)
