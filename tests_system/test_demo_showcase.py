"""The demo `make run` serves: a French freelancer's studio (issue 20).

Builds ``<test db>_showcase`` with the commands tools/dev.sh runs for a new
demo database (tools/demo_db.py, `odoo -i` of every repository addon and
payment_demo, tools/demo_showcase.py), in subprocesses, runs the showcase a
second time (nothing to do), reads what a visitor finds there
(showcase_facts.py, next to this file) and drops it. About 3 minutes: a full
install.
"""

import ast
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

import odoo

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ROOT / "tools"
FACTS = Path(__file__).with_name("showcase_facts.py")
# Every addon of the repository, as tools/dev.sh's repo_addons lists them.
ALL_ADDONS = ",".join(
    manifest.parent.name
    for manifest in sorted(ROOT.glob("*/__manifest__.py"))
    if ast.literal_eval(manifest.read_text()).get("installable", True)
)


def _odoo_cmd(*args):
    return [sys.executable, "-m", "odoo", "-c", odoo.tools.config.rcfile, *args]


def _drop(db, check=False):
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "db",
            "-c",
            odoo.tools.config.rcfile,
            "drop",
            db,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert not check or done.returncode == 0, done.stdout + done.stderr


def _run(*cmd):
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _luhn(digits):
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


_BUILT = {}


@pytest.fixture(scope="module")
def showcase():
    # Built once: a failed build fails every test without building again.
    if not _BUILT:
        try:
            _BUILT["facts"] = _build()
        except Exception as error:  # noqa: BLE001 - raised again below
            _BUILT["error"] = error
    if "error" in _BUILT:
        raise _BUILT["error"]
    return _BUILT["facts"]


def _build():
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
        facts = json.loads(
            _run(sys.executable, str(FACTS), "-c", odoo.tools.config.rcfile, "-d", db)
        )
        print(
            f"demo showcase: create {times['create']:.0f} s, install "
            f"{times['install']:.0f} s, showcase {times['showcase']:.0f} s"
        )
        return {"first": first, "again": again, "status": status.strip(), **facts}
    finally:
        _drop(db, check=True)


def test_french_studio(showcase):
    assert showcase["company"] == ["Studio Camille Roux", "EUR", "fr"]
    assert showcase["country"] == "FR"
    siren, siret = showcase["siren"], showcase["siret"]
    assert len(siren) == 9 and _luhn(siren)
    assert len(siret) == 14 and siret.startswith(siren) and _luhn(siret)
    assert showcase["vat"] == f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
    assert showcase["iban"].startswith("FR76")
    assert showcase["deposit_required"] is True
    assert showcase["admin_lang"] == "fr_FR"
    assert showcase["admin_signs"] == (
        '"Camille Roux" <camille@studio-camille-roux.example.com>'
    )
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
    assert ["Maison Verdier SAS", True, 40.0] in showcase["formal_penalties"]


def test_second_company_and_idempotence(showcase):
    assert showcase["second_company"] == ["GBP", 2, True, 1]
    assert showcase["first"].startswith("Showcase added to ")
    assert "nothing to do" in showcase["again"]
    assert showcase["status"] == "showcase"
