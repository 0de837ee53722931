"""Time the three long clicks on the server, next to Odoo's own actions.

    .venv/bin/python tools/bench_interactive.py -c .run/odoo.conf
    .venv/bin/python tools/bench_interactive.py -c .run/odoo.conf --runs 40

What the browser waits for after a click is mostly the server's answer to the
button's request (README, "Clicks that return at once"). This script times
that answer for each click, on fresh records of the same shape, in one
process, next to the action Odoo itself runs on the same documents:

- *Confirm* of a signed quotation with a deposit, from its form (the button's
  context: its deposit invoice is created, posted and queued for sending right
  after the click, by a scheduled action woken up at once) vs Odoo's
  confirmation
  (``sale.order.action_confirm``) of the same quotation for a client exempt
  from deposits, where the addon's rules do not apply; and vs Odoo's actions
  making the same documents: its confirmation, its down payment invoice of the
  same 50 % (*Create Invoice*, ``sale.advance.payment.inv``) and *Confirm* on
  that invoice, as three requests (three clicks), then as one; and the
  background step itself (one run of the scheduled action issuing the
  deposit invoice) vs Odoo's down payment invoice and its *Confirm*;
- *Send Now* in *Run Reminders* opened on a client with two overdue invoices
  (the wizard saved, then its button: the reminder created and queued,
  "Sending") vs Odoo's *Send* of two such invoices through its queue
  (``account.move.send.batch.wizard`` saved, then *Send*: ``sending_data``
  set and the sending queue woken up, the PDFs and emails made by its
  scheduled action);
- *Validate and Send* of a formal notice waiting for validation (two invoices)
  vs Odoo's posting (``account.move.action_post``) of a draft invoice with a
  line for each of the notice's two invoices.

Every record is fresh and of the same shape for ours and Odoo's. Each click
is timed as a request: the cache emptied, the call, the flush and
the commit (Odoo's precommit: tracking values, notifications). Queries are
Odoo's SQL counter over the same span. The first ``--warm`` runs of each are
not counted. The database is the script's own, ``fd_bench_interactive``
(``--database``): built once with freelance_dunning installed without demo
data, kept for re-runs and updated to the addon's code at the start of each
(``--rebuild`` builds it again). The queued invoices
and reminders stay queued: no email leaves; the only scheduled action run is
the one issuing the deposit invoices after *Confirm*.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from datetime import timedelta

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_scale import (  # noqa: E402
    drop_database,
    install_addon,
    machine,
    open_env,
    psql,
)

DATABASE = "fd_bench_interactive"
TARGET = 1.5
SIGNATURE = "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs="


def install(args, update=False):
    """A fresh install of freelance_dunning without demo data, or, on the
    database kept from an earlier run, an update to the addon's code as it is
    now (its records, e.g. a new scheduled action, as the clicks expect)."""
    if not update:
        drop_database(args, args.database)
    install_addon(args.config, args.database, update=update)


class Clicks:
    """The fixtures and the clicks, ours and Odoo's, as the admin user."""

    def __init__(self, env):
        from odoo import api, fields

        root = env
        admin = root.ref("base.user_admin")
        admin.groups_id |= root.ref("freelance_dunning.group_dunning_manager")
        company = admin.company_id
        euro = root.ref("base.EUR")
        euro.active = True
        company.write(
            {
                "country_id": root.ref("base.fr").id,
                "currency_id": euro.id,
                "deposit_required": True,
                "deposit_percent": 50.0,
                "work_gate_required": True,
            }
        )
        if not company.nightly_reminders:
            company._switch_on_nightly_reminders()
        Level = root["freelance.dunning.level"]
        if not Level.search_count([("company_id", "=", company.id)]):
            Level._create_default_levels(company)
        self.levels = Level.search([("company_id", "=", company.id)])
        # The late interest rates of every half-year up to today (the data
        # files know those published when the addon was released): a
        # reminder whose interest has no rate waits instead of going.
        Rate = root["freelance.reference.rate"]
        known = Rate.search([], order="date_from desc", limit=1)
        today = fields.Date.context_today(Rate)
        start = known.date_from
        while True:
            start = (
                start.replace(month=7)
                if start.month == 1
                else start.replace(year=start.year + 1, month=1)
            )
            if start > today:
                break
            Rate.create(
                {
                    "date_from": start,
                    "ecb_rate": known.ecb_rate,
                    "legal_rate": known.legal_rate,
                }
            )
        product = root["product.product"].search(
            [("default_code", "=", "BENCH-DAY")], limit=1
        )
        if not product:
            product = root["product.product"].create(
                {
                    "name": "Website design (day)",
                    "default_code": "BENCH-DAY",
                    "type": "service",
                    "invoice_policy": "order",
                    "list_price": 500.0,
                }
            )
        root.cr.commit()
        self.root = root
        self.company = company
        self.product = product
        self.today = fields.Date.context_today(root["res.partner"])
        # What the web client sends with every request.
        self.env = api.Environment(
            root.cr,
            admin.id,
            {
                "lang": "en_US",
                "tz": admin.tz or "Europe/Paris",
                "uid": admin.id,
                "allowed_company_ids": [company.id],
            },
        )
        self.count = 0

    # -- fixtures (as the system, committed before the click) --------------

    def _client(self, label, **values):
        self.count += 1
        return self.root["res.partner"].create(
            {
                "name": f"Bench {label} {self.count}",
                "is_company": True,
                "email": f"bench-{label}-{self.count}@example.com",
                "lang": "en_US",
                **values,
            }
        )

    def _quote(self, client):
        order = self.root["sale.order"].create(
            {
                "partner_id": client.id,
                "order_line": [
                    (0, 0, {"product_id": self.product.id, "product_uom_qty": 2})
                ],
            }
        )
        order.write(
            {"signature": SIGNATURE, "signed_by": "Signatory", "signed_on": self.today}
        )
        return order

    def _invoice_values(self, client, days_late, amounts):
        day = self.today - timedelta(days=days_late)
        return {
            "move_type": "out_invoice",
            "partner_id": client.id,
            "invoice_date": day,
            "invoice_date_due": day,
            "invoice_line_ids": [
                (0, 0, {"name": "Design work", "quantity": 1, "price_unit": amount})
                for amount in amounts
            ],
        }

    def _overdue(self, client, days_late, count=2):
        moves = self.root["account.move"].create(
            [
                self._invoice_values(client, days_late, [600.0 + 100 * i])
                for i in range(count)
            ]
        )
        moves._post_without_email()
        return moves

    def confirm_ours(self):
        """The form's Confirm: its context has the deposit invoice issued
        right after the click (``freelance_deposit_in_background``); the
        check then runs that background step, untimed (see
        ``deposit_background``)."""
        order = self._quote(self._client("deposit"))

        def confirm(env):
            return (
                env["sale.order"]
                .browse(order.id)
                .with_context(
                    validate_analytic=True, freelance_deposit_in_background=True
                )
                .action_confirm()
            )

        def check():
            if order.state != "sale" or order.invoice_ids:
                return False
            self._issue_deposits(self.root)
            self.root.cr.commit()
            return self._deposit_issued(order)

        return confirm, check

    def _deposit_issued(self, order):
        invoice = order.deposit_invoice_ids
        return (
            order.state,
            invoice.state,
            invoice.send_at_once_state,
            invoice.amount_total == order.amount_total / 2,
        ) == ("sale", "posted", "pending", True)

    @staticmethod
    def _issue_deposits(env):
        """The scheduled action woken up by Confirm, as its runner calls it
        (the superuser, an empty context)."""
        from odoo import SUPERUSER_ID

        env(user=SUPERUSER_ID, context={})["sale.order"]._cron_issue_deposit_invoices()

    def deposit_background(self):
        """The background step after the form's Confirm: the deposit invoice
        created, posted and queued for sending, as one run of the scheduled
        action (one order waiting)."""
        order = self._quote(self._client("deposit"))
        order.with_context(freelance_deposit_in_background=True).action_confirm()
        if order.invoice_ids:
            raise RuntimeError("The deposit invoice was issued in the click")
        return self._issue_deposits, lambda: self._deposit_issued(order)

    def deposit_odoo(self):
        """Odoo's actions making the same invoice on a confirmed order: its
        down payment invoice of 50 % and *Confirm* on it, two requests."""
        requests, check = self.confirm_odoo_deposit()
        order_id = requests[0](self.root)
        self.root.cr.commit()
        invoice, post = requests[1:]
        return [lambda env: invoice(env, order_id), post], check

    def confirm_odoo(self):
        order = self._quote(self._client("exempt", deposit_policy="exempt"))
        return (
            lambda env: env["sale.order"].browse(order.id).action_confirm(),
            lambda: order.state == "sale" and not order.invoice_ids,
        )

    def confirm_odoo_deposit(self, one_request=False):
        """Odoo's actions making the same documents: its confirmation, then its
        down payment invoice (*Create Invoice*, the same 50 %) and *Confirm*
        on that invoice: three clicks in Odoo, their server times added."""
        order = self._quote(self._client("exempt", deposit_policy="exempt"))

        def confirm(env):
            env["sale.order"].browse(order.id).action_confirm()
            return order.id

        def invoice(env, order_id):
            wizard = (
                env["sale.advance.payment.inv"]
                .with_context(active_model="sale.order", active_ids=[order_id])
                .create({"advance_payment_method": "percentage", "amount": 50.0})
            )
            return wizard.create_invoices()["res_id"]

        def post(env, move_id):
            return env["account.move"].browse(move_id).action_post()

        def check():
            invoice = order.invoice_ids
            return (
                order.state == "sale"
                and invoice.state == "posted"
                and invoice.amount_total == order.amount_total / 2
            )

        if one_request:

            def all_three(env):
                return post(env, invoice(env, confirm(env)))

            return all_three, check
        return [confirm, invoice, post], check

    def confirm_odoo_deposit_one(self):
        """The same three actions of Odoo in one request: the work alone,
        without the cache refilled by each of Odoo's three clicks."""
        return self.confirm_odoo_deposit(one_request=True)

    def send_now_ours(self):
        client = self._client("run")
        invoices = self._overdue(client, 20)
        context = {"active_model": "res.partner", "active_ids": client.ids}

        def check():
            reminder = self.root["freelance.dunning.reminder"].search(
                [("partner_id", "=", client.id)]
            )
            return reminder.state == "queued" and reminder.line_ids.move_id == invoices

        return self._wizard_click(
            "freelance.dunning.run.wizard", context, "action_send"
        ), check

    def send_odoo(self):
        invoices = self._overdue(self._client("send"), 20)
        context = {"active_model": "account.move", "active_ids": invoices.ids}
        return self._wizard_click(
            "account.move.send.batch.wizard", context, "action_send_and_print"
        ), lambda: all(invoices.mapped("sending_data"))

    def _wizard_click(self, model, context, method):
        """A dialog's button: the web client saves the wizard (and reads its
        form's fields back), then calls the button in a second request."""
        spec = self._form_spec(model)

        def save(env):
            return env[model].with_context(**context).web_save({}, spec)[0]["id"]

        def click(env, wizard_id):
            return getattr(
                env[model].with_context(**context).browse(wizard_id), method
            )()

        return [save, click]

    def _form_spec(self, model):
        Model = self.env[model]
        fields_ = Model.get_views([(False, "form")])["models"][model]["fields"]
        spec = {}
        for name in fields_:
            field = Model._fields[name]
            if field.type in ("many2one", "one2many", "many2many"):
                spec[name] = {"fields": {"display_name": {}}}
            else:
                spec[name] = {}
        return spec

    def validate_ours(self):
        from odoo.addons.freelance_dunning.models.addon_writes import (
            DUNNING_HISTORY_WRITING,
            addon_writing,
        )

        client = self._client("notice")
        invoices = self._overdue(client, 50)
        suspension = self.levels.filtered(lambda lv: lv.days == 30)
        with addon_writing(self.root, DUNNING_HISTORY_WRITING):
            invoices.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            ).write(
                {
                    "dunning_level_id": suspension.id,
                    "dunning_last_date": self.today - timedelta(days=20),
                }
            )
        reminder = self.root["freelance.dunning.engine"]._run(
            self.company, partners=client
        )
        if reminder.state != "waiting":
            raise RuntimeError(f"The notice is {reminder.state}, not waiting")
        return (
            lambda env: (
                env["freelance.dunning.reminder"].browse(reminder.id).action_validate()
            ),
            lambda: (
                reminder.state == "queued" and reminder.line_ids.move_id == invoices
            ),
        )

    def validate_odoo(self):
        client = self._client("post")
        draft = self.root["account.move"].create(
            self._invoice_values(client, 0, [600.0, 700.0])
        )
        return (
            lambda env: env["account.move"].browse(draft.id).action_post(),
            lambda: draft.state == "posted",
        )


