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
# (without the bridges to OCA addons, whose OCA addon is not on the path).
ALL_ADDONS = ",".join(
    manifest.parent.name
    for manifest in sorted(ROOT.glob("*/__manifest__.py"))
    if ast.literal_eval(manifest.read_text()).get("installable", True)
    and "queue_job" not in ast.literal_eval(manifest.read_text()).get("depends", [])
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
        "Librairie Fontaine SARL": "professional",
    }
    assert showcase["blacklisted"] == ["Lastminute Events SAS"]


def test_every_stage(showcase):
    stages = showcase["order_stages"]
    assert all(count >= 1 for count in stages.values()), stages
    # Whatever today's date: the order of a client never reminded waits for
    # its deposit; Northwind's is suspended by its suspension notice once the
    # email leaves (the levels' actions wait for the mail server).
    assert showcase["gates"] == {
        "Librairie Fontaine SARL": ["waiting_deposit"],
        "Northwind Studio": ["waiting_deposit"],
    }
    assert showcase["gates_once_sent"] == {
        "Librairie Fontaine SARL": ["waiting_deposit"],
        "Northwind Studio": ["suspended"],
    }
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


def _fr_vat_ok(vat):
    siren = vat[4:]
    return (
        len(vat) == 13
        and _luhn(siren)
        and vat == f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"
    )


def test_vat_on_every_document(showcase):
    invoices = showcase["invoice_taxes"]
    assert invoices, invoices
    for partner, position, untaxed, tax, taxes in invoices:
        if partner == "Northwind Studio":
            # Intra-EU B2B service: reverse charge, no French VAT.
            assert (position, tax, taxes) == ("Intra-EU B2B", 0.0, ["0% EU S"])
        else:
            # French clients, companies or consumer: 20 % on services.
            assert position == "Domestic - France", (partner, position)
            assert taxes == ["20% S"], (partner, taxes)
            assert tax == round(untaxed * 0.2, 2), (partner, untaxed, tax)
    # The French consumer's 600 EUR invoice of the install: 120 EUR of VAT.
    assert ["Nora Castel", "Domestic - France", 600.0, 120.0, ["20% S"]] in invoices
    for partner, tax in showcase["order_taxes"]:
        expected = "0% EU S" if partner == "Northwind Studio" else "20% S"
        if partner not in ("Kestrel Media Ltd", "Oliver Bennett"):
            assert tax == expected, (partner, tax)
    assert "Autoliquidation : TVA due par le preneur" in showcase["reverse_charge_note"]
    labels = showcase["invoice_labels"]
    assert "Charte graphique, phase 1" in labels
    assert not {
        "Brand guidelines, phase 1",
        "Coaching sessions (4 h)",
        "Logo variations",
        "Website maintenance, March",
    } & set(labels)
    # The history, built after the taxes, quotes the totals with VAT.
    assert showcase["reminder_totals_match"] is True
    assert ["Nora Castel", 720.0] in showcase["reminded_totals"]
    assert ["Northwind Studio", 1800.0] in showcase["reminded_totals"]


def test_identifiers(showcase):
    ids = showcase["identifiers"]
    for name in (
        "Maison Verdier SAS",
        "Boulangerie Dupain SARL",
        "Atelier Lumière SAS",
        "Brightside Coaching SARL",
        "Librairie Fontaine SARL",
    ):
        vat, siren, siret = ids[name]
        assert _fr_vat_ok(vat) and vat[4:] == siren, (name, vat, siren)
        assert siret.startswith(siren) and _luhn(siret), (name, siret)
    vat, siren, siret = ids["Julien Moreau (EI, plomberie)"]
    assert len(siren) == 9 and _luhn(siren) and siret.startswith(siren)
    assert ids["Northwind Studio"][0].startswith("BE0")
    footer = showcase["report_footer"]
    assert "Camille Roux EI (entrepreneur individuel)" in footer
    assert f"SIREN {showcase['siren']}" in footer
    assert showcase["vat"] in footer
    assert "RCS" in footer


def test_second_company_in_english(showcase):
    assert showcase["second_langs"] == [
        ["Harbour Lane Design Ltd", "en_US"],
        ["Kestrel Media Ltd", "en_US"],
        ["Oliver Bennett", "en_US"],
    ]
    assert showcase["second_reminder_langs"] == ["en_US"]
    subjects = showcase["second_reminder_subjects"]
    assert any("Friendly reminder" in s for s in subjects), subjects
    assert not any("Rappel" in s for s in subjects), subjects
