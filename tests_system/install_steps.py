"""Steps of the install-anywhere check, run in their own process.

Not a test module: test_install_anywhere.py runs it with Odoo on scratch
databases, one step per process, like lifecycle_steps.py:

    python install_steps.py <odoo.conf> <database> <step> <facts.json>

Each step commits what it did and writes what it saw into <facts.json>.
"""

import base64
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from lifecycle_steps import ADDONS, main_with  # noqa: E402


def step_company_chf(env, facts):
    """A Swiss company that works in Swiss francs, before our addons."""
    chf = env.ref("base.CHF")
    chf.active = True
    company = env.ref("base.main_company")
    company.write({"currency_id": chf.id, "country_id": env.ref("base.ch").id})
    facts["currency"] = company.currency_id.name


def step_installed(env, facts):
    """Our addons installed: their state, demo, the company's currency and
    reminder levels, and the demo orders' currencies."""
    company = env.ref("base.main_company")
    modules = env["ir.module.module"].search([("name", "in", ADDONS)])
    facts["states"] = {module.name: module.state for module in modules}
    facts["demo"] = {module.name: module.demo for module in modules}
    facts["company_currency"] = company.currency_id.name
    facts["levels"] = env["freelance.dunning.level"].search_count(
        [("company_id", "=", company.id)]
    )
    demo_orders = env["sale.order"].browse(
        env["ir.model.data"]
        .search([("module", "=", "freelance_dunning"), ("model", "=", "sale.order")])
        .mapped("res_id")
    )
    facts["demo_orders"] = {
        order.name: [order.currency_id.name, order.state] for order in demo_orders
    }


def step_hold_order(env, facts):
    """A signed order, confirmed, waiting for its deposit: no project yet."""
    company = env.ref("base.main_company")
    client = env["res.partner"].create(
        {"name": "Held client", "email": "held@example.com", "is_company": True}
    )
    product = env["product.product"].create(
        {
            "name": "Held design work",
            "type": "service",
            "invoice_policy": "order",
            "service_tracking": "task_in_project",
            "list_price": 1000.0,
        }
    )
    order = env["sale.order"].create(
        {
            "partner_id": client.id,
            "company_id": company.id,
            "order_line": [(0, 0, {"product_id": product.id, "product_uom_qty": 2})],
        }
    )
    order._record_signed_copy(
        "Held client",
        order.create_date.date(),
        base64.b64encode(b"%PDF-1.4 signed"),
        "signed.pdf",
    )
    order.action_confirm()
    facts["order_id"] = order.id
    facts["state"] = order.state
    facts["work_gate_state"] = order.work_gate_state
    facts["projects"] = len(order.project_ids)
    facts["tasks"] = len(order.tasks_ids)


def step_uninstall(env, facts):
    env["ir.module.module"].search(
        [("name", "=", "freelance_dunning")]
    ).button_immediate_uninstall()
    facts["states"] = {
        module.name: module.state
        for module in env["ir.module.module"].search([("name", "in", ADDONS)])
    }


def step_after_uninstall(env, facts):
    """The held order got its project and task, and its chatter says so."""
    order = env["sale.order"].search([("partner_id.name", "=", "Held client")], limit=1)
    facts["state"] = order.state
    facts["projects"] = order.project_ids.mapped("name")
    facts["tasks"] = order.tasks_ids.mapped("name")
    notes = order.message_ids.filtered(
        lambda message: "uninstalled" in (message.body or "")
    )
    facts["notes"] = [str(message.body) for message in notes]


STEPS = {
    "company_chf": step_company_chf,
    "installed": step_installed,
    "hold_order": step_hold_order,
    "uninstall": step_uninstall,
    "after_uninstall": step_after_uninstall,
}


if __name__ == "__main__":
    main_with(STEPS, *sys.argv[1:5])
