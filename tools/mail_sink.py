"""A local SMTP server that keeps every email it receives as an .eml file.

`make run` starts it in the background so that the demo database's emails
(reminders, invoices, quotations) are really delivered, by Odoo's own mail
queue, to a server on this machine, and never to a client's mailbox:

    tools/mail_sink.py start [--port 2525] [--run-dir .run]   # prints the port
    tools/mail_sink.py stop  [--run-dir .run]
    tools/mail_sink.py list  [-n 20] [--run-dir .run]         # the last emails
    tools/mail_sink.py point-odoo -c odoo.conf -d DB --port P  # ir.mail_server

The server (aiosmtpd, from requirements-dev.txt) listens on 127.0.0.1 only,
accepts any sender and recipient, and writes each message to
<run dir>/mail/<time>_<recipient>_<subject>.eml, with the envelope's sender and
recipients in X-Envelope-From / X-Envelope-To headers on top (Bcc recipients
appear nowhere else). Its pid, port and log are <run dir>/mail_sink.{pid,port,
log}. `start` reuses a sink that already runs (a lock on <run dir>/mail_sink.lock
keeps two `start` from racing); when the port is taken by another program it
takes the next free one and says so. Messages up to 100 MiB are accepted.
"""

import argparse
import asyncio
import email
import email.policy
import fcntl
import itertools
import os
import re
import signal
import socket
import subprocess
import sys
import time
import unicodedata
from datetime import datetime
from pathlib import Path

SERVER_NAME = "Local mail sink (make run)"
HOST = "127.0.0.1"
PORTS_TRIED = 20
# aiosmtpd refuses bigger messages with 552 (its default is 32 MiB).
DATA_SIZE_LIMIT = 100 * 1024 * 1024


def _files(run_dir):
    run_dir = Path(run_dir)
    return (
        run_dir / "mail_sink.pid",
        run_dir / "mail_sink.port",
        run_dir / "mail_sink.log",
        run_dir / "mail",
    )


def say(text):
    print(f"==> {text}", file=sys.stderr)


# ----------------------------------------------------------------------------
# The server
# ----------------------------------------------------------------------------


def _slug(text, size):
    # "échéance" -> "echeance": accents dropped, not the letters.
    text = "".join(
        c
        for c in unicodedata.normalize("NFKD", text or "")
        if not unicodedata.combining(c)
    )
    text = re.sub(r"[^\w@.+-]+", "_", text or "", flags=re.ASCII).strip("_.")
    return text[:size] or "none"


