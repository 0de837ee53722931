"""Odoo sends a payment reminder through its mail queue, outside test mode.

Run by test_mail_sink.py in a process of its own (Odoo's test mode never
opens an SMTP connection): in the given database, one client with an invoice
overdue by 45 days; an accountant runs the reminders for that client; then
Odoo's mail scheduler (the cron's method, process_email_queue) sends the
queue to the database's outgoing mail server. Prints one JSON line with what
Odoo recorded.
"""

import argparse
import json
from datetime import date, timedelta

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--email", required=True)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "-d", args.database])
    registry = Registry(args.database)
    due = date.today() - timedelta(days=45)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        company = env.ref("base.main_company")
        levels = env["freelance.dunning.level"]
        if not levels.search([("company_id", "=", company.id)]):
            levels._create_default_levels(company)
        # Only this test's email in the queue.
        env["mail.mail"].search([]).unlink()
        client = env["res.partner"].create(
            {
                "name": "Mail sink client",
                "email": args.email,
                "is_company": True,
                "lang": "en_US",
            }
        )
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "company_id": company.id,
                "partner_id": client.id,
                "invoice_date": due,
                "invoice_date_due": due,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Design work",
                            "quantity": 1,
                            "price_unit": 300.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        with invoice._invoice_emails_held():
            invoice.action_post()
        # The PDF the client received, attached as it is (no rendering).
        invoice.invoice_pdf_report_id = env["ir.attachment"].create(
            {
                "name": f"{invoice.name}.pdf",
                "raw": b"%PDF-1.4 as sent",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        admin = env.ref("base.user_admin")
        reminders = (
            env["freelance.dunning.engine"]
            .with_user(admin)
            ._run(company, date.today(), partners=client, user=admin)
        )
        queued = env["mail.mail"].search_count([("state", "=", "outgoing")])
        reminder_ids = reminders.ids
    # Odoo's mail scheduler, as its cron calls it.
    with registry.cursor() as cr:
        api.Environment(cr, SUPERUSER_ID, {})["mail.mail"].process_email_queue()
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        reminders = env["freelance.dunning.reminder"].browse(reminder_ids)
        message = reminders.mail_message_id
        print(
            json.dumps(
                {
                    "servers": env["ir.mail_server"]
                    .search([], order="sequence, id")
                    .mapped(lambda s: [s.name, s.smtp_host, s.smtp_port]),
                    "queued": queued,
                    "reminders": reminders.mapped("state"),
                    "subject": message.subject,
                    "notifications": message.notification_ids.mapped(
                        lambda n: [n.res_partner_id.email, n.notification_status]
                    ),
                    "mails_left": env["mail.mail"]
                    .search([("mail_message_id", "in", message.ids)])
                    .mapped("state"),
                }
            )
        )


if __name__ == "__main__":
    main()
