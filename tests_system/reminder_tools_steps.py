"""What each reminder tool chases, with OCA's credit-control addons installed.

Not a test module: test_reminder_tools.py runs it in its own process on a
database where OCA's account_credit_control and
account_invoice_overdue_reminder are installed beside freelance_dunning:

    python reminder_tools_steps.py <odoo.conf> <addons path> <database> <facts.json>

It makes one client with an invoice 40 days overdue, then, for each choice of
the company (none yet, an OCA tool, this addon with the settings the README
gives for the OCA tools), records which tools would chase the invoice: this
addon's nightly run and preview, OCA's overdue reminder wizard and a credit
control run. Each choice is tried in a savepoint, rolled back afterwards.
"""

import json
import sys
from datetime import timedelta


def chasers(env, company, client, invoice):
    """Which tools would remind the client of the invoice today."""
    from odoo.exceptions import UserError

    today = env.cr.now().date()
    preview = env["freelance.dunning.run.wizard"].create({"company_id": company.id})
    # Read before the night's run: the preview is computed when read.
    preview_names = sorted(preview.line_ids.move_id.mapped("name"))
    preview_notice = preview.other_tool_notice or ""
    engine = env["freelance.dunning.engine"].with_context(ir_cron_progress_id=False)
    engine._cron_run()
    ours = env["freelance.dunning.reminder"].search(
        [("company_id", "=", company.id), ("partner_id", "=", client.id)]
    )
    overdue = env["overdue.reminder.start"].with_company(company).create({})
    try:
        overdue.run()
    except UserError as error:
        # What OCA's wizard says when it finds no invoice to remind.
        assert str(error) == "There are no overdue reminders.", error
    steps = env["overdue.reminder.step"].search(
        [("commercial_partner_id", "=", client.id)]
    )
    run = env["credit.control.run"].create({"date": today, "company_id": company.id})
    credit_lines = run._generate_credit_lines().filtered(
        lambda line: line.invoice_id == invoice
    )
    return {
        "freelance_dunning": sorted(ours.line_ids.move_id.mapped("name")),
        "preview": preview_names,
        "preview_notice": preview_notice,
        "account_invoice_overdue_reminder": sorted(steps.invoice_ids.mapped("name")),
        "account_credit_control": sorted(credit_lines.invoice_id.mapped("name")),
    }


def check(env, facts):
    from odoo import Command

    company = env.company
    today = env.cr.now().date()
    settings = env["res.config.settings"].create({})
    facts["other_reminder_tools"] = settings.other_reminder_tools
    receivable = env["account.account"].search(
        [
            ("account_type", "=", "asset_receivable"),
            ("company_ids", "in", company.ids),
        ]
    )
    # OCA's shipped policy, on the company's receivable accounts (the policy
    # comes without accounts).
    policy = env.ref("account_credit_control.credit_control_3_time")
    policy.account_ids = receivable
    company.credit_policy_id = policy
    client = env["res.partner"].create(
        {"name": "Late Client", "is_company": True, "email": "late@example.com"}
    )
    invoice = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": client.id,
            "invoice_date": today - timedelta(days=40),
            "invoice_date_due": today - timedelta(days=40),
            "invoice_line_ids": [
                Command.create(
                    {"name": "Design work", "quantity": 1, "price_unit": 800}
                )
            ],
        }
    )
    invoice.action_post()
    facts["invoice"] = invoice.name
    facts["company"] = company.name
    company.nightly_reminders = True

    choices = {
        "not_chosen": {},
        "overdue_reminder": {
            "payment_reminders_by": "account_invoice_overdue_reminder"
        },
        "credit_control": {"payment_reminders_by": "account_credit_control"},
        # This addon, with what the README tells to set in the OCA tools.
        "this_addon": {"payment_reminders_by": "freelance_dunning"},
    }
    facts["chasers"] = {}
    for name, values in choices.items():
        savepoint = env.cr.savepoint()  # flushes what came before
        company.write(values)
        if name == "this_addon":
            company.credit_policy_id = env.ref(
                "account_credit_control.credit_control_no_follow"
            )
            client.no_overdue_reminder = True
        facts["chasers"][name] = chasers(env, company, client, invoice)
        env.flush_all()
        savepoint.close(rollback=True)
        env.invalidate_all()


def main(conf, addons_path, database, out_path):
    import odoo
    from odoo.modules.registry import Registry

    odoo.tools.config.parse_config(
        ["-c", conf, "--addons-path", addons_path, "-d", database, "--no-http"]
    )
    facts = {}
    registry = Registry(database)
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        check(env, facts)
        cr.rollback()
    with open(out_path, "w") as out:
        json.dump(facts, out, indent=1, default=str)


if __name__ == "__main__":
    main(*sys.argv[1:5])
