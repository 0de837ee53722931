"""Committed scenarios for tests that need several processes.

A TransactionCase never commits, so other processes cannot see its data. The
fault and concurrency tests work in a scratch copy of the test database (a
PostgreSQL template copy, a few seconds), build their clients and invoices
there with committed cursors, run dunning workers (dunning_worker.py, next to
this file) in separate processes against it (forked from one that loaded the
registry once), then check the database and what a local SMTP server
received. The copy is dropped at the end.
"""

import json
import os
import re
import select
import shutil
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from contextlib import closing, contextmanager
from datetime import date
from email import message_from_bytes
from pathlib import Path

from dateutil.relativedelta import relativedelta

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry
from odoo.tests.common import BaseCase, get_db_name
from odoo.tools import SQL

WORKER = os.path.join(os.path.dirname(__file__), "dunning_worker.py")


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for Odoo's smtplib client: records what it receives."""

    def reply(self, text):
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self):
        self.reply("220 fake.example.com ESMTP")
        recipients = []
        while line := self.rfile.readline():
            verb = line[:4].upper()
            if verb == b"EHLO":
                self.reply("250-fake.example.com")
                self.reply("250 8BITMIME")
            elif verb == b"MAIL":
                recipients = []
                self.reply("250 OK")
            elif verb == b"RCPT":
                recipients.append(
                    re.search(rb"<([^>]*)>", line).group(1).decode().lower()
                )
                self.reply("250 OK")
            elif verb == b"DATA":
                self.reply("354 go ahead")
                data = b"".join(iter(lambda: self.rfile.readline(), b".\r\n"))
                self.server.record(recipients, message_from_bytes(data))
                self.reply("250 queued")
            elif verb == b"QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("250 OK")


class FakeSMTPServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.received = []
        self._lock = threading.Lock()
        threading.Thread(target=self.serve_forever, daemon=True).start()

    @property
    def port(self):
        return self.server_address[1]

    def record(self, recipients, message):
        with self._lock:
            self.received.extend((rcpt, message) for rcpt in recipients)

    def per_recipient(self):
        with self._lock:
            return Counter(rcpt for rcpt, _message in self.received)

    def stop(self):
        self.shutdown()
        self.server_close()


