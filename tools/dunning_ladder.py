"""Replay one business client's whole reminder ladder and print the figures.

    .venv/bin/python tools/dunning_ladder.py -c .run/odoo.conf -d freelance_dunning

Creates a client and a 1,200.00 EUR invoice due on 2025-06-20 in a transaction
that is rolled back at the end, runs the dunning engine on the days each level
applies (time travel with freezegun), validates what waits for validation, and
prints each reminder: level, days late, interest, indemnity, total, actions.
"""

import argparse
from datetime import date, timedelta

from freezegun import freeze_time

import odoo
from odoo import api
from odoo.fields import Command
from odoo.tools import config


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "--log-level", "error"])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {"lang": "en_US"})
        company = env.company
        env["freelance.dunning.level"]._create_default_levels(company)
        eur = env.ref("base.EUR")
        eur.active = True
        client = env["res.partner"].create(
            {
                "name": "Ladder Client SARL",
                "is_company": True,
                "email": "ladder@example.com",
            }
        )
        due = date(2025, 6, 20)
        invoice = env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": client.id,
                "invoice_date": due,
                "invoice_date_due": due,
                "currency_id": eur.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Design work",
                            "quantity": 1,
                            "price_unit": 1200.0,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        engine = env["freelance.dunning.engine"]
        levels = engine._get_levels(company)
        print(f"Invoice {invoice.name}: 1,200.00 EUR due {due}, client {client.name}")
        print(
            f"{'day':<11} {'level':<22} {'late':>4} {'interest':>9} {'indemnity':>9} "
            f"{'total':>9}  state / actions"
        )
        for level in levels:
            day = due + timedelta(days=level.days)
            with freeze_time(day):
                messages = engine._run(company, day, partners=client)
                for message in messages.filtered(lambda m: m.state == "waiting"):
                    message.action_validate()
            for message in messages:
                actions = ", ".join(
                    a.strip("_").replace("dunning_action_", "")
                    for a in message.level_id._get_level_actions()
                )
                print(
                    f"{day!s:<11} {message.level_id.name:<22} "
                    f"{max(message.line_ids[:1].days_late, 0):>4} "
                    f"{message.interest:>9.2f} "
                    f"{message.indemnity:>9.2f} {message.amount_total:>9.2f}  "
                    f"{message.state}{' / ' + actions if actions else ''}"
                    f"{' / letter' if message.letter_id else ''}"
                )
        if invoice.dunning_penalty_move_id:
            penalty = invoice.dunning_penalty_move_id
            print(
                f"Penalty invoice {penalty.name}: {penalty.amount_total:.2f} EUR, "
                f"taxes {penalty.amount_tax:.2f}"
            )
        cr.rollback()


if __name__ == "__main__":
    main()