def time_click(clicks, requests):
    """Seconds and queries of the click's requests, each as Odoo serves one:
    a fresh cache, the call, the flush, the commit."""
    env = clicks.env
    cr = env.cr
    if callable(requests):
        requests = [requests]
    seconds = 0.0
    queries = 0
    result = None
    for request in requests:
        env.invalidate_all()
        start_count = cr.sql_log_count
        start = time.perf_counter()
        result = request(env) if result is None else request(env, result)
        env.flush_all()
        cr.commit()
        seconds += time.perf_counter() - start
        queries += cr.sql_log_count - start_count
    return seconds, queries


PAIRS = [
    (
        "Confirm (quote with a deposit)",
        "confirm_ours",
        "Odoo's confirm",
        "confirm_odoo",
    ),
    (
        "Confirm (quote with a deposit)",
        "confirm_ours",
        "+ deposit invoice",
        "confirm_odoo_deposit",
    ),
    (
        "Confirm (quote with a deposit)",
        "confirm_ours",
        "same, 1 request",
        "confirm_odoo_deposit_one",
    ),
    (
        "  deposit invoice, in the background",
        "deposit_background",
        "Odoo's inv.+post",
        "deposit_odoo",
    ),
    ("Send Now (Run Reminders, 1 client)", "send_now_ours", "Odoo's Send", "send_odoo"),
    ("Validate and Send (reminder)", "validate_ours", "Odoo's post", "validate_odoo"),
]


