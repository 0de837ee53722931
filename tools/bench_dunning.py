"""Measure the dunning run on many overdue invoices; prints figures, changes nothing.

    .venv/bin/python tools/bench_dunning.py -c .run/odoo.conf -d freelance_dunning \\
        --clients 2000 --invoices-per-client 5 [--send 50]

Creates clients with overdue invoices (inserted in bulk through the ORM, then
posted), then measures: planning a run over all of them (what the preview and
the scheduled action compute: levels, interest, indemnity), creating the
reminders and history without sending, and sending --send of them (email with
the invoices' PDF). Everything is rolled back at the end.
"""

import argparse
import time
import tracemalloc
from datetime import date

import odoo
from odoo import api
from odoo.fields import Command
from odoo.tools import config


def measure(cr, label, count, unit, func):
    queries = cr.sql_log_count
    tracemalloc.start()
    start = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - start
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"{label:<44} {elapsed:8.2f} s {elapsed / count * 1000:8.2f} ms/{unit} "
        f"{(cr.sql_log_count - queries) / count:7.2f} queries/{unit} "
        f"peak {peak / 2**20:7.1f} MiB"
    )
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--clients", type=int, default=2000)
    parser.add_argument("--invoices-per-client", type=int, default=5)
    parser.add_argument("--send", type=int, default=20)
    parser.add_argument(
        "--sent-pdf",
        action="store_true",
        help="give each invoice a stored PDF, as Odoo keeps when it sends one",
    )
    args = parser.parse_args()
    config.parse_config(["-c", args.config, "--log-level", "error"])
    registry = odoo.modules.registry.Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, odoo.SUPERUSER_ID, {"tracking_disable": True})
        company = env.company
        env["freelance.dunning.level"]._create_default_levels(company)
        engine = env["freelance.dunning.engine"]
        clients = env["res.partner"].create(
            [
                {
                    "name": f"Bench client {i}",
                    "is_company": True,
                    "email": f"bench{i}@example.com",
                }
                for i in range(args.clients)
            ]
        )
        n_invoices = args.clients * args.invoices_per_client
        start = time.perf_counter()
        invoices = env["account.move"].create(
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": client.id,
                    "invoice_date": "2025-05-01",
                    "invoice_date_due": date(2025, 5, 1 + (k * 7) % 28),
                    "invoice_line_ids": [
                        Command.create(
                            {"name": "Work", "quantity": 1, "price_unit": 500.0}
                        )
                    ],
                }
                for client in clients
                for k in range(args.invoices_per_client)
            ]
        )
        invoices.action_post()
        if args.sent_pdf:
            for invoice in invoices:
                invoice.invoice_pdf_report_id = env["ir.attachment"].create(
                    {
                        "name": f"{invoice.name}.pdf",
                        "raw": b"%PDF-1.4 bench",
                        "res_model": "account.move",
                        "res_id": invoice.id,
                        "res_field": "invoice_pdf_report_file",
                    }
                )
        env.flush_all()
        print(
            f"setup: {len(clients)} clients, {n_invoices} posted overdue invoices "
            f"in {time.perf_counter() - start:.0f} s"
        )
        today = date(2025, 7, 1)
        env.invalidate_all()
        plan = measure(
            cr,
            "plan a run (levels, interest, indemnity)",
            n_invoices,
            "invoice",
            lambda: engine._plan(company, today),
        )
        lines = sum(len(items) for items in plan.values())
        print(f"  -> {len(plan)} reminders, {lines} invoice lines")
        keys = list(plan)
        to_create = keys[args.send :]
        measure(
            cr,
            "create reminders + history (no sending)",
            len(to_create),
            "client",
            lambda: (
                [
                    engine._create_reminder(
                        company, partner, currency, today, plan[(partner, currency)]
                    )
                    for partner, currency in to_create
                ]
                and env.flush_all()
            ),
        )
        sample = env["freelance.dunning.reminder"].browse(
            [
                engine._create_reminder(
                    company, partner, currency, today, plan[(partner, currency)]
                ).id
                for partner, currency in keys[: args.send]
            ]
        )
        measure(
            cr,
            f"send {len(sample)} reminders (email + invoice PDFs)",
            len(sample),
            "client",
            lambda: sample._send() or env.flush_all(),
        )
        cr.rollback()


if __name__ == "__main__":
    main()