class EmlWriter:
    """aiosmtpd handler: one .eml file per message received."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.counter = itertools.count()

    async def handle_DATA(self, server, session, envelope):
        content = envelope.original_content or envelope.content
        headers = email.message_from_bytes(content, policy=email.policy.default)
        subject = str(headers.get("Subject", ""))
        recipients = envelope.rcpt_tos
        first = recipients[0] if recipients else "nobody"
        if len(recipients) > 1:
            first += f"+{len(recipients) - 1}"
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S-%f")[:-3]
        name = f"{stamp}_{_slug(first, 60)}_{_slug(subject, 60)}"
        top = (
            f"X-Envelope-From: <{envelope.mail_from}>\r\n"
            f"X-Envelope-To: {', '.join(f'<{r}>' for r in recipients)}\r\n"
        ).encode()
        # Written under a temporary name, then linked to its final name,
        # which is claimed with O_EXCL semantics (link fails if it exists):
        # a reader never sees half a message, and two messages of the same
        # millisecond, recipient and subject get _2, _3... instead of one
        # replacing the other.
        partial = self.folder / f".{name}.{os.getpid()}.{next(self.counter)}.part"
        partial.write_bytes(top + content)
        for n in itertools.count(1):
            target = self.folder / (f"{name}.eml" if n == 1 else f"{name}_{n}.eml")
            try:
                os.link(partial, target)
            except FileExistsError:
                continue
            break
        partial.unlink()
        print(
            f"{datetime.now():%Y-%m-%d %H:%M:%S} received {target.name} "
            f"from <{envelope.mail_from}> to {', '.join(recipients)}",
            flush=True,
        )
        return "250 Message accepted for delivery"


def _bind(port, tries):
    """A listening socket on the first free port from ``port`` on."""
    last_error = None
    for candidate in range(port, port + tries):
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, candidate))
        except OSError as error:
            sock.close()
            last_error = error
            continue
        sock.listen(100)
        return sock
    raise SystemExit(
        f"no free port in {port}-{port + tries - 1} on {HOST} ({last_error}): "
        "set FD_SMTP_PORT to a free port"
    )


async def _serve(run_dir, port, tries):
    from aiosmtpd.smtp import SMTP  # noqa: PLC0415 - only the server needs it

    pidfile, portfile, _log, folder = _files(run_dir)
    sock = _bind(port, tries)
    bound = sock.getsockname()[1]
    handler = EmlWriter(folder)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(
            handler,
            enable_SMTPUTF8=True,
            ident="freelance_dunning mail sink",
            data_size_limit=DATA_SIZE_LIMIT,
        ),
        sock=sock,
    )
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        loop.add_signal_handler(signum, stop.set)
    portfile.write_text(f"{bound}\n")
    pidfile.write_text(f"{os.getpid()}\n")
    print(
        f"{datetime.now():%Y-%m-%d %H:%M:%S} listening on {HOST}:{bound}, "
        f"keeping emails in {folder}",
        flush=True,
    )
    try:
        await stop.wait()
    finally:
        server.close()
        await server.wait_closed()
        # Only files that are still ours: another sink may have taken over.
        if _read_int(pidfile) == os.getpid():
            for path in (pidfile, portfile):
                path.unlink(missing_ok=True)
        print(f"{datetime.now():%Y-%m-%d %H:%M:%S} stopped", flush=True)


def _read_int(path):
    try:
        return int(Path(path).read_text())
    except (OSError, ValueError):
        return None


# ----------------------------------------------------------------------------
# start / stop / status
# ----------------------------------------------------------------------------


def running_sink(run_dir):
    """(pid, port) of the sink started from this run dir, or None."""
    pidfile, portfile, _log, _folder = _files(run_dir)
    try:
        pid = int(pidfile.read_text())
        port = int(portfile.read_text())
    except (OSError, ValueError):
        return None
    try:
        os.kill(pid, 0)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except (OSError, ProcessLookupError):
        return None
    # A recycled pid belongs to another program: not ours to reuse or stop.
    if b"mail_sink.py" not in cmdline or b"serve" not in cmdline:
        return None
    return pid, port


def _exists(pid):
    """The process still runs (a zombie waiting for its parent does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def start(run_dir, port, tries=PORTS_TRIED, timeout=15):
    """Start the sink in the background (or reuse the running one): its port.
    Two `start` on the same run dir at once: the second waits for the first
    (a lock file), then reuses its sink."""
    Path(run_dir).mkdir(parents=True, exist_ok=True)
    with open(Path(run_dir) / "mail_sink.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _start_locked(run_dir, port, tries, timeout)


def _start_locked(run_dir, port, tries, timeout):
    found = running_sink(run_dir)
    if found:
        say(f"Mail sink already running (pid {found[0]}, port {found[1]}): reused")
        return found[1]
    pidfile, portfile, log, folder = _files(run_dir)
    for path in (pidfile, portfile):
        path.unlink(missing_ok=True)
    with open(log, "ab") as out:
        child = subprocess.Popen(
            [
                sys.executable,
                os.path.abspath(__file__),
                "serve",
                "--run-dir",
                str(run_dir),
                "--port",
                str(port),
                "--tries",
                str(tries),
            ],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            # Its own session: Ctrl-C on `make run` (Odoo in the foreground)
            # does not reach it; `make stop` does.
            start_new_session=True,
            close_fds=True,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if child.poll() is not None:
            tail = log.read_text(errors="replace").splitlines()[-5:]
            raise SystemExit(
                "the mail sink did not start:\n  "
                + "\n  ".join(tail)
                + f"\n(see {log})"
            )
        found = running_sink(run_dir)
        if found and found[0] == child.pid:
            if found[1] != port:
                say(
                    f"Port {port} is taken by another program: "
                    f"the mail sink listens on {found[1]} instead"
                )
            say(
                f"Mail sink started on {HOST}:{found[1]} (pid {found[0]}); "
                f"emails kept in {folder}, log {log}"
            )
            return found[1]
        time.sleep(0.05)
    child.terminate()
    raise SystemExit(f"the mail sink did not answer within {timeout} s (see {log})")


def stop(run_dir, timeout=10):
    """Stop the sink started from this run dir; True if one was running."""
    found = running_sink(run_dir)
    if not found:
        say("Mail sink is not running")
        return False
    pid = found[0]
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _exists(pid):
        time.sleep(0.05)
    if _exists(pid):
        os.kill(pid, signal.SIGKILL)
    for path in _files(run_dir)[:2]:
        path.unlink(missing_ok=True)
    say(f"Mail sink stopped (pid {pid})")
    return True


# ----------------------------------------------------------------------------
# Reading the emails
# ----------------------------------------------------------------------------


def list_emails(run_dir, count=20, out=sys.stdout):
    folder = _files(run_dir)[3]
    files = sorted(folder.glob("*.eml")) if folder.is_dir() else []
    if not files:
        print(f"No email in {folder} yet.", file=out)
        return
    shown = files[-count:] if count > 0 else files
    try:
        where = folder.relative_to(Path.cwd())
    except ValueError:
        where = folder
    print(f"{len(shown)} of {len(files)} emails in {where}/ (oldest first):", file=out)
    for path in shown:
        with open(path, "rb") as eml:
            msg = email.message_from_binary_file(eml, policy=email.policy.default)
        moment = datetime.fromtimestamp(path.stat().st_mtime)
        to = str(msg.get("X-Envelope-To") or msg.get("To", "")).replace("<", "")
        to = to.replace(">", "")
        subject = " ".join(str(msg.get("Subject", "")).split())
        print(f"{moment:%Y-%m-%d %H:%M}  {to[:40]:40}  {subject[:60]}", file=out)
        print(f"{'':18}{path.name}", file=out)
    print(f"Read one: less {where}/<file>.eml (or open it in a mail client)", file=out)


# ----------------------------------------------------------------------------
# Pointing a database at the sink
# ----------------------------------------------------------------------------


def point_mail_server(env, port):
    """Create or update the database's "Local mail sink" outgoing mail
    server: 127.0.0.1:<port>, no encryption, no login, before every other
    server. Returns (record, created, the other active servers)."""
    servers = env["ir.mail_server"].sudo().with_context(active_test=False)
    sink = servers.search([("name", "=", SERVER_NAME)], limit=1)
    others = servers.search([("id", "!=", sink.id), ("active", "=", True)])
    first = min(others.mapped("sequence"), default=1)
    values = {
        "name": SERVER_NAME,
        "smtp_host": HOST,
        "smtp_port": port,
        "smtp_encryption": "none",
        "smtp_authentication": "login",
        "smtp_user": False,
        "smtp_pass": False,
        "from_filter": False,
        "sequence": min(first - 1, 0),
        "active": True,
    }
    created = not sink
    if sink:
        sink.write(values)
    else:
        sink = servers.create(values)
    return sink, created, others


def _point_odoo(config, database, port):
    import odoo  # noqa: PLC0415 - only this command needs Odoo
    from odoo.modules.registry import Registry  # noqa: PLC0415

    odoo.tools.config.parse_config(["-c", config, "-d", database])
    with Registry(database).cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        sink, created, others = point_mail_server(env, port)
        say(
            f"Database {database}: outgoing mail server '{sink.name}' "
            f"{'created' if created else 'updated'} "
            f"({sink.smtp_host}:{sink.smtp_port}, priority {sink.sequence})"
        )
        if others:
            # Odoo prefers a server whose "FROM filtering" matches the sender
            # over the priority order: those keep sending for real.
            say(
                f"Database {database} has other outgoing mail servers, "
                "kept as they are: "
                + ", ".join(
                    f"{s.name} ({s.smtp_host}"
                    + (f", from filter {s.from_filter}" if s.from_filter else "")
                    + ")"
                    for s in others
                )
                + ". Emails whose sender matches a server's from filter go through "
                "that server, not the sink."
            )
        mails = env["mail.mail"].sudo()
        queued = mails.search_count([("state", "=", "outgoing")])
        if queued:
            say(f"{queued} emails queued: Odoo's mail queue sends them to the sink")
        failed = mails.search_count([("state", "=", "exception")])
        if failed:
            say(
                f"{failed} emails of {database} failed earlier and are kept as they "
                "are; to send them to the sink: Settings > Technical > Emails, "
                "filter Exception, select them, Retry"
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    default_run = str(Path(__file__).resolve().parent.parent / ".run")
    for name in ("start", "serve", "stop", "status", "list"):
        cmd = sub.add_parser(name)
        cmd.add_argument("--run-dir", default=default_run)
        if name in ("start", "serve"):
            cmd.add_argument("--port", type=int, default=2525)
            cmd.add_argument("--tries", type=int, default=PORTS_TRIED)
        if name == "list":
            cmd.add_argument("-n", type=int, default=20, help="how many (0: all)")
    point = sub.add_parser("point-odoo")
    point.add_argument("-c", "--config", required=True)
    point.add_argument("-d", "--database", required=True)
    point.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    if args.command == "start":
        print(start(args.run_dir, args.port, args.tries))
    elif args.command == "serve":
        asyncio.run(_serve(args.run_dir, args.port, args.tries))
    elif args.command == "stop":
        stop(args.run_dir)
    elif args.command == "status":
        found = running_sink(args.run_dir)
        print(f"running, pid {found[0]}, port {found[1]}" if found else "not running")
        return 0 if found else 3
    elif args.command == "list":
        list_emails(args.run_dir, args.n)
    elif args.command == "point-odoo":
        _point_odoo(args.config, args.database, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
