"""Install, upgrade and uninstall on a database that already has business data.

Runs Odoo in subprocesses on a scratch database (``<test db>_lifecycle``, or
``$FD_LIFECYCLE_DB``), with the same configuration file as the test run, and
drops it at the end:

1. Odoo's sales, invoicing, projects, timesheets and deliveries without our
   addons, and a company's usual data: quotations (draft and sent), confirmed
   orders with their project, task and delivery, invoices (open, partly paid,
   40 days overdue), a timesheet (lifecycle_steps.step_seed);
2. install our four addons: that data keeps its meaning and keeps working, the
   night's run sends nothing until the reminders are switched on, then reminds
   the client of the old overdue invoice; every company has its
   reminder levels;
3. ``-u freelance_dunning`` keeps the data and what the user edited;
4. uninstall: nothing of ours is left (records, columns, tables, indexes,
   scheduled actions) and Odoo still works.

Each step runs once for the whole module (one fixture); the tests judge what
the steps saw. A failing step fails the tests that need it, with the tail of
its log; every log, the facts and the durations stay in .run/lifecycle/.
"""

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest

import odoo

_logger = logging.getLogger(__name__)
STEPS_SCRIPT = Path(__file__).with_name("lifecycle_steps.py")
ODOO_APPS = "sale_management,account_payment,sale_project,sale_timesheet,sale_stock"
OUR_ADDONS = (
    "freelance_dunning,freelance_dunning_project,freelance_dunning_timesheet,"
    "freelance_dunning_stock"
)
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ ([A-Z]+) ")
PAID = ("paid", "in_payment")


class Lifecycle:
    """Runs the steps in order, keeps their facts, logs and durations."""

    def __init__(self, workdir, db=None, steps_script=STEPS_SCRIPT):
        self.conf = odoo.tools.config.rcfile
        self.db = db or (
            os.environ.get("FD_LIFECYCLE_DB")
            or f"{odoo.tools.config['db_name']}_lifecycle"
        )
        self.workdir = Path(workdir)
        self.steps_script = steps_script
        self.facts = {}
        self.logs = {}
        self.failed = {}
        self.durations = {}

    def _run(self, name, cmd):
        log = self.workdir / f"{name}.log"
        start = time.monotonic()
        with open(log, "w") as out:
            status = subprocess.run(
                cmd, stdout=out, stderr=subprocess.STDOUT
            ).returncode
        self.durations[name] = round(time.monotonic() - start, 1)
        self.logs[name] = log.read_text(errors="replace")
        if status:
            self.failed[name] = f"exit status {status}"
        return not status

    def odoo(self, name, *args, demo=False):
        cmd = [sys.executable, "-m", "odoo", "-c", self.conf, "-d", self.db]
        # Without demo data: the seed step makes the data a company has (and
        # Odoo's demo data would triple the time of the first step).
        if not demo:
            cmd.append("--without-demo=all")
        cmd += [*args, "--stop-after-init", "--no-http"]
        cmd += ["--log-level=info"]
        return self._run(name, cmd)

    def step(self, name):
        out = self.workdir / f"{name}.json"
        cmd = [sys.executable, str(self.steps_script), self.conf, self.db]
        cmd += [name, str(out)]
        if self._run(name, cmd):
            self.facts[name] = json.loads(out.read_text())
            return True
        return False

    def drop(self):
        subprocess.run(
            [sys.executable, "-m", "odoo", "db", "-c", self.conf, "drop", self.db],
            capture_output=True,
            check=False,
        )

    def run_all(self):
        self.drop()
        try:
            for run in (
                lambda: self.odoo("odoo_apps", "-i", ODOO_APPS),
                lambda: self.step("seed"),
                lambda: self.odoo("install", "-i", OUR_ADDONS),
                lambda: self.step("after_install"),
                lambda: self.odoo("upgrade", "-u", "freelance_dunning"),
                lambda: self.step("after_upgrade"),
                lambda: self.step("uninstall"),
                lambda: self.step("after_uninstall"),
            ):
                if not run():
                    break
        finally:
            self.drop()
        _logger.info("lifecycle durations (s): %s", self.durations)

    def need(self, *names):
        """The facts of these steps, or fail with the log of the failed one."""
        for name in names:
            if name in self.failed or name not in self.logs:
                tail = "\n".join(self.logs.get(name, "").splitlines()[-40:])
                pytest.fail(
                    f"lifecycle step {name!r} "
                    f"{self.failed.get(name, 'did not run')}; log tail:\n{tail}"
                )
        facts = [self.facts.get(name) for name in names]
        return facts[0] if len(facts) == 1 else facts

    def bad_lines(self, name):
        self.need(name)
        return [
            line
            for line in self.logs[name].splitlines()
            if (match := LOG_LINE.match(line))
            and match.group(1) in ("WARNING", "ERROR", "CRITICAL")
        ]


@pytest.fixture(scope="module")
def lifecycle():
    # The logs and facts stay next to the configuration (.run/lifecycle/ with
    # `make test`), for a look after a failure.
    workdir = Path(odoo.tools.config.rcfile).parent / "lifecycle"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    run = Lifecycle(workdir)
    run.run_all()
    (workdir / "durations.json").write_text(json.dumps(run.durations, indent=1))
    return run


def _assert_ok(facts, name):
    assert facts[name]["ok"], f"{name} failed: {facts[name].get('error')}"
    return facts[name]["result"]


# ----------------------------------------------------------------------------
# Install
# ----------------------------------------------------------------------------


