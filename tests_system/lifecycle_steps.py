"""Steps of the install / upgrade / uninstall check, run in their own process.

Not a test module: test_lifecycle.py runs it with Odoo on a scratch database,
one step per process (a new process is a fresh registry, as after a restart):

    python lifecycle_steps.py <odoo.conf> <database> <step> <facts.json>

Each step commits what it did and writes what it saw into <facts.json> (a
JSON object of its own), which the tests read and judge. It must not import
freelance_dunning: several steps run while the addon is not installed.
"""

import json
import sys
from datetime import timedelta

ADDONS = [
    "freelance_dunning",
    "freelance_dunning_project",
    "freelance_dunning_timesheet",
    "freelance_dunning_stock",
]
# Odoo's configuration tables: records our addons add must all be gone after
# the uninstall (compared with what existed before the install).
CONFIG_TABLES = [
    "ir_ui_view",
    "ir_cron",
    "mail_template",
    "ir_act_window",
    "ir_act_server",
    "ir_act_report_xml",
    "ir_ui_menu",
    "ir_model",
    "ir_model_fields",
    "ir_model_fields_selection",
    "ir_model_constraint",
    "ir_model_relation",
    "ir_model_access",
    "ir_rule",
    "res_groups",
    "ir_module_category",
    "ir_config_parameter",
    "ir_default",
]
# Odoo's tables our addons add columns to.
EXTENDED_TABLES = [
    "sale_order",
    "sale_order_line",
    "account_move",
    "account_move_line",
    "res_partner",
    "res_company",
    "stock_picking",
    "project_milestone",
    "account_analytic_line",
]
# Words that only our addons put into views, server actions and templates.
OUR_WORDS = [
    "freelance",
    "dunning",
    "deposit_required",
    "deposit_state",
    "work_gate",
    "client_blacklist",
    "freelance_order_installment",
    "payment_schedule",
    "deposit_amount",
]
# Main views an Odoo user opens every day, after the uninstall.
MAIN_MODELS = [
    "sale.order",
    "sale.order.line",
    "account.move",
    "res.partner",
    "res.company",
    "project.task",
    "project.project",
    "stock.picking",
    "account.analytic.line",
    "res.config.settings",
]


def _refs(env):
    """The records seeded before the install, by role."""
    params = env["ir.config_parameter"].sudo()
    return json.loads(params.get_param("lifecycle_test.refs", "{}"))


def _order_facts(order):
    return {
        "state": order.state,
        "amount_total": order.amount_total,
        "require_signature": order.require_signature,
        "project_ids": sorted(order.project_ids.ids),
        "task_ids": sorted(order.tasks_ids.ids),
        "picking_ids": sorted(order.picking_ids.ids),
        "invoice_ids": sorted(order.invoice_ids.ids),
    }


def _invoice_facts(invoice):
    return {
        "state": invoice.state,
        "payment_state": invoice.payment_state,
        "amount_total": invoice.amount_total,
        "amount_residual": invoice.amount_residual,
        "invoice_date_due": str(invoice.invoice_date_due),
    }


def _snapshot(env, refs):
    # Read from the database: computed fields cached earlier in the step (an
    # order's tasks before it was confirmed) are not what is stored now.
    env.invalidate_all()
    orders = {
        role: _order_facts(env["sale.order"].browse(order_id))
        for role, order_id in refs["orders"].items()
    }
    invoices = {
        role: _invoice_facts(env["account.move"].browse(invoice_id))
        for role, invoice_id in refs["invoices"].items()
    }
    timesheets = env["account.analytic.line"].search_count(
        [("project_id", "in", refs["projects"])]
    )
    return {"orders": orders, "invoices": invoices, "timesheets": timesheets}


def _try(facts, name, function):
    """Run function; facts[name] is its result, or the error it raised."""
    try:
        with facts["_env"].cr.savepoint():
            facts[name] = {"ok": True, "result": function()}
    except Exception as error:  # reported to the test, which fails with it
        facts[name] = {"ok": False, "error": f"{type(error).__name__}: {error}"}


def _pay(env, invoice, amount=None):
    wizard = (
        env["account.payment.register"]
        .with_context(active_model="account.move", active_ids=invoice.ids)
        .create({"amount": amount} if amount else {})
    )
    wizard._create_payments()
    return _invoice_facts(invoice)


def _confirm_invoice_and_pay(env, order):
    order.action_confirm()
    invoices = order.invoice_ids.filtered(lambda move: move.state == "posted")
    new = order._create_invoices()
    new.action_post()
    paid = {}
    for invoice in invoices | new:
        if invoice.payment_state not in ("paid", "in_payment"):
            _pay(env, invoice)
        paid[invoice.name] = invoice.payment_state
    return {
        "state": order.state,
        "projects": len(order.project_ids),
        "invoices": paid,
    }


