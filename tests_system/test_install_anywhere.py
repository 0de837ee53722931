"""Install on any Odoo 18 database, uninstall without losing held work.

Odoo in subprocesses on two scratch databases (``<test db>_anywhere_demo``,
``<test db>_anywhere_chf``), dropped at the end (see test_lifecycle.py):

- demo: Odoo's web shop with its demo data (a USD company whose demo
  pricelists include one in EUR, inactive), then our four addons with theirs;
- chf: no demo data, a Swiss company in CHF, the web shop, projects and
  inventory installed first; then our addons; an order held by the gate
  (signed, waiting for its deposit); then freelance_dunning uninstalled
  (its bridges with it) through ``button_immediate_uninstall``.
"""

import shutil
from pathlib import Path

import pytest

import odoo

from .test_lifecycle import OUR_ADDONS, Lifecycle

STEPS_SCRIPT = Path(__file__).with_name("install_steps.py")


def _run(name, runs):
    workdir = Path(odoo.tools.config.rcfile).parent / f"anywhere_{name}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    db = f"{odoo.tools.config['db_name']}_anywhere_{name}"
    run = Lifecycle(workdir, db=db, steps_script=STEPS_SCRIPT)
    run.drop()
    try:
        for step in runs(run):
            if not step():
                break
    finally:
        run.drop()
    return run


@pytest.fixture(scope="module")
def demo_db():
    return _run(
        "demo",
        lambda run: (
            lambda: run.odoo("website_sale", "-i", "website_sale", demo=True),
            lambda: run.odoo("install", "-i", OUR_ADDONS, demo=True),
            lambda: run.step("installed"),
        ),
    )


@pytest.fixture(scope="module")
def chf_db():
    return _run(
        "chf",
        lambda run: (
            lambda: run.odoo("odoo_apps", "-i", "sale_project,website_sale,stock"),
            lambda: run.step("company_chf"),
            lambda: run.odoo("install", "-i", OUR_ADDONS),
            lambda: run.step("installed"),
            lambda: run.step("hold_order"),
            lambda: run.step("uninstall"),
            lambda: run.step("after_uninstall"),
        ),
    )


def test_install_with_demo_on_a_usd_web_shop(demo_db):
    assert demo_db.bad_lines("install") == []
    installed = demo_db.need("installed")
    assert set(installed["states"].values()) == {"installed"}
    # The demo data loaded (Odoo falls back to no demo when it fails).
    assert installed["demo"]["freelance_dunning"] is True
    assert installed["company_currency"] == "USD"
    assert len(installed["demo_orders"]) == 5
    for name, (currency, _state) in installed["demo_orders"].items():
        assert currency == "USD", name
    assert installed["levels"] >= 2


def test_install_without_demo_in_chf_with_other_apps(chf_db):
    assert chf_db.need("company_chf")["currency"] == "CHF"
    assert chf_db.bad_lines("install") == []
    installed = chf_db.need("installed")
    assert set(installed["states"].values()) == {"installed"}
    assert installed["demo"]["freelance_dunning"] is False
    assert installed["company_currency"] == "CHF"
    assert installed["demo_orders"] == {}
    assert installed["levels"] >= 2


def test_uninstall_opens_the_held_gates(chf_db):
    held = chf_db.need("hold_order")
    assert held["state"] == "sale"
    assert held["work_gate_state"] == "waiting_deposit"
    assert (held["projects"], held["tasks"]) == (0, 0)
    uninstall, after = chf_db.need("uninstall", "after_uninstall")
    assert set(uninstall["states"].values()) == {"uninstalled"}
    assert after["state"] == "sale"
    assert len(after["projects"]) == 1
    assert len(after["tasks"]) == 1
    assert len(after["notes"]) == 1
    note = after["notes"][0]
    assert (
        "Freelance Dunning is uninstalled: the work gate no longer holds this "
        "order, and the work Odoo starts when an order is confirmed has started. "
        "Held until now: Deposit not paid yet:"
    ) in note
    assert "Projects:" in note
    assert "Tasks:" in note
    assert after["projects"][0] in note
