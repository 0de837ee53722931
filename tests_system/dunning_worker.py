"""A dunning worker in a process of its own, driven by the fault and
concurrency tests (tests_system/scratch.py): the scheduled run batch by batch with a
commit per batch as Odoo's cron does, or an accountant's run; then the mail
queue, one commit per email and one worker at a time as Odoo's mail scheduler.

Fault injection, all optional:
  --kill POINT:N   SIGKILL this process at the Nth time it reaches POINT;
  --sync DIR       at the first time it reaches a point listed in --sync-at,
                   touch DIR/<point>.<name> and wait until --peers such files
                   exist (a barrier between processes, or with the test).
Points: start (before anything), plan (a batch's plan is made: the snapshot is
taken), message (a reminder was created, not committed), batch (a batch was
committed), smtp (an email is about to be handed to the mail server).

A run prints one JSON line with what it did when it ends normally. The
registry is loaded once; each run is a forked process (see main).
"""

# A standalone process, like Odoo's cron runner: it commits and reports on
# its standard output.
# pylint: disable=invalid-commit,print-used
import argparse
import json
import os
import signal
import sys
import time
import traceback
from collections import Counter
from datetime import date

from freezegun import freeze_time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry


class Hooks:
    def __init__(self, args):
        self.name = args.name
        self.kills = {tuple(kill.rsplit(":", 1)) for kill in args.kill}
        self.sync = args.sync
        self.sync_at = set(args.sync_at)
        self.peers = args.peers
        self.counts = Counter()

    def point(self, name):
        self.counts[name] += 1
        if (name, str(self.counts[name])) in self.kills:
            sys.stdout.flush()
            os.kill(os.getpid(), signal.SIGKILL)
        if self.sync and name in self.sync_at and self.counts[name] == 1:
            with open(os.path.join(self.sync, f"{name}.{self.name}"), "w"):
                pass
            # Time may be frozen: count the waits instead of reading a clock.
            for _wait in range(4000):
                arrived = [f for f in os.listdir(self.sync) if f.startswith(name)]
                if len(arrived) >= self.peers:
                    break
                time.sleep(0.005)

    def install(self, registry):
        hooks = self
        Engine = registry["freelance.dunning.engine"]
        MailServer = registry["ir.mail_server"]
        plan, create, send = (
            Engine._plan,
            Engine._create_reminders,
            MailServer.send_email,
        )

        def _plan(self, *args, **kwargs):
            result = plan(self, *args, **kwargs)
            hooks.point("plan")
            return result

        def _create_reminders(self, *args, **kwargs):
            result = create(self, *args, **kwargs)
            self.env.flush_all()
            for _message in result:
                hooks.point("message")
            return result

        def send_email(self, *args, **kwargs):
            hooks.point("smtp")
            return send(self, *args, **kwargs)

        Engine._plan = _plan
        Engine._create_reminders = _create_reminders
        MailServer.send_email = send_email


def send_queue(registry):
    """Odoo's mail scheduler: one worker at a time holds its cron's row."""
    with registry.cursor() as lock_cr:
        cron = api.Environment(lock_cr, SUPERUSER_ID, {}).ref(
            "mail.ir_cron_mail_scheduler_action"
        )
        lock_cr.execute(
            "SELECT id FROM ir_cron WHERE id = %s FOR NO KEY UPDATE", [cron.id]
        )
        with registry.cursor() as cr:
            api.Environment(cr, SUPERUSER_ID, {})["mail.mail"].process_email_queue()
        lock_cr.rollback()


def run_cron(registry, hooks, args):
    """Call the scheduled run until it reports nothing remaining."""
    report = Counter()
    for _call in range(500):
        with registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            cron = env.ref("freelance_dunning.ir_cron_dunning_run")
            cron, progress = cron._add_progress()
            cr.commit()
            env["freelance.dunning.engine"].with_context(
                ir_cron_progress_id=progress.id
            )._cron_run(batch_size=args.batch)
            done, remaining = progress.done, progress.remaining
            cr.commit()
        report["calls"] += 1
        report["clients"] += done
        if done:
            hooks.point("batch")
            send_queue(registry)
        elif remaining:
            report["busy"] += 1  # another worker holds the run: try again
            time.sleep(0.02)
        if not remaining:
            break
    return report


def run_manual(registry, hooks, args):
    """An accountant sends every reminder due today."""
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        user = env.ref("base.user_admin")
        engine = env["freelance.dunning.engine"].with_user(user)
        messages = engine._run(
            env.ref("base.main_company"), date.fromisoformat(args.date), user=user
        )
        report = Counter(clients=len(messages.partner_id))
    hooks.point("batch")
    send_queue(registry)
    return report


def job_parser():
    parser = argparse.ArgumentParser()
    parser.add_argument("--date", required=True)
    parser.add_argument("--mode", choices=["cron", "manual"], default="cron")
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--smtp-port", type=int, required=True)
    parser.add_argument("--name", default="worker")
    parser.add_argument("--kill", action="append", default=[])
    parser.add_argument("--sync")
    parser.add_argument("--sync-at", action="append", default=[])
    parser.add_argument("--peers", type=int, default=2)
    return parser


def run_job(registry, args):
    """In a forked child: one worker's run, then the mail queue."""
    odoo.tools.config["smtp_port"] = args.smtp_port
    hooks = Hooks(args)
    hooks.install(registry)
    with freeze_time(args.date):
        hooks.point("start")
        send_queue(registry)  # what a previous worker left in the queue
        run = run_manual if args.mode == "manual" else run_cron
        report = run(registry, hooks, args)
    print(f"REPORT {json.dumps(report)}", flush=True)


def fork_job(registry, options, output):
    pid = os.fork()
    if pid:
        return pid
    status = 1
    try:
        with open(output, "w") as out:
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)
            sys.stdout = os.fdopen(1, "w", closefd=False)
            run_job(registry, job_parser().parse_args(options))
            status = 0
    except BaseException:  # noqa: BLE001 - reported by the exit status and log
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        os._exit(status)


def main():
    """Load the registry once, then on each line of stdin (a JSON list of
    jobs: [[output file, option, ...], ...]) fork one process per job, all at
    once, and answer one JSON line with their exit statuses."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", required=True)
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        [
            f"--config={args.config}",
            f"--database={args.database}",
            "--smtp=127.0.0.1",
            "--log-level=warn",
        ]
    )
    registry = Registry(args.database)
    # Each child opens its own database connections.
    odoo.sql_db.close_all()
    print("READY", flush=True)
    for line in sys.stdin:
        jobs = json.loads(line)
        pids = [fork_job(registry, options, output) for output, *options in jobs]
        statuses = [os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) for pid in pids]
        print(json.dumps(statuses), flush=True)


if __name__ == "__main__":
    main()