def _validate_picking(picking):
    for move in picking.move_ids:
        move.quantity = move.product_uom_qty
    picking.move_ids.picked = True
    picking.button_validate()
    return picking.state


def _log_time(env, task, name):
    line = env["account.analytic.line"].create(
        {
            "name": name,
            "project_id": task.project_id.id,
            "task_id": task.id,
            "unit_amount": 1.5,
            "employee_id": env.ref("base.user_admin").employee_id.id,
        }
    )
    return line.id


# ----------------------------------------------------------------------------
# Steps
# ----------------------------------------------------------------------------


def step_seed(env, facts):
    """Odoo without our addons: the data a company already has."""
    from odoo.fields import Command

    env["res.company"].create({"name": "Lifecycle Second Company"})
    client = env["res.partner"].create(
        {"name": "Lifecycle Client", "is_company": True, "email": "client@lc.example"}
    )
    service = env["product.product"].create(
        {
            "name": "Lifecycle design work",
            "type": "service",
            "list_price": 1000.0,
            "invoice_policy": "order",
            "service_tracking": "task_in_project",
        }
    )
    goods = env["product.product"].create(
        {
            "name": "Lifecycle printed book",
            "type": "consu",
            "list_price": 50.0,
            "invoice_policy": "order",
        }
    )
    sale_order = env["sale.order"]

    def quote(product, qty=1.0):
        return sale_order.create(
            {
                "partner_id": client.id,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                ],
            }
        )

    draft, sent = quote(service), quote(service, 2)
    # Sent for an online payment, without asking for a signature.
    sent.require_signature = False
    sent.action_quotation_sent()
    project_order, delivery_order = quote(service, 3), quote(goods, 4)
    (project_order | delivery_order).action_confirm()
    open_invoice = project_order._create_invoices()
    partial_order = quote(service, 5)
    partial_order.action_confirm()
    partial_invoice = partial_order._create_invoices()
    (open_invoice | partial_invoice).action_post()
    _pay(env, partial_invoice, 1000.0)
    today = env.cr.now().date()
    overdue_invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": client.id,
            "invoice_date": today - timedelta(days=40),
            "invoice_date_due": today - timedelta(days=40),
            "invoice_line_ids": [
                Command.create(
                    {"product_id": service.id, "quantity": 1, "price_unit": 800.0}
                )
            ],
        }
    )
    overdue_invoice.action_post()
    task = project_order.tasks_ids[:1]
    _log_time(env, task, "Before the install")
    refs = {
        "orders": {
            "draft": draft.id,
            "sent": sent.id,
            "project": project_order.id,
            "delivery": delivery_order.id,
            "partial": partial_order.id,
        },
        "invoices": {
            "open": open_invoice.id,
            "partial": partial_invoice.id,
            "overdue": overdue_invoice.id,
        },
        "projects": project_order.project_ids.ids,
        "task": task.id,
        "client": client.id,
    }
    env["ir.config_parameter"].sudo().set_param("lifecycle_test.refs", json.dumps(refs))
    facts["snapshot"] = _snapshot(env, refs)
    facts["max_ids"] = {
        table: _max_id(env, table) for table in CONFIG_TABLES if _has_id(env, table)
    }
    facts["columns"] = _columns(env)