def closed_port():
    """A local port nothing listens on: a mail server that is down."""
    with closing(socket.socket()) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class ScratchDatabaseCase(BaseCase):
    """Tests on a committed copy of the test database, dropped afterwards."""

    # Odoo's MetaCase tags only the test classes of addons (odoo.addons.*):
    # these are not Odoo's standard tests and its runner never imports them.
    test_tags = {"system"}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.source = get_db_name()
        cls.dbname = f"{cls.source}_{cls.__name__.lower()}"
        cls._drop_database()
        # A template copy needs the source database without connections.
        odoo.sql_db.close_db(cls.source)
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True
            cr.execute(
                SQL(
                    "CREATE DATABASE %s TEMPLATE %s STRATEGY FILE_COPY",
                    SQL.identifier(cls.dbname),
                    SQL.identifier(cls.source),
                )
            )
        filestore = odoo.tools.config.filestore
        if os.path.isdir(filestore(cls.source)):
            os.symlink(filestore(cls.source), filestore(cls.dbname))
        cls.addClassCleanup(cls._drop_database)
        # Loading a registry with test_enable would run the at_install tests.
        test_enable = odoo.tools.config["test_enable"]
        odoo.tools.config["test_enable"] = False
        try:
            cls.registry = Registry(cls.dbname)
        finally:
            odoo.tools.config["test_enable"] = test_enable
        cls.smtp = FakeSMTPServer()
        cls.addClassCleanup(cls.smtp.stop)
        with cls.env() as env:
            cls.company = env.ref("base.main_company")
            levels = env["freelance.dunning.level"]
            if not levels.search([("company_id", "=", cls.company.id)]):
                levels._create_default_levels(cls.company)
            # The demo data's unsent emails: the workers' mail queue holds
            # reminders only.
            env["mail.mail"].search([]).unlink()
        cls._start_server()

    @classmethod
    def _drop_database(cls):
        Registry.delete(cls.dbname)
        odoo.sql_db.close_db(cls.dbname)
        with closing(odoo.sql_db.db_connect("postgres").cursor()) as cr:
            cr._cnx.autocommit = True
            cr.execute(
                SQL(
                    "DROP DATABASE IF EXISTS %s WITH (FORCE)",
                    SQL.identifier(cls.dbname),
                )
            )
        link = odoo.tools.config.filestore(cls.dbname)
        if os.path.islink(link):
            os.unlink(link)

    @classmethod
    @contextmanager
    def env(cls):
        """A superuser environment on a fresh cursor, committed at the end."""
        with cls.registry.cursor() as cr:
            yield api.Environment(cr, SUPERUSER_ID, {})

    # ------------------------------------------------------------------
    # Scenario
    # ------------------------------------------------------------------

    @classmethod
    def _clients_with_overdue_invoices(cls, tag, count, due):
        """Business clients with one posted invoice each, due on ``due``.

        The invoices carry the PDF the client received, so reminders attach it
        instead of rendering it. Returns [(partner id, invoice id, email)].
        """
        with cls.env() as env:
            partners = env["res.partner"].create(
                [
                    {
                        "name": f"{tag} client {index}",
                        "email": f"{tag}.{index}@example.com",
                        "is_company": True,
                        "lang": "en_US",
                    }
                    for index in range(count)
                ]
            )
            invoices = env["account.move"].create(
                [
                    {
                        "move_type": "out_invoice",
                        "company_id": cls.company.id,
                        "partner_id": partner.id,
                        "invoice_date": due,
                        "invoice_date_due": due,
                        "invoice_line_ids": [
                            Command.create(
                                {
                                    "name": "Design work",
                                    "quantity": 1,
                                    "price_unit": 300.0,
                                    "tax_ids": [Command.clear()],
                                }
                            )
                        ],
                    }
                    for partner in partners
                ]
            )
            # Issued silently: the scenarios email reminders, not invoices.
            with invoices._invoice_emails_held():
                invoices.action_post()
            for invoice in invoices:
                invoice.invoice_pdf_report_id = env["ir.attachment"].create(
                    {
                        "name": f"{invoice.name}.pdf",
                        "raw": b"%PDF-1.4 as sent",
                        "res_model": "account.move",
                        "res_id": invoice.id,
                        "res_field": "invoice_pdf_report_file",
                    }
                )
            return list(
                zip(partners.ids, invoices.ids, partners.mapped("email"), strict=True)
            )

    @classmethod
    def _put_aside(cls, scenario):
        """Pause the scenario's invoices for good: later tests never see them."""
        with cls.env() as env:
            # The latest pause the invoices accept (ten years ahead at most).
            env["account.move"].browse(
                [inv for _p, inv, _e in scenario]
            )._pause_dunning(
                "disputed", date.today().replace(day=1) + relativedelta(years=9)
            )

    def _planned_clients(self, day):
        with self.env() as env:
            plan = env["freelance.dunning.engine"]._plan(
                self.company.with_env(env), date.fromisoformat(day)
            )
            return sorted(partner.id for partner, _currency in plan)

    # ------------------------------------------------------------------
    # Workers
    # ------------------------------------------------------------------

    @classmethod
    def _start_server(cls):
        """The workers' parent: loads the registry once, forks each run."""
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed at class cleanup
        cls.server = subprocess.Popen(
            [
                sys.executable,
                WORKER,
                f"--config={odoo.tools.config.rcfile}",
                f"--database={cls.dbname}",
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )

        def stop():
            cls.server.stdin.close()
            cls.server.wait(timeout=60)
            log.close()

        cls.addClassCleanup(stop)
        if cls._answer() != "READY":
            log.seek(0)
            raise RuntimeError(log.read().decode(errors="replace"))

    @classmethod
    def _answer(cls, timeout=240):
        ready, _w, _x = select.select([cls.server.stdout], [], [], timeout)
        return ready and cls.server.stdout.readline().strip()

    def _start_workers(self, *jobs):
        """Start one process per (day, options, smtp port) job, all at once."""
        request = []
        for day, options, smtp_port in jobs:
            fd, output = tempfile.mkstemp(prefix="fd_worker_", suffix=".log")
            os.close(fd)
            self.addCleanup(os.unlink, output)
            request.append(
                [
                    output,
                    f"--date={day}",
                    f"--smtp-port={smtp_port or self.smtp.port}",
                    *options,
                ]
            )
        self.server.stdin.write(json.dumps(request) + "\n")
        self.server.stdin.flush()
        return [job[0] for job in request]

    def _finish_workers(self, outputs):
        """Wait for the workers: [(exit status, their report, their log)]."""
        answer = self._answer()
        self.assertTrue(answer, "the workers did not end in time")
        results = []
        for status, output in zip(json.loads(answer), outputs, strict=True):
            log = Path(output).read_text(errors="replace")
            reports = [
                json.loads(line[len("REPORT ") :])
                for line in log.splitlines()
                if line.startswith("REPORT ")
            ]
            results.append((status, reports[0] if reports else None, log))
        return results

    def _run_worker(self, day, *options, smtp_port=None):
        return self._finish_workers(self._start_workers((day, options, smtp_port)))[0]

    def _sync_dir(self):
        """A folder for the workers' barriers (see dunning_worker.py)."""
        path = Path(tempfile.mkdtemp(prefix="fd_sync_"))
        self.addCleanup(shutil.rmtree, path, ignore_errors=True)
        return path

    def _wait_for(self, sync, name):
        """Wait until a worker reached a barrier point (it touched ``name``)."""
        deadline = time.monotonic() + 120
        while not (sync / name).exists():
            self.assertLess(time.monotonic(), deadline, f"no worker reached {name}")
            time.sleep(0.02)

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def assertRemindedOnce(self, scenario, day, received=None):
        """Each client: one reminder sent, its history consistent with its
        invoice, nothing waiting or queued, and (if given) one email received."""
        with self.env() as env:
            for partner_id, invoice_id, email in scenario:
                messages = env["freelance.dunning.reminder"].search(
                    [("partner_id", "=", partner_id), ("date", "=", day)]
                )
                self.assertEqual(
                    messages.mapped("state"), ["sent"], f"client {partner_id}"
                )
                line = (
                    env["account.move"]
                    .browse(invoice_id)
                    .line_ids.filtered(
                        lambda line: line.account_type == "asset_receivable"
                    )
                )
                events = env["freelance.dunning.reminder.line"].search(
                    [("move_line_id", "=", line.id)]
                )
                live = events.filtered(lambda e: e.state in ("sent", "waiting"))
                self.assertEqual(live.reminder_id, messages)
                self.assertEqual(set(live.mapped("state")), {"sent"})
                self.assertEqual(
                    set((events - live).mapped("state")) - {"failed"}, set()
                )
                self.assertEqual(line.dunning_level_id, messages.level_id)
                self.assertEqual(line.dunning_last_date, date.fromisoformat(day))
                self.assertFalse(
                    env["mail.mail"].search(
                        [
                            ("mail_message_id", "=", messages.mail_message_id.id),
                            ("state", "!=", "sent"),
                        ]
                    ),
                    "nothing left in the mail queue",
                )
                if received is not None:
                    self.assertEqual(received[email], 1, email)
