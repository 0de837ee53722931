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
            "Librairie Fontaine SARL",
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
    invoices = env["account.move"].search(
        [
            ("company_id", "=", company.id),
            ("move_type", "in", ("out_invoice", "out_refund")),
            ("state", "=", "posted"),
        ]
    )

    def gate(name):
        return orders.filtered(
            lambda o: o.partner_id.name == name and o.state == "sale"
        ).mapped("work_gate_state")

    def partner(name):
        return Partner.search([("name", "=", name)], limit=1)

    second_reminders = env["freelance.dunning.reminder"].search(
        [("company_id", "=", second.id)]
    )
    return {
        "gates": {
            name: gate(name) for name in ("Northwind Studio", "Librairie Fontaine SARL")
        },
        # Per posted invoice of the studio: client, fiscal position, untaxed,
        # tax, the taxes of its lines (a line without tax: "none").
        "invoice_taxes": [
            (
                move.partner_id.name,
                move.fiscal_position_id.name,
                move.amount_untaxed,
                move.amount_tax,
                sorted(
                    {
                        line.tax_ids.name or "none"
                        for line in move.invoice_line_ids
                        if line.display_type == "product"
                    }
                ),
            )
            for move in invoices
        ],
        "order_taxes": sorted(
            {
                (o.partner_id.name, line.tax_id.name or "none")
                for o in orders
                if o.partner_id.email
                and "example.com" in o.partner_id.email
                and o.partner_id.property_account_position_id
                for line in o.order_line
                if not line.display_type
            }
        ),
        "invoice_labels": sorted(set(invoices.invoice_line_ids.mapped("name"))),
        "reverse_charge_note": env["account.fiscal.position"]
        .with_context(lang="fr_FR")
        .search(
            [("company_id", "=", company.id), ("name", "=", "Intra-EU B2B")], limit=1
        )
        .note
        or "",
        # Every reminder line of an invoice still unpaid quotes its total
        # (with VAT): what is due plus the credits deducted.
        "reminder_totals_match": all(
            line.amount_residual + line.amount_credited == line.move_id.amount_total
            for line in reminders.line_ids
            if line.move_id.payment_state == "not_paid"
        ),
        "reminded_totals": sorted(
            {
                (
                    line.move_id.partner_id.name,
                    line.amount_residual + line.amount_credited,
                )
                for line in reminders.line_ids
            }
        ),
        "identifiers": {
            name: (
                partner(name).vat or "",
                partner(name).company_registry or "",
                partner(name).siret or "",
            )
            for name in (
                "Maison Verdier SAS",
                "Boulangerie Dupain SARL",
                "Atelier Lumière SAS",
                "Brightside Coaching SARL",
                "Julien Moreau (EI, plomberie)",
                "Librairie Fontaine SARL",
                "Northwind Studio",
            )
        },
        "report_footer": str(company.report_footer or ""),
        "second_langs": sorted(
            {
                (p.name, p.lang)
                for p in Partner.search([("company_id", "=", second.id)])
                | second.partner_id
            }
        ),
        "second_reminder_langs": sorted(
            set(second_reminders.partner_id.mapped("lang"))
        ),
        "second_reminder_subjects": sorted(
            set(second_reminders.mail_message_id.mapped("subject"))
        ),
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


def _gates_once_sent(env):
    """The work gates once the queued emails left, as when `make run`'s mail
    server sends them: the mail scheduler runs the levels' actions of each
    reminder delivered (a suspension notice suspends the client's orders).
    Rolled back by the caller."""
    env["freelance.dunning.reminder"].search(
        [("state", "=", "sent"), ("actions_done", "=", False)], order="date, id"
    )._run_level_actions_delivered()
    orders = env["sale.order"].search([("state", "=", "sale")])
    return {
        name: orders.filtered(lambda o, n=name: o.partner_id.name == n).mapped(
            "work_gate_state"
        )
        for name in ("Northwind Studio", "Librairie Fontaine SARL")
    }


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    args = parser.parse_args()
    odoo.tools.config.parse_config(["-c", args.config, "--log-level=warn"])
    with Registry(args.database).cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        facts = _facts(env)
        facts["gates_once_sent"] = _gates_once_sent(env)
        cr.rollback()  # read only: what the delivery did is undone
        print(json.dumps(facts))


if __name__ == "__main__":
    main()