def step_after_install(env, facts):
    """Our addons just installed: existing data keeps its meaning."""
    refs = _refs(env)
    facts["snapshot"] = _snapshot(env, refs)
    order = env["sale.order"].browse
    invoice = env["account.move"].browse
    facts["gate"] = {
        role: {
            "deposit_required": order(order_id).deposit_required,
            "work_gate_required": order(order_id).work_gate_required,
            "work_gate_state": order(order_id).work_gate_state,
            "deposit_state": order(order_id).deposit_state,
            "installments": len(order(order_id).installment_ids),
        }
        for role, order_id in refs["orders"].items()
    }
    companies = env["res.company"].search([])
    level_model = env["freelance.dunning.level"]
    facts["levels"] = {
        company.name: level_model.search_count([("company_id", "=", company.id)])
        for company in companies
    }
    # What people do the day after: pay, log time, deliver, confirm.
    _try(facts, "pay_open", lambda: _pay(env, invoice(refs["invoices"]["open"])))
    _try(facts, "pay_rest", lambda: _pay(env, invoice(refs["invoices"]["partial"])))
    task = env["project.task"].browse(refs["task"])
    _try(facts, "log_time", lambda: _log_time(env, task, "After the install"))
    _try(
        facts,
        "deliver",
        lambda: _validate_picking(order(refs["orders"]["delivery"]).picking_ids[:1]),
    )
    _try(
        facts,
        "confirm_sent",
        lambda: _confirm_invoice_and_pay(env, order(refs["orders"]["sent"])),
    )
    _try(
        facts, "confirm_draft", lambda: order(refs["orders"]["draft"]).action_confirm()
    )
    # Nothing emails clients by itself at install, in any company...
    facts["client_sending"] = {
        company.name: [company.invoice_send_at_once, company.nightly_reminders]
        for company in companies
    }
    # ... so the nightly run leaves the invoice 40 days late from before the
    # install alone, until a dunning manager switches the reminders on.
    engine = env["freelance.dunning.engine"]
    overdue = invoice(refs["invoices"]["overdue"])
    reminded = [("move_id", "=", overdue.id)]
    _try(facts, "dunning_cron_off", lambda: bool(engine._cron_run() or True))
    reminder_lines = env["freelance.dunning.reminder.line"]
    facts["reminders_while_off"] = reminder_lines.search_count(reminded)
    overdue.company_id.nightly_reminders = True
    _try(facts, "dunning_cron", lambda: bool(engine._cron_run() or True))
    events = reminder_lines.search(reminded)
    facts["overdue_reminder_days"] = sorted(set(events.level_id.mapped("days")))
    levels = level_model.search([("company_id", "=", overdue.company_id.id)])
    facts["first_late_level_days"] = min(d for d in levels.mapped("days") if d > 0)
    # What a user edits, which an upgrade must keep.
    level = level_model.search([("company_id", "=", env.company.id)], limit=1)
    # Earlier still: the ladder keeps its order (days grow with the sequence).
    level.write({"name": "Edited by the user", "days": level.days - 2})
    facts["edited_days"] = level.days
    env.company.deposit_percent = 30.0
    facts["edited_level"] = level.id
    facts["snapshot_end"] = _snapshot(env, refs)


def step_after_upgrade(env, facts):
    """After `-u freelance_dunning`: data and user edits kept."""
    refs = _refs(env)
    facts["snapshot"] = _snapshot(env, refs)
    companies = env["res.company"].search([])
    level_model = env["freelance.dunning.level"]
    facts["levels"] = {
        company.name: level_model.search_count([("company_id", "=", company.id)])
        for company in companies
    }
    level = level_model.search([("name", "=", "Edited by the user")])
    facts["edited_levels"] = [{"id": lv.id, "days": lv.days} for lv in level]
    facts["deposit_percent"] = env.company.deposit_percent
    facts["crons"] = env["ir.cron"].search_count([("name", "ilike", "Freelance")])


def step_uninstall(env, facts):
    modules = env["ir.module.module"].search([("name", "in", ADDONS)])
    modules.button_immediate_uninstall()
    facts["states"] = {
        module.name: module.state
        for module in env["ir.module.module"].search([("name", "in", ADDONS)])
    }