def percentile(values, fraction):
    values = sorted(values)
    index = min(len(values) - 1, max(0, round(fraction * (len(values) - 1))))
    return values[index]


def measure(clicks, runs, warm, only=None):
    results = []
    for label, ours, ref_label, ref in PAIRS:
        group = "confirm" if ours == "deposit_background" else ours.split("_")[0]
        if only and group not in only:
            continue
        figures = {ours: ([], []), ref: ([], [])}
        for index in range(warm + runs):
            # Interleaved, so that a busy moment of the machine hits both.
            for name in (ours, ref) if index % 2 else (ref, ours):
                requests, check = getattr(clicks, name)()
                clicks.root.cr.commit()
                seconds, queries = time_click(clicks, requests)
                clicks.root.invalidate_all()
                if not check():
                    raise RuntimeError(f"{name}: the click did not do its work")
                if index >= warm:
                    figures[name][0].append(seconds)
                    figures[name][1].append(queries)
        results.append((label, ref_label, figures[ours], figures[ref]))
    return results


def report(results, runs):
    print(
        f"Interactive paths, server side (call + flush + commit), {runs} runs each, "
        "median / p90 in ms, queries per call"
    )
    print(machine())
    header = (
        f"{'click':36} {'ours ms':>15} {'q':>4}   {'Odoo reference':16} "
        f"{'ms':>15} {'q':>4}   {'ratio':>5} {'q ratio':>7}  target {TARGET} x"
    )
    print(header)
    print("-" * len(header))
    for label, ref_label, ours, ref in results:
        ours_median = statistics.median(ours[0]) * 1000
        ref_median = statistics.median(ref[0]) * 1000
        ours_q = statistics.median(ours[1])
        ref_q = statistics.median(ref[1])
        ratio = ours_median / ref_median
        print(
            f"{label:36} "
            f"{ours_median:7.0f} / {percentile(ours[0], 0.9) * 1000:5.0f} {ours_q:4.0f}"
            f"   {ref_label:16} "
            f"{ref_median:7.0f} / {percentile(ref[0], 0.9) * 1000:5.0f} {ref_q:4.0f}"
            f"   {ratio:5.2f} {ours_q / ref_q:7.2f}  "
            f"{'met' if ratio <= TARGET else 'NOT met'}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("--database", default=DATABASE)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--warm", type=int, default=3)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument(
        "--only", nargs="*", choices=("confirm", "send", "validate"), default=None
    )
    parser.add_argument(
        "--profile", help="cProfile the measured runs into this file (.prof)"
    )
    args = parser.parse_args()
    exists = psql(args, f"SELECT 1 FROM pg_database WHERE datname = '{args.database}'")
    install(args, update=bool(exists) and not args.rebuild)
    env = open_env(args.config, args.database)
    logging.getLogger("odoo").setLevel(logging.WARNING)
    clicks = Clicks(env)
    only = set(args.only or ())
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
        results = measure(clicks, args.runs, args.warm, only)
        profiler.disable()
        profiler.dump_stats(args.profile)
    else:
        results = measure(clicks, args.runs, args.warm, only)
    env.cr.close()
    report(results, args.runs)


if __name__ == "__main__":
    main()
