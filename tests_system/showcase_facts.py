"""What a visitor of the demo finds, as JSON (test_demo_showcase.py).

python tests_system/showcase_facts.py -c <odoo.conf> -d <database>
"""

import argparse
import json

import odoo
from odoo import SUPERUSER_ID, api, fields
from odoo.modules.registry import Registry


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
        "siren": company.company_registry,
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
        "admin_signs": env.ref("base.user_admin").partner_id.email_formatted,
        "langs": sorted(code for code, _name in env["res.lang"].get_installed()),
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    with Registry(args.database).cursor() as cr:
        print(json.dumps(_facts(api.Environment(cr, SUPERUSER_ID, {}))))


if __name__ == "__main__":
    main()
