"""Measure the deposit path on many quotations; prints figures, changes nothing.

    .venv/bin/python tools/bench_deposits.py -c .run/odoo.conf -d freelance_dunning \
        --orders 300 [--email]

Creates N quotations with a 50/25/25 schedule, confirms them (deposit invoice
created through Odoo's down payments and posted; emailed with its PDF only with
--email), registers one batch payment for all deposit invoices, and reads the
deposit status of every order. Everything is rolled back at the end.
"""

import argparse
import time

import odoo
from odoo import api
from odoo.fields import Command
from odoo.tools import config


def timed(cr, label, count, func):
    start_queries = cr.sql_log_count
    start = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - start
    queries = cr.sql_log_count - start_queries
    print(
        f"{label:<46} {elapsed:7.2f} s {elapsed / count * 1000:7.1f} ms/order"
        f" {queries / count:6.1f} queries/order"
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument(
        "--email", action="store_true", help="email each deposit invoice"
    )
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "--log-level", "warn"])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {})
        company = env.company
        product = env["product.product"].create(
            {
                "name": "Bench service",
                "type": "service",
                "list_price": 1000.0,
                "invoice_policy": "order",
            }
        )
        schedule = env["freelance.payment.schedule"].create(
            {
                "name": "Bench 50/25/25",
                "company_id": company.id,
                "installment_ids": [
                    Command.create(
                        {"sequence": 1, "percent": 50, "trigger": "signature"}
                    ),
                    Command.create(
                        {"sequence": 2, "percent": 25, "trigger": "milestone"}
                    ),
                    Command.create(
                        {"sequence": 3, "percent": 25, "trigger": "delivery"}
                    ),
                ],
            }
        )
        partners = env["res.partner"].create(
            [
                {"name": f"Bench client {i}", "email": f"bench{i}@example.com"}
                for i in range(args.orders)
            ]
        )
        SaleOrder = env["sale.order"].with_context(mail_notrack=True)
        n = args.orders
        print(f"{n} quotations, database {args.database}, email: {args.email}")
        orders = timed(
            cr,
            "create quotations (schedule, installments)",
            n,
            lambda: SaleOrder.create(
                [
                    {
                        "partner_id": partner.id,
                        "payment_schedule_id": schedule.id,
                        "order_line": [Command.create({"product_id": product.id})],
                    }
                    for partner in partners
                ]
            ).with_env(SaleOrder.env),
        )
        env.flush_all()
        timed(
            cr,
            "confirm (deposit invoice created, posted)",
            n,
            lambda: (
                [
                    order.action_confirm()
                    if args.email
                    else order._action_confirm_without_email()
                    for order in orders
                ]
                and env.flush_all()
            ),
        )
        invoices = orders.deposit_invoice_ids
        assert len(invoices) == n, len(invoices)
        timed(
            cr,
            "pay all deposits (one batch payment)",
            n,
            lambda: (
                env["account.payment.register"]
                .with_context(active_model="account.move", active_ids=invoices.ids)
                .create({"group_payment": False})
                ._create_payments()
                and env.flush_all()
            ),
        )
        env.invalidate_all()
        states = timed(
            cr,
            "read deposit status of every order",
            n,
            lambda: set(orders.mapped("deposit_state")),
        )
        print(f"deposit states after payment: {sorted(states)}")
        # Baseline: Odoo alone, the same deposit made by hand with its own
        # down-payment wizard, on orders without our deposit rule.
        plain = SaleOrder.create(
            [
                {
                    "partner_id": partner.id,
                    "deposit_required": False,
                    "order_line": [Command.create({"product_id": product.id})],
                }
                for partner in partners
            ]
        )
        env.flush_all()

        def odoo_alone():
            for order in plain:
                order.action_confirm()
                wizard = env["sale.advance.payment.inv"].create(
                    {
                        "sale_order_ids": [Command.set(order.ids)],
                        "advance_payment_method": "fixed",
                        "fixed_amount": order.amount_total / 2,
                    }
                )
                wizard._create_invoices(order).action_post()
            env.flush_all()

        timed(cr, "baseline: Odoo confirm + its down payment, posted", n, odoo_alone)
        cr.rollback()


if __name__ == "__main__":
    main()