def test_install_on_existing_data_logs_no_warning(lifecycle):
    assert lifecycle.bad_lines("install") == []


def test_install_keeps_existing_orders_and_invoices(lifecycle):
    seed, after = lifecycle.need("seed", "after_install")
    assert after["snapshot"] == seed["snapshot"]


def test_confirmed_orders_are_not_gated(lifecycle):
    after = lifecycle.need("after_install")
    for role in ("project", "delivery", "partial"):
        gate = after["gate"][role]
        assert gate == {
            "deposit_required": False,
            "work_gate_required": False,
            "work_gate_state": "cleared",
            "deposit_state": "not_required",
            "installments": 0,
        }, role


def test_sent_quote_keeps_the_terms_the_client_saw(lifecycle):
    seed, after = lifecycle.need("seed", "after_install")
    gate = after["gate"]["sent"]
    assert not gate["deposit_required"]
    assert not gate["work_gate_required"]
    assert gate["installments"] == 0
    assert (
        after["snapshot"]["orders"]["sent"]["require_signature"]
        == seed["snapshot"]["orders"]["sent"]["require_signature"]
    )
    # Confirmed like before the install: its project at once, invoiced, paid.
    confirmed = _assert_ok(after, "confirm_sent")
    assert confirmed["state"] == "sale"
    assert confirmed["projects"] == 1
    assert confirmed["invoices"]
    assert set(confirmed["invoices"].values()) <= set(PAID)


def test_draft_quote_keeps_odoo_behaviour(lifecycle):
    """Issue 17: quotations existing at install, drafts included, keep Odoo's
    behaviour (exemption "before_install"); new quotations get the rules."""
    after = lifecycle.need("after_install")
    assert after["gate"]["draft"] == {
        "deposit_required": False,
        "work_gate_required": False,
        "work_gate_state": "cleared",
        "deposit_state": "not_required",
        "installments": 0,
    }
    # Confirmed as before the install, unsigned.
    assert after["confirm_draft"]["ok"], after["confirm_draft"]


def test_existing_work_goes_on_after_install(lifecycle):
    after = lifecycle.need("after_install")
    assert _assert_ok(after, "pay_open")["payment_state"] in PAID
    paid = _assert_ok(after, "pay_rest")
    assert paid["payment_state"] in PAID
    assert paid["amount_residual"] == 0.0
    assert _assert_ok(after, "log_time")
    assert _assert_ok(after, "deliver") == "done"


def test_reminders_wait_to_be_switched_on_after_install(lifecycle):
    seed, after = lifecycle.need("seed", "after_install")
    due = date.fromisoformat(
        seed["snapshot"]["invoices"]["overdue"]["invoice_date_due"]
    )
    assert (date.today() - due).days >= 30
    # Off at install in every company: the night's run sends nothing.
    assert len(after["client_sending"]) >= 2
    assert not any(sum(after["client_sending"].values(), [])), after["client_sending"]
    _assert_ok(after, "dunning_cron_off")
    assert after["reminders_while_off"] == 0
    # Switched on: one reminder, at the first level after the due date.
    _assert_ok(after, "dunning_cron")
    assert after["overdue_reminder_days"] == [after["first_late_level_days"]]
    assert len(after["levels"]) >= 2
    assert all(after["levels"].values()), after["levels"]


# ----------------------------------------------------------------------------
# Upgrade
# ----------------------------------------------------------------------------


def test_upgrade_logs_no_warning(lifecycle):
    assert lifecycle.bad_lines("upgrade") == []


def test_upgrade_keeps_data_and_user_edits(lifecycle):
    after, upgraded = lifecycle.need("after_install", "after_upgrade")
    assert upgraded["snapshot"] == after["snapshot_end"]
    assert upgraded["levels"] == after["levels"]
    edited = {"id": after["edited_level"], "days": after["edited_days"]}
    assert upgraded["edited_levels"] == [edited]
    assert upgraded["deposit_percent"] == 30.0
    # Invoices sent at once go through account's own sending queue: 7 of ours
    # (installments due on a date, work gates of paid deposits, the payment
    # reminders, asking for a new half-year's reference rates, sending the
    # reminders validated or sent by hand in the background, the morning
    # email of what the next run will send, the deposit invoices of orders
    # confirmed from their form).
    assert upgraded["crons"] == 7


# ----------------------------------------------------------------------------
# Uninstall
# ----------------------------------------------------------------------------


def test_uninstall_leaves_nothing_behind(lifecycle):
    uninstall, gone = lifecycle.need("uninstall", "after_uninstall")
    assert set(uninstall["states"].values()) == {"uninstalled"}
    assert gone["xmlids"] == []
    assert gone["leftover_records"] == {}
    assert gone["mentions"] == {}
    assert gone["leftover_columns"] == {}
    assert gone["leftover_tables"] == []
    assert gone["leftover_indexes"] == []
    assert gone["crons_ok"] == []


def test_odoo_works_after_uninstall(lifecycle):
    upgraded, gone = lifecycle.need("after_upgrade", "after_uninstall")
    assert gone["view_errors"] == {}
    assert gone["views_checked"] == 10
    for role, invoice in upgraded["snapshot"]["invoices"].items():
        assert gone["snapshot"]["invoices"][role] == invoice, role
    result = _assert_ok(gone, "quote_to_paid")
    assert result["state"] == "sale"
    assert result["invoices"]
    assert set(result["invoices"].values()) <= set(PAID)
    assert _assert_ok(gone, "log_time")
