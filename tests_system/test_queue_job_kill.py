"""The nightly run as queue_job jobs, its Odoo server killed mid-run.

Run by tools/run_tests.py in the database of the bridges to OCA addons
(<test db>_queue_job, with queue_job and freelance_dunning_queue_job), not in
the main test database (where queue_job is not installed): a committed copy of
it, Odoo's prefork server with queue_job's job runner (tools/bench_queue_job.py
starts it), SIGKILL to its whole process group while jobs run, a restart.
"""

import importlib.util
import logging
import os
import signal
import socket
import tempfile
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import odoo
from odoo.modules.module import get_module_path

from .scratch import ScratchDatabaseCase

_logger = logging.getLogger(__name__)
BENCH = Path(__file__).resolve().parents[1] / "tools" / "bench_queue_job.py"
CHANNEL = "root.freelance_dunning"
BUSY = ("wait_dependencies", "pending", "enqueued", "started")


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _bench():
    spec = importlib.util.spec_from_file_location("bench_queue_job", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class TestQueueJobKill(ScratchDatabaseCase):
    """Jobs in flight when the server dies: queue_job requeues them, and every
    client is reminded exactly once."""

    def _job_states(self):
        with self.env() as env:
            env.cr.execute(
                "SELECT state, count(*) FROM queue_job WHERE channel = %s "
                "GROUP BY state",
                [CHANNEL],
            )
            return dict(env.cr.fetchall())

    def _wait(self, until, timeout=600):
        deadline = time.monotonic() + timeout
        while True:
            states = self._job_states()
            if until(states):
                return states
            self.assertLess(time.monotonic(), deadline, f"jobs stuck: {states}")
            time.sleep(0.1)

    def test_killed_server_requeues_its_jobs_and_reminds_once(self):
        bench = _bench()
        due = (date.today() - timedelta(days=2)).isoformat()
        scenario = self._clients_with_overdue_invoices("qjob", 24, due)
        with self.env() as env:
            company = self.company.with_env(env)
            company.nightly_reminders = True
            env["freelance.dunning.engine"].with_context(
                ir_cron_progress_id=False
            )._cron_run(batch_size=2)
            run = env["freelance.dunning.run"].search(
                [("company_id", "=", company.id), ("date", "=", date.today())]
            )
            batches = env["queue.job"].search(
                [("method_name", "=", "_dunning_job_run_batch")]
            )
            enqueued = sorted(pid for job in batches for pid in job.args[1])
            run_id = run.id
        self.assertTrue({p for p, _i, _e in scenario} <= set(enqueued))
        self.assertEqual(len(batches), (len(enqueued) + 1) // 2)
        args = SimpleNamespace(
            config=odoo.tools.config.rcfile,
            oca_addons=os.path.dirname(get_module_path("queue_job")),
        )
        log = Path(tempfile.mkdtemp(prefix="fd_qjob_kill_")) / "server.log"
        port = _free_port()
        server = bench.start_server(args, self.dbname, 2, port, log)
        try:
            at_kill = self._wait(
                lambda s: s.get("done", 0) >= 1 and s.get("started", 0) >= 1
            )
        finally:
            bench.stop_server(server, signal.SIGKILL)
        self.assertEqual(server.returncode, -signal.SIGKILL)
        restart = time.monotonic()
        server = bench.start_server(args, self.dbname, 2, port, log)
        try:
            final = self._wait(lambda s: not any(s.get(x) for x in BUSY))
        finally:
            bench.stop_server(server)
        _logger.info(
            "killed with jobs %s; all done %.1f s after the restart",
            at_kill,
            time.monotonic() - restart,
        )
        # Every job done: the batches, and the figures' jobs they queued (one
        # or more, as batches end apart or together).
        self.assertEqual(set(final), {"done"}, log.read_text()[-3000:])
        self.assertGreater(final["done"], len(batches), log.read_text()[-3000:])
        self.assertIn("Re-queued dead job", log.read_text())
        with self.env() as env:
            reminders = env["freelance.dunning.reminder"].search(
                [("date", "=", date.today()), ("partner_id", "in", enqueued)]
            )
            per_client = Counter(reminders.mapped("partner_id.id"))
            self.assertEqual(max(per_client.values()), 1, "no client twice")
            self.assertLessEqual(set(per_client), set(enqueued))
            for partner_id, _invoice, _email in scenario:
                mine = reminders.filtered(lambda r, p=partner_id: r.partner_id.id == p)
                self.assertEqual(mine.mapped("state"), ["sent"])
            env.cr.execute(
                """SELECT r.res_partner_id, count(*) FROM mail_mail m
                     JOIN freelance_dunning_reminder f
                       ON f.mail_message_id = m.mail_message_id
                     JOIN mail_mail_res_partner_rel r ON r.mail_mail_id = m.id
                    GROUP BY r.res_partner_id"""
            )
            emails = dict(env.cr.fetchall())
            for partner_id, _invoice, _email in scenario:
                self.assertEqual(emails.get(partner_id), 1, partner_id)
            run = env["freelance.dunning.run"].browse(run_id)
            self.assertEqual(run.partner_count, len(enqueued))
            self.assertEqual(run.reminder_count, len(reminders))
        self._put_aside(scenario)
