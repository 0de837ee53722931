"""The demo `make run` serves: a French freelancer's studio (issue 20).

Builds ``<test db>_showcase`` with the commands tools/dev.sh runs for a new
demo database (tools/demo_db.py, `odoo -i` of every repository addon and
payment_demo, tools/demo_showcase.py), in subprocesses, then reads what a
visitor finds there and drops it. Several minutes: a full install.
"""

import ast
import subprocess
import sys
import time
from pathlib import Path

import pytest

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
# Every addon of the repository, as tools/dev.sh's repo_addons lists them.
ALL_ADDONS = ",".join(
    manifest.parent.name
    for manifest in sorted(ROOT.glob("*/__manifest__.py"))
    if ast.literal_eval(manifest.read_text()).get("installable", True)
)


def _odoo_cmd(*args):
    return [sys.executable, "-m", "odoo", "-c", odoo.tools.config.rcfile, *args]


def _drop(db):
    if db in Registry.registries:
        Registry.delete(db)
    subprocess.run(_odoo_cmd("db", "drop", db), capture_output=True, check=False)


def _run(*cmd):
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _facts(env):
    company = env.ref("base.main_company")
    Partner = env["res.partner"]
    clients = {
        name: Partner.search([("name", "=", name)]).client_status
        for name in (
            "Maison Verdier SAS",
            "Boulangerie Dupain SARL",
            "Julien Moreau (EI, plomberie)",
            "Nora Castel",
            "Northwind Studio",
        )
    }
    orders = env["sale.order"].search([("company_id", "=", company.id)])
    reminders = env["freelance.dunning.reminder"].search(
        [("company_id", "=", company.id)]
    )
    formal = reminders.filtered(
        lambda r: (
            r.state == "sent" and any(r.line_ids.level_id.mapped("is_formal_notice"))
        )
    )
    second = env["res.company"].search([("name", "=", "Harbour Lane Design Ltd")])
    return {
        "company": (company.name, company.currency_id.name, company.chart_template),
        "country": company.country_id.code,
        "siren_ok": len(company.company_registry or "") == 9,
        "siret": company.siret,
        "vat": company.vat,
        "iban": company.bank_journal_ids[:1].bank_account_id.acc_number,
        "deposit_required": company.deposit_required,
        "clients": clients,
        "blacklisted": Partner.search([("client_blacklisted", "=", True)]).mapped(
            "name"
        ),
        "order_stages": {
            "draft": len(orders.filtered(lambda o: o.state == "draft")),
            "sent": len(orders.filtered(lambda o: o.state == "sent")),
            "waiting_deposit": len(
                orders.filtered(lambda o: o.work_gate_state == "waiting_deposit")
            ),
            "work_open": len(
                orders.filtered(lambda o: o.state == "sale" and o._is_work_open())
            ),
            "installment_invoiced": len(
                orders.filtered(
                    lambda o: len(o.installment_ids.filtered("invoice_id")) >= 2
                )
            ),
        },
        "credit_notes": env["account.move"].search_count(
            [
                ("move_type", "=", "out_refund"),
                ("state", "=", "posted"),
                ("partner_id.name", "=", "Atelier Lumière SAS"),
            ]
        ),
        "paid_invoices": env["account.move"].search_count(
            [
                ("move_type", "=", "out_invoice"),
                ("payment_state", "in", ("paid", "in_payment")),
                ("company_id", "=", company.id),
            ]
        ),
        "levels_sent": sorted(
            set(
                reminders.filtered(
                    lambda r: r.state == "sent"
                ).line_ids.level_id.mapped("days")
            )
        ),
        "waiting_validation": len(reminders.filtered(lambda r: r.state == "waiting")),
        "formal_penalties": [
            (r.partner_id.name, r.interest > 0, r.indemnity) for r in formal
        ],
        "second_company": (
            second.currency_id.name,
            env["sale.order"].search_count([("company_id", "=", second.id)]),
            second in env.ref("base.user_admin").company_ids,
            env["account.move"].search_count(
                [
                    ("company_id", "=", second.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("invoice_date_due", "<", fields.Date.today()),
                ]
            ),
        ),
        "admin_lang": env.ref("base.user_admin").lang,
        "langs": sorted(code for code, _name in env["res.lang"].get_installed()),
    }


@pytest.fixture(scope="module")
def showcase():
    db = f"{odoo.tools.config['db_name']}_showcase"
    _drop(db)
    times = {}
    try:
        t0 = time.monotonic()
        _run(
            sys.executable,
            str(TOOLS / "demo_db.py"),
            "-c",
            odoo.tools.config.rcfile,
            "-d",
            db,
        )
        times["create"] = time.monotonic() - t0
        t0 = time.monotonic()
        _run(
            *_odoo_cmd(
                "-d",
                db,
                "-i",
                f"{ALL_ADDONS},payment_demo",
                "--stop-after-init",
                "--log-level=warn",
            )
        )
        times["install"] = time.monotonic() - t0
        t0 = time.monotonic()
        cmd = (
            sys.executable,
            str(TOOLS / "demo_showcase.py"),
            "-c",
            odoo.tools.config.rcfile,
            "-d",
            db,
        )
        first = _run(*cmd)
        times["showcase"] = time.monotonic() - t0
        again = _run(*cmd)
        status = _run(
            sys.executable,
            str(TOOLS / "demo_db.py"),
            "-c",
            odoo.tools.config.rcfile,
            "-d",
            db,
            "--status",
        )
        with Registry(db).cursor() as cr:
            facts = _facts(api.Environment(cr, SUPERUSER_ID, {}))
        print(
            f"demo showcase: create {times['create']:.0f} s, install "
            f"{times['install']:.0f} s, showcase {times['showcase']:.0f} s"
        )
        return {"first": first, "again": again, "status": status.strip(), **facts}
    finally:
        _drop(db)


def test_french_studio(showcase):
    assert showcase["company"] == ("Studio Camille Roux", "EUR", "fr")
    assert showcase["country"] == "FR"
    assert showcase["siren_ok"]
    assert len(showcase["siret"]) == 14
    assert showcase["vat"].startswith("FR")
    assert showcase["iban"].startswith("FR76")
    assert showcase["deposit_required"] is True
    assert showcase["admin_lang"] == "fr_FR"
    assert showcase["langs"] == ["en_US", "fr_FR"]


def test_clients_and_their_status(showcase):
    assert showcase["clients"] == {
        "Maison Verdier SAS": "professional",
        "Boulangerie Dupain SARL": "professional",
        "Julien Moreau (EI, plomberie)": "professional",
        "Nora Castel": "consumer",
        "Northwind Studio": "professional",
    }
    assert showcase["blacklisted"] == ["Lastminute Events SAS"]


def test_every_stage(showcase):
    stages = showcase["order_stages"]
    assert all(count >= 1 for count in stages.values()), stages
    assert showcase["credit_notes"] == 1
    assert showcase["paid_invoices"] >= 1


def test_reminders_made_by_the_engine(showcase):
    # Friendly (1 day), firm (15), suspension (30) and formal notice (45) sent.
    assert {1, 15, 30, 45} <= set(showcase["levels_sent"])
    assert showcase["waiting_validation"] >= 1
    # The formal notice to the company: late interest and the 40 EUR indemnity.
    assert ("Maison Verdier SAS", True, 40.0) in showcase["formal_penalties"]


def test_second_company_and_idempotence(showcase):
    assert showcase["second_company"] == ("GBP", 2, True, 1)
    assert "nothing to do" in showcase["again"]
    assert showcase["status"] == "showcase"
