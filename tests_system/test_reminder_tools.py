"""Beside OCA's credit-control addons, an invoice is chased by one tool only.

Installs OCA's account_credit_control and account_invoice_overdue_reminder
(18.0, from PyPI, into a folder outside the repository when they are not
there yet: ``$FD_OCA_ADDONS``, default the folder `make odoo-suites` uses) and
freelance_dunning on a scratch database (``<test db>_reminder_tools``), runs
reminder_tools_steps.py on it in a process of its own and judges what each
tool would chase, for each choice of the company. Logs and facts stay in
.run/reminder_tools/; the database is dropped at the end.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import odoo

STEPS_SCRIPT = Path(__file__).with_name("reminder_tools_steps.py")
# The same packages and folder as `make odoo-suites` (Makefile).
OCA_PACKAGES = [
    "odoo-addon-account_credit_control==18.0.2.0.2.6",
    "odoo-addon-account_invoice_overdue_reminder==18.0.1.6.0",
]
OCA_MODULES = ("account_credit_control", "account_invoice_overdue_reminder")
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ ([A-Z]+) ")
TOOLS = (
    "OCA Account Credit Control (account_credit_control), "
    "OCA Overdue Invoice Reminder (account_invoice_overdue_reminder)"
)


def _oca_addons():
    """The folder holding OCA's two addons, installed from PyPI if missing."""
    folder = Path(
        os.environ.get("FD_OCA_ADDONS")
        or Path.home() / ".cache/freelance_dunning/oca-18.0/odoo/addons"
    )
    if not all((folder / name / "__manifest__.py").exists() for name in OCA_MODULES):
        target = folder.parent.parent
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "-q",
                "--disable-pip-version-check",
            ]
            + ["--no-deps", "--target", str(target), *OCA_PACKAGES],
            check=True,
        )
    return folder


@pytest.fixture(scope="module")
def coexistence():
    workdir = Path(odoo.tools.config.rcfile).parent / "reminder_tools"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    conf = odoo.tools.config.rcfile
    db = f"{odoo.tools.config['db_name']}_reminder_tools"
    paths = odoo.tools.config["addons_path"].split(",")
    oca = str(_oca_addons())
    addons_path = ",".join(dict.fromkeys([*paths, oca]))
    odoo_cmd = [sys.executable, "-m", "odoo", "-c", conf, "--addons-path", addons_path]
    drop = [sys.executable, "-m", "odoo", "db", "-c", conf, "drop", db]
    subprocess.run(drop, capture_output=True, check=False)
    try:
        install_log = workdir / "install.log"
        with open(install_log, "w") as out:
            status = subprocess.run(
                [
                    *odoo_cmd,
                    "-d",
                    db,
                    "-i",
                    ",".join([*OCA_MODULES, "freelance_dunning"]),
                ]
                + ["--without-demo=all", "--stop-after-init", "--no-http"],
                stdout=out,
                stderr=subprocess.STDOUT,
            ).returncode
        install = install_log.read_text(errors="replace")
        if status:
            pytest.fail(f"install failed ({status}):\n{install[-4000:]}")
        facts_path = workdir / "facts.json"
        with open(workdir / "steps.log", "w") as out:
            status = subprocess.run(
                [sys.executable, str(STEPS_SCRIPT), conf, addons_path, db]
                + [str(facts_path)],
                stdout=out,
                stderr=subprocess.STDOUT,
            ).returncode
        if status:
            log = (workdir / "steps.log").read_text(errors="replace")
            pytest.fail(f"steps failed ({status}):\n{log[-4000:]}")
        return {"install": install, "facts": json.loads(facts_path.read_text())}
    finally:
        subprocess.run(drop, capture_output=True, check=False)


def test_installs_beside_them_without_error(coexistence):
    errors = [
        line
        for line in coexistence["install"].splitlines()
        if (match := LOG_LINE.match(line)) and match.group(1) in ("ERROR", "CRITICAL")
    ]
    assert errors == []


def test_settings_name_the_other_tools(coexistence):
    assert coexistence["facts"]["other_reminder_tools"] == TOOLS


def test_not_chosen_yet_this_addon_chases_nothing(coexistence):
    facts = coexistence["facts"]
    invoice, company = facts["invoice"], facts["company"]
    assert facts["chasers"]["not_chosen"] == {
        "freelance_dunning": [],
        "preview": [],
        "preview_notice": (
            f"{TOOLS} also sends payment reminders: choose in Settings, Sales, "
            f"Payment Reminders By which tool reminds the clients of {company}. "
            "Until then, this addon sends them none."
        ),
        # OCA's tools chase it as they did before this addon came.
        "account_invoice_overdue_reminder": [invoice],
        "account_credit_control": [invoice],
    }


@pytest.mark.parametrize(
    ("choice", "label", "module"),
    [
        (
            "overdue_reminder",
            "OCA Overdue Invoice Reminder",
            "account_invoice_overdue_reminder",
        ),
        ("credit_control", "OCA Account Credit Control", "account_credit_control"),
    ],
)
def test_an_oca_tool_chosen(coexistence, choice, label, module):
    facts = coexistence["facts"]
    chasers = facts["chasers"][choice]
    assert chasers["freelance_dunning"] == []
    assert chasers["preview"] == []
    assert chasers["preview_notice"] == (
        f"{facts['company']} reminds its clients with {label} ({module}): this "
        "addon sends them no payment reminder. To change, choose this addon in "
        "Settings, Sales, Payment Reminders By."
    )
    # The chosen OCA tool still chases it.
    assert chasers[module] == [facts["invoice"]]


def test_this_addon_chosen_chases_alone(coexistence):
    """This addon chosen, and the OCA tools set as the README says: a "Do
    nothing" credit control policy for the company, "Disable Overdue Reminder"
    on the client."""
    facts = coexistence["facts"]
    invoice = facts["invoice"]
    assert facts["chasers"]["this_addon"] == {
        "freelance_dunning": [invoice],
        "preview": [invoice],
        "preview_notice": "",
        "account_invoice_overdue_reminder": [],
        "account_credit_control": [],
    }