def step_after_uninstall(env, facts):
    """A fresh registry without our addons: nothing of ours left, Odoo works."""
    facts["xmlids"] = _query(
        env,
        "SELECT module, model, name FROM ir_model_data WHERE module IN %s",
        [tuple(ADDONS)],
    )
    # Every configuration record created since the seed (before the install)
    # is a leftover, except the parameters this check keeps for itself.
    leftovers = {}
    for table, max_id in json.loads(_param(env, "lifecycle_test.max_ids")).items():
        sql = f"SELECT * FROM {table} WHERE id > %s"  # noqa: S608
        if table == "ir_config_parameter":
            sql += " AND key NOT LIKE 'lifecycle_test.%%'"
        rows = _query(env, sql, [max_id])
        if rows:
            leftovers[table] = rows
    facts["leftover_records"] = leftovers
    # Odoo's own records do not mention us either (views, actions, templates).
    pattern = "(" + "|".join(OUR_WORDS) + ")"
    facts["mentions"] = {
        f"{table}.{column}": _query(
            env,
            f"SELECT id FROM {table} WHERE {column}::text ~* %s",  # noqa: S608
            [pattern],
        )
        for table, column in (
            ("ir_ui_view", "arch_db"),
            ("ir_act_server", "code"),
            ("ir_act_window", "res_model"),
            ("ir_act_window", "context"),
            ("ir_act_window", "domain"),
            ("mail_template", "body_html"),
            ("mail_template", "model"),
            ("ir_model_fields", "name"),
            ("ir_model", "model"),
            ("ir_ui_menu", "name"),
            ("res_groups", "name"),
            ("ir_module_category", "name"),
        )
    }
    facts["mentions"] = {key: rows for key, rows in facts["mentions"].items() if rows}
    before = json.loads(_param(env, "lifecycle_test.columns"))
    now = _columns(env)
    facts["leftover_columns"] = {
        table: sorted(set(columns) - set(before.get(table, [])))
        for table, columns in now.items()
        if set(columns) - set(before.get(table, []))
    }
    facts["leftover_tables"] = [
        row["tablename"]
        for row in _query(
            env,
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
            "AND (tablename LIKE 'freelance%%' OR tablename LIKE '%%dunning%%' "
            "OR tablename LIKE 'freelance_order_installment%%')",
        )
    ]
    facts["leftover_indexes"] = [
        row["indexname"]
        for row in _query(
            env,
            "SELECT indexname FROM pg_indexes WHERE schemaname = 'public' "
            "AND (indexname LIKE '%%freelance%%' OR indexname LIKE '%%dunning%%' "
            "OR indexname LIKE '%%work_gate%%' OR indexname LIKE '%%deposit%%')",
        )
    ]
    # The views of the main screens still load, each primary view included.
    views = {}
    for model in MAIN_MODELS:
        primary = env["ir.ui.view"].search(
            [("model", "=", model), ("mode", "=", "primary")]
        )
        requested = [(False, kind) for kind in ("form", "list", "search")]
        requested += [(view.id, view.type) for view in primary]
        errors = []
        for view_id, kind in requested:
            try:
                env[model].get_views([(view_id, kind)])
            except Exception as error:  # reported to the test
                errors.append(f"{view_id or 'default'} {kind}: {error}")
        views[model] = errors
    facts["view_errors"] = {model: errs for model, errs in views.items() if errs}
    facts["views_checked"] = sum(1 for _model in views)
    refs = _refs(env)
    facts["snapshot"] = _snapshot(env, refs)
    order = env["sale.order"].browse(refs["orders"]["draft"])
    if order.state != "draft":  # confirmed while installed: quote a new one
        order = order.copy()
    _try(facts, "quote_to_paid", lambda: _confirm_invoice_and_pay(env, order))
    task = env["project.task"].browse(refs["task"])
    _try(facts, "log_time", lambda: _log_time(env, task, "After the uninstall"))
    facts["crons_ok"] = _query(
        env,
        "SELECT c.id, c.cron_name FROM ir_cron c JOIN ir_act_server s "
        "ON s.id = c.ir_actions_server_id WHERE s.code ILIKE %s "
        "OR s.code ILIKE %s OR s.code ILIKE %s",
        ["%freelance%", "%dunning%", "%work_gate%"],
    )


# ----------------------------------------------------------------------------
# SQL helpers
# ----------------------------------------------------------------------------


def _query(env, sql, params=None):
    env.cr.execute(sql, params or [])
    names = [column.name for column in env.cr.description]
    return [dict(zip(names, row, strict=True)) for row in env.cr.fetchall()]


def _has_id(env, table):
    env.cr.execute(
        "SELECT 1 FROM information_schema.columns WHERE table_name = %s "
        "AND column_name = 'id'",
        [table],
    )
    return bool(env.cr.fetchone())


def _max_id(env, table):
    env.cr.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")  # noqa: S608
    return env.cr.fetchone()[0]


def _columns(env):
    env.cr.execute(
        "SELECT table_name, column_name FROM information_schema.columns "
        "WHERE table_schema = 'public' AND table_name IN %s",
        [tuple(EXTENDED_TABLES)],
    )
    columns = {}
    for table, column in env.cr.fetchall():
        columns.setdefault(table, []).append(column)
    return columns


def _param(env, key):
    return env["ir.config_parameter"].sudo().get_param(key)


STEPS = {
    "seed": step_seed,
    "after_install": step_after_install,
    "after_upgrade": step_after_upgrade,
    "uninstall": step_uninstall,
    "after_uninstall": step_after_uninstall,
}


def main(conf, database, step, out_path):
    main_with(STEPS, conf, database, step, out_path)


def main_with(steps, conf, database, step, out_path):
    """Run ``steps[step]`` on the database, commit, write its facts."""
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(["-c", conf, "-d", database, "--no-http"])
    facts = {}
    registry = Registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        facts["_env"] = env
        steps[step](env, facts)
        if step == "seed":
            params = env["ir.config_parameter"].sudo()
            params.set_param("lifecycle_test.max_ids", json.dumps(facts["max_ids"]))
            params.set_param("lifecycle_test.columns", json.dumps(facts["columns"]))
        del facts["_env"]
        # Leaving the block commits.
    with open(out_path, "w") as out:
        json.dump(facts, out, indent=1, default=str)


if __name__ == "__main__":
    main(*sys.argv[1:5])
