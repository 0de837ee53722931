"""Issue 18, Deliver 2, 4 and 9: what a penalty invoice claims, table-driven.

Every figure below is computed by hand from legal-rules.md: interest = amount
due (taxes included) x yearly rate x days late / 365, per half-year segment,
rounded to the cent once per claim; ECB + 10 points: 13.15 % in 2025 H1,
12.15 % in 2025 H2; 40.00 EUR of indemnity once per late invoice. The ladder
is the shipped one (courtesy -3, friendly 1, firm 15, suspension 30, formal
notice 45, end of relationship 60 days, which issues the penalty invoice);
each level is run on its day and the levels that need a validation are
validated the same day.
"""

from datetime import date, timedelta

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

NBSP = "\N{NO-BREAK SPACE}"

# Reminder ladder cases: invoices of one client run through the ladder; the
# penalty invoices issued, in order, with (kind, amount) per line.
LADDER_CASES = [
    {
        "name": "one invoice, 60 days late",
        # 1,200.00 due 2025-06-20, penalty invoice on 2025-08-19 (day 60):
        # 1200 x 13.15 % x 10 / 365 (21-30 June)  =  4.32329
        # 1200 x 12.15 % x 50 / 365 (1 July-19 August) = 19.97260
        # interest 24.29589 -> 24.30; indemnity 40.00; total 64.30
        "invoices": [{"amount": 1200.0, "date": "2025-06-20", "halves": False}],
        "penalties": [[("interest", 24.30), ("indemnity", 40.0)]],
        "totals": [64.30],
    },
    {
        "name": "two installments",
        # 1,200.00 dated 2025-06-20: 600.00 due 2025-06-20, 600.00 due
        # 2025-07-20. First installment at day 60 (2025-08-19):
        # 600 x 13.15 % x 10 / 365 = 2.16164; 600 x 12.15 % x 50 / 365 =
        # 9.98630; interest 12.14795 -> 12.15, and the invoice's one 40.00.
        # Second installment at day 60 (2025-09-18): 600 x 12.15 % x 60 / 365
        # = 11.98356 -> 11.98, no second indemnity (not 80.00).
        "invoices": [{"amount": 1200.0, "date": "2025-06-20", "halves": True}],
        "penalties": [
            [("interest", 12.15), ("indemnity", 40.0)],
            [("interest", 11.98)],
        ],
        "totals": [52.15, 11.98],
    },
]

# Invoices paid late (Deliver 9): (amount, due, [(payment day, amount)]) per
# invoice of one client; the action on 2025-10-01 issues one penalty invoice.
PAID_LATE_CASES = [
    {
        "name": "paid 20 days late",
        # 1000 x 13.15 % x 10 / 365 = 3.60274; 1000 x 12.15 % x 10 / 365 =
        # 3.32877; 6.93151 -> 6.93; + 40.00 = 46.93
        "invoices": [(1000.0, "2025-06-20", [("2025-07-10", 1000.0)])],
        "lines": [("interest", 6.93), ("indemnity", 40.0)],
        "total": 46.93,
    },
    {
        "name": "half paid on day 10, the rest on day 30",
        # 1200 x 13.15 % x 10 / 365 = 4.32329 (the half paid on 30 June
        # reduces the base from 1 July); 600 x 12.15 % x 20 / 365 = 3.99452;
        # 8.31781 -> 8.32; + 40.00 = 48.32
        "invoices": [
            (1200.0, "2025-06-20", [("2025-06-30", 600.0), ("2025-07-20", 600.0)])
        ],
        "lines": [("interest", 8.32), ("indemnity", 40.0)],
        "total": 48.32,
    },
    {
        "name": "two invoices, one penalty invoice",
        # 6.93 + 40.00 as above; 500 x 12.15 % x 30 / 365 = 4.99315 -> 4.99
        # + 40.00; total 91.92
        "invoices": [
            (1000.0, "2025-06-20", [("2025-07-10", 1000.0)]),
            (500.0, "2025-07-01", [("2025-07-31", 500.0)]),
        ],
        "lines": [
            ("interest", 6.93),
            ("indemnity", 40.0),
            ("interest", 4.99),
            ("indemnity", 40.0),
        ],
        "total": 91.92,
    },
    {
        "name": "paid on the due date",
        "invoices": [(1000.0, "2025-06-20", [("2025-06-20", 1000.0)])],
        "lines": [],
        "total": 0.0,
    },
    {
        "name": "credited in full after the due date",
        # A credit note cancels from the due date: nothing was owed late.
        "invoices": [(1000.0, "2025-06-20", [("2025-07-10", "credit note")])],
        "lines": [],
        "total": 0.0,
    },
    {
        "name": "consumer paid late, no formal notice",
        # No interest before a formal notice, no indemnity (legal-rules 1).
        "consumer": True,
        "invoices": [(1000.0, "2025-06-20", [("2025-07-10", 1000.0)])],
        "lines": [],
        "total": 0.0,
    },
]


@tagged("post_install", "-at_install")
class TestClaimsPenalty(FreelanceDunningCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.interest_account = cls._create_income_account("763101", "Late interest")
        cls.indemnity_account = cls._create_income_account("758101", "Indemnities")
        cls.company.write(
            {
                "dunning_interest_account_id": cls.interest_account.id,
                "dunning_indemnity_account_id": cls.indemnity_account.id,
            }
        )
        cls.halves = cls.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50, "nb_days": 30}
                    ),
                ],
            }
        )

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    @classmethod
    def _create_income_account(cls, code, name):
        return cls.env["account.account"].create(
            {
                "code": code,
                "name": name,
                "account_type": "income_other",
                "company_ids": [Command.set(cls.company.ids)],
            }
        )

    def _client(self, name, consumer=False):
        if consumer:
            return self.env["res.partner"].create(
                {"name": name, "email": "consumer@example.com", "lang": "en_US"}
            )
        return self._create_client(name, email="ap@example.com", lang="en_US")

    def _invoice(self, client, amount, day, halves=False, due=None):
        values = {"currency_id": self.eur.id, "invoice_date": day}
        if halves:
            values["invoice_payment_term_id"] = self.halves.id
        else:
            values["invoice_date_due"] = due or day
        return self._create_invoice(client, amount, **values)

    def _pay(self, invoice, amount, day):
        with freeze_time(day):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"amount": amount, "payment_date": day})._create_payments()

    def _ladder_days(self, due):
        due = date.fromisoformat(due) if isinstance(due, str) else due
        return [due + timedelta(days=level.days) for level in self.levels]

    def _run_days(self, client, days):
        """The engine's run of the client on each day, the waiting reminders
        validated, their emails delivered (the level actions run then)."""
        reminders = self.env["freelance.dunning.reminder"]
        for day in sorted(set(days)):
            with freeze_time(day):
                run = self.engine._run(self.company, day, partners=client)
                waiting = run.filtered(lambda r: r.state == "waiting")
                if waiting:
                    waiting.action_validate()
                    self._send_in_background()
            self._deliver_reminder_emails(day)
            reminders |= run
        return reminders

    def _penalties(self, client):
        return self.env["account.move"].search(
            [("partner_id", "=", client.id), ("dunning_penalty_invoice", "=", True)],
            order="id",
        )

    @staticmethod
    def _claimed(penalty):
        return [
            (line.dunning_penalty_kind, line.price_subtotal)
            for line in penalty.invoice_line_ids
        ]

    # ------------------------------------------------------------------
    # Deliver 2 and 4: the ladder's penalty invoices
    # ------------------------------------------------------------------

    def test_ladder_penalty_invoices(self):
        for case in LADDER_CASES:
            with self.subTest(case=case["name"]):
                client = self._client(case["name"])
                days = []
                for spec in case["invoices"]:
                    invoice = self._invoice(
                        client, spec["amount"], spec["date"], halves=spec["halves"]
                    )
                    for line in self._receivable(invoice):
                        days += self._ladder_days(line.date_maturity)
                self._run_days(client, days)
                penalties = self._penalties(client)
                self.assertEqual(
                    [self._claimed(penalty) for penalty in penalties],
                    case["penalties"],
                )
                self.assertEqual(penalties.mapped("amount_total"), case["totals"])
                self.assertEqual(set(penalties.mapped("state")), {"posted"})
                self.assertFalse(penalties.invoice_line_ids.tax_ids, "no VAT")
                for line in penalties.invoice_line_ids:
                    self.assertEqual(
                        line.account_id,
                        self.interest_account
                        if line.dunning_penalty_kind == "interest"
                        else self.indemnity_account,
                    )

    def test_one_indemnity_per_invoice_in_a_reminder(self):
        """On 2025-08-04 the first installment reaches the formal notice and
        the second the firm reminder: both state penalties, the invoice's
        indemnity is claimed once (40.00, not 80.00)."""
        client = self._client("Two halves")
        invoice = self._invoice(client, 1200.0, "2025-06-20", halves=True)
        first, second = self._receivable(invoice).sorted("date_maturity")
        reminders = self._run_days(
            client,
            self._ladder_days(first.date_maturity)[:5]
            + self._ladder_days(second.date_maturity)[:3],
        )
        notice = reminders.filtered(lambda r: r.date == date(2025, 8, 4))
        self.assertEqual(len(notice.line_ids.move_line_id), 2)
        self.assertEqual(notice.indemnity, 40.0)
        # 600 x (13.15 % x 10 + 12.15 % x 35) / 365 = 9.15205 -> 9.15 and
        # 600 x 12.15 % x 15 / 365 = 2.99589 -> 3.00
        self.assertEqual(notice.interest, 12.15)
        self.assertEqual(notice.amount_total, 1252.15)

    def test_penalty_invoice_label_and_accounts(self):
        client = self._client("Label client")
        invoice = self._invoice(client, 1200.0, "2025-06-20")
        self._run_days(client, self._ladder_days("2025-06-20"))
        penalty = self._penalties(client)
        self.assertEqual(invoice.dunning_penalty_move_id, penalty)
        self.assertEqual(
            penalty.invoice_line_ids.mapped("name"),
            [
                f"Late interest on {invoice.name}, installment due 06/20/2025, "
                "from 06/21/2025 to 08/19/2025:\n"
                f"1,200.00{NBSP}€ x 13.15 % x 10 days / 365 (06/21/2025 to "
                "06/30/2025)\n"
                f"1,200.00{NBSP}€ x 12.15 % x 50 days / 365 (07/01/2025 to "
                "08/19/2025)",
                f"Fixed indemnity for recovery costs on {invoice.name} (Code de "
                f"commerce, L441-10 and D441-5): 40.00{NBSP}€",
            ],
        )

    def test_penalty_invoice_in_the_clients_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        client = self._client("Client francais")
        client.lang = "fr_FR"
        invoice = self._invoice(client, 1200.0, "2025-06-20")
        self._run_days(client, self._ladder_days("2025-06-20"))
        penalty = self._penalties(client)
        self.assertEqual(
            penalty.invoice_line_ids.mapped("name"),
            [
                f"Intérêts de retard sur {invoice.name}, échéance du 20/06/2025, "
                f"du 21/06/2025 au 19/08/2025{NBSP}:\n"
                f"1{NBSP}200,00{NBSP}€ x 13,15{NBSP}% x 10 jours / 365 (du 21/06/2025 "
                "au 30/06/2025)\n"
                f"1{NBSP}200,00{NBSP}€ x 12,15{NBSP}% x 50 jours / 365 (du 01/07/2025 "
                "au 19/08/2025)",
                "Indemnité forfaitaire pour frais de recouvrement sur "
                f"{invoice.name} (Code de commerce, L441-10 et D441-5){NBSP}: "
                f"40,00{NBSP}€",
            ],
        )

    def test_penalty_invoice_60_days_on_is_never_reminded(self):
        """The penalty invoice of 2025-08-19 is due at once: on each level's
        day after it (up to 60 days on, 2025-10-18) nothing reminds it, no
        interest, indemnity, suspension or second penalty invoice."""
        client = self._client("Penalty only")
        invoice = self._invoice(client, 1200.0, "2025-06-20")
        self._run_days(client, self._ladder_days("2025-06-20"))
        penalty = self._penalties(client)
        self.assertEqual(penalty.amount_total, 64.30)
        self._pay(invoice, 1200.0, "2025-08-25")
        self.assertEqual(penalty.invoice_date_due, date(2025, 8, 19))
        days = self._ladder_days(penalty.invoice_date_due) + [date(2025, 10, 19)]
        self.assertEqual(days[-2], date(2025, 10, 18), "60 days on")
        self.assertFalse(self._run_days(client, days))
        with freeze_time("2025-10-19"):
            self.assertFalse(self.engine._plan(self.company, date(2025, 10, 19)))
            self.assertFalse(penalty.dunning_next_date)
            self.assertFalse(penalty.dunning_penalty_due)
        self.assertFalse(self._receivable(penalty).dunning_level_id)
        self.assertEqual(self._penalties(client), penalty, "no second one")

    # ------------------------------------------------------------------
    # Deliver 9: invoices paid late
    # ------------------------------------------------------------------

    def test_paid_late_invoiced_in_one_penalty_invoice(self):
        for case in PAID_LATE_CASES:
            with self.subTest(case=case["name"]):
                client = self._client(case["name"], consumer=case.get("consumer"))
                invoices = self.env["account.move"]
                for amount, due, payments in case["invoices"]:
                    invoice = self._invoice(client, amount, due)
                    for day, paid in payments:
                        if paid == "credit note":
                            with freeze_time(day):
                                invoice._reverse_moves(
                                    [{"date": day, "invoice_date": day}], cancel=True
                                )
                        else:
                            self._pay(invoice, paid, day)
                    invoices |= invoice
                self.assertFalse(
                    any(self._receivable(invoices).mapped("amount_residual"))
                )
                with freeze_time("2025-10-01"):
                    self.assertEqual(
                        sum(invoices.mapped("dunning_penalty_due")), case["total"]
                    )
                    if not case["lines"]:
                        with self.assertRaisesText(
                            UserError, "No late payment penalty to invoice for"
                        ):
                            client.action_invoice_late_payment_penalties()
                        self.assertFalse(self._penalties(client))
                        continue
                    action = client.action_invoice_late_payment_penalties()
                penalty = self._penalties(client)
                self.assertEqual(action["domain"], [("id", "in", penalty.ids)])
                self.assertEqual(self._claimed(penalty), case["lines"])
                self.assertEqual(penalty.amount_total, case["total"])
                self.assertEqual(penalty.invoice_date, date(2025, 10, 1))
                with freeze_time("2025-10-02"):
                    self.assertEqual(sum(invoices.mapped("dunning_penalty_due")), 0)
                    with self.assertRaisesText(
                        UserError, "No late payment penalty to invoice for"
                    ):
                        client.action_invoice_late_payment_penalties()
                self.assertEqual(self._penalties(client), penalty, "billed once")

    def test_interest_after_the_penalty_invoice_billed_once_paid(self):
        """The penalty invoice of 2025-08-19 bills 24.30; paid on 2025-09-18,
        the invoice owes 1200 x (13.15 % x 10 + 12.15 % x 80) / 365 =
        36.27945 -> 36.28 in all: 36.28 - 24.30 = 11.98 are billed, from
        2025-08-20 (1200 x 12.15 % x 30 / 365 = 11.98356), no indemnity."""
        client = self._client("Paid after the penalty")
        invoice = self._invoice(client, 1200.0, "2025-06-20")
        self._run_days(client, self._ladder_days("2025-06-20"))
        first = self._penalties(client)
        self._pay(invoice, 1200.0, "2025-09-18")
        with freeze_time("2025-10-01"):
            self.assertEqual(invoice.dunning_penalty_due, 11.98)
            client.action_invoice_late_payment_penalties()
        rest = self._penalties(client) - first
        self.assertEqual(self._claimed(rest), [("interest", 11.98)])
        self.assertEqual(
            rest.invoice_line_ids.name,
            f"Late interest on {invoice.name}, installment due 06/20/2025, from "
            "08/20/2025 to 09/18/2025:\n"
            f"1,200.00{NBSP}€ x 12.15 % x 30 days / 365 (08/20/2025 to 09/18/2025)",
        )
        self.assertEqual(invoice.dunning_penalty_move_id, first, "the first one")

    def test_level_bills_invoices_paid_late_too(self):
        """End of relationship with *Include Invoices Paid Late*: 24.30 +
        40.00 of the unpaid invoice and 6.93 + 40.00 of the one paid 20 days
        late, in one penalty invoice of 111.23."""
        self._level("End of relationship").penalty_invoice_paid_late = True
        client = self._client("Both kinds")
        unpaid = self._invoice(client, 1200.0, "2025-06-20")
        paid = self._invoice(client, 1000.0, "2025-06-20")
        self._pay(paid, 1000.0, "2025-07-10")
        self._run_days(client, self._ladder_days("2025-06-20"))
        penalty = self._penalties(client)
        self.assertEqual(
            [
                (line.dunning_penalty_source_move_id, *claim)
                for line, claim in zip(
                    penalty.invoice_line_ids, self._claimed(penalty), strict=True
                )
            ],
            [
                (unpaid, "interest", 24.30),
                (unpaid, "indemnity", 40.0),
                (paid, "interest", 6.93),
                (paid, "indemnity", 40.0),
            ],
        )
        self.assertEqual(penalty.amount_total, 111.23)

    # ------------------------------------------------------------------
    # Accounts and who may write what
    # ------------------------------------------------------------------

    def test_french_chart_accounts_by_default(self):
        """Without accounts set, a company on the French chart books interest
        on 7631 and the indemnity on 7581 (the chart's xml ids, as Odoo's
        chart loader names them); without the French chart, the journal's
        income account (an empty account)."""
        self.company.write(
            {
                "dunning_interest_account_id": False,
                "dunning_indemnity_account_id": False,
            }
        )
        self.assertFalse(any(self.company._get_dunning_penalty_accounts().values()))
        french = {}
        for xmlid, code in (("pcg_7631", "763100"), ("pcg_7581", "758100")):
            account = self._create_income_account(code, xmlid)
            self.env["ir.model.data"].create(
                {
                    "module": "account",
                    "name": f"{self.company.id}_{xmlid}",
                    "model": "account.account",
                    "res_id": account.id,
                }
            )
            french[xmlid] = account
        self.company.chart_template = "fr"
        self.assertEqual(
            self.company._get_dunning_penalty_accounts(),
            {"interest": french["pcg_7631"], "indemnity": french["pcg_7581"]},
        )
        self.company.dunning_interest_account_id = self.interest_account
        self.assertEqual(
            self.company._get_dunning_penalty_accounts()["interest"],
            self.interest_account,
        )

    def test_refusals(self):
        invoice = self._invoice(self._client("Attacked"), 100.0, "2025-06-20")
        admin = self._create_user(
            "fd_penalty_admin", "base.group_system,account.group_account_manager"
        )
        cases = [
            (
                "accounts by a settings admin who is no dunning manager",
                lambda: self.company.with_user(admin).write(
                    {"dunning_interest_account_id": self.indemnity_account.id}
                ),
                self.company,
                ["dunning_interest_account_id"],
                AccessError,
                "Only a dunning manager may choose the accounts of the late "
                "interest and the recovery indemnity on penalty invoices.",
            ),
            (
                "an expense account",
                lambda: self.company.write(
                    {
                        "dunning_indemnity_account_id": self.company_data[
                            "default_account_expense"
                        ].id
                    }
                ),
                self.company,
                ["dunning_indemnity_account_id"],
                ValidationError,
                "is not an income account: choose an income account for Recovery "
                "Indemnity Account.",
            ),
            (
                "an invoice marked a penalty invoice by hand",
                lambda: invoice.with_user(self.manager).write(
                    {"dunning_penalty_invoice": True}
                ),
                invoice,
                ["dunning_penalty_invoice"],
                AccessError,
                "The penalty invoice of an invoice is issued and linked by its "
                "payment reminders only",
            ),
            (
                "a line marked as billing an invoice's interest",
                lambda: (
                    self._receivable(invoice)
                    .with_user(self.manager)
                    .write({"dunning_penalty_source_move_id": invoice.id})
                ),
                self._receivable(invoice),
                ["dunning_penalty_source_move_id"],
                AccessError,
                "Penalty invoices are issued by the payment reminders or the "
                "Invoice Late Payment Penalties action only",
            ),
            (
                "the action by a salesperson",
                lambda: invoice.partner_id.with_user(
                    self.salesman
                ).action_invoice_late_payment_penalties(),
                invoice,
                ["dunning_penalty_move_id"],
                AccessError,
                "Only a dunning manager may invoice late payment penalties.",
            ),
        ]
        for name, call, records, fnames, error, message in cases:
            with self.subTest(case=name):
                before = records.sudo().read(fnames)
                with self.assertRaisesText(error, message):
                    call()
                records.invalidate_recordset()
                self.assertEqual(records.sudo().read(fnames), before)

    # ------------------------------------------------------------------
    # Review of issue 18, part A: credits, interest billed once, time
    # limit and missing rates of invoices paid late, the penalty invoice's
    # own PDF
    # ------------------------------------------------------------------

    def _open_refund(self, client, amount, day):
        return self._post_open_refund(client, amount, day, self.eur)

    def _open_payment(self, client, amount, day):
        return self._post_open_payment(client, amount, day, self.eur)

    def test_penalties_due_net_of_open_credits(self):
        """Penalties Not Invoiced on 2025-10-01 of an open invoice of 1,000.00
        due 2025-06-20, with the client's open credits imputed as the
        reminders impute them (a credit note from the due date, a payment
        from its date)."""
        cases = [
            # (name, [(kind, amount, day)], interest base, penalties due)
            # 1000 x 13.15 % x 10 / 365 = 3.60274; 1000 x 12.15 % x 93 / 365
            # (1 July-1 October) = 30.95753; 34.56027 -> 34.56; + 40.00
            ("no credit", [], 1000.0, 74.56),
            # Covered: owes no penalty (no reminder claims it), not 40.00.
            ("credit note of 1,000.00", [("refund", 1000.0, "2025-07-10")], 0, 0.0),
            ("payment of 1,000.00", [("payment", 1000.0, "2025-07-10")], 0, 0.0),
            # Base 600 from the due date: 600 x 13.15 % x 10 / 365 = 2.16164;
            # 600 x 12.15 % x 93 / 365 = 18.57452; 20.73616 -> 20.74; + 40.00
            ("credit note of 400.00", [("refund", 400.0, "2025-07-10")], 600.0, 60.74),
        ]
        for name, credits, base, due in cases:
            with self.subTest(case=name):
                client = self._client(f"Credits {name}")
                invoice = self._invoice(client, 1000.0, "2025-06-20")
                for kind, amount, day in credits:
                    if kind == "refund":
                        self._open_refund(client, amount, day)
                    else:
                        self._open_payment(client, amount, day)
                with freeze_time("2025-10-01"):
                    self.assertEqual(invoice.dunning_penalty_due, due)
                    claims = self.env["account.move"]._get_penalty_claims(
                        self._receivable(invoice), date(2025, 10, 1)
                    )
                self.assertEqual(
                    {
                        seg.base
                        for c in claims
                        if c["kind"] == "interest"
                        for seg in c["segments"]
                    },
                    {base} if due else set(),
                )

    def test_penalty_invoice_label_net_of_an_open_credit_note(self):
        """1,200.00 due 2025-06-20 and an open credit note of 200.00 of
        2025-06-25: the reminders claim interest on 1,000.00 from the due
        date: 1000 x 13.15 % x 10 / 365 = 3.60274; 1000 x 12.15 % x 50 / 365
        = 16.64384; 20.24658 -> 20.25; the penalty invoice's label prints
        the base 1,000.00 that gives it."""
        client = self._client("Label net of credit")
        invoice = self._invoice(client, 1200.0, "2025-06-20")
        self._open_refund(client, 200.0, "2025-06-25")
        self._run_days(client, self._ladder_days("2025-06-20"))
        penalty = self._penalties(client)
        self.assertEqual(
            self._claimed(penalty), [("interest", 20.25), ("indemnity", 40.0)]
        )
        self.assertEqual(
            penalty.invoice_line_ids[0].name,
            f"Late interest on {invoice.name}, installment due 06/20/2025, "
            "from 06/21/2025 to 08/19/2025:\n"
            f"1,000.00{NBSP}€ x 13.15 % x 10 days / 365 (06/21/2025 to "
            "06/30/2025)\n"
            f"1,000.00{NBSP}€ x 12.15 % x 50 days / 365 (07/01/2025 to "
            "08/19/2025)",
        )

    def test_interest_billed_is_not_claimed_again(self):
        """A level 75 days late after the penalty invoice of day 60 (24.30
        billed): 1200 x (13.15 % x 10 + 12.15 % x 65) / 365 = 4.32329 +
        25.96438 = 30.28767 -> 30.29 in all, 30.29 - 24.30 = 5.99 claimed,
        no second indemnity."""
        end = self._level("End of relationship")
        end.copy(
            {
                "name": "After the end",
                "days": 75,
                "sequence": end.sequence + 1,
                "penalty_invoice": False,
                "penalty_invoice_paid_late": False,
                "blacklist_client": False,
                "suspend_work": False,
                "needs_validation": False,
            }
        )
        client = self._client("Billed once")
        self._invoice(client, 1200.0, "2025-06-20")
        self._run_days(client, self._ladder_days("2025-06-20"))
        self.assertEqual(self._penalties(client).amount_total, 64.30)
        reminder = self._run_days(client, [date(2025, 9, 3)])
        self.assertEqual(reminder.line_ids.level_id.name, "After the end")
        self.assertEqual(
            (reminder.interest, reminder.indemnity, reminder.amount_total),
            (5.99, 0.0, 1205.99),
        )

    def test_paid_late_within_five_years(self):
        """Paid 20 days late on 2025-07-10 (6.93 + 40.00, see PAID_LATE_CASES):
        claimable until 2030-07-10, five years after (Code de commerce,
        L110-4), not after."""
        client = self._client("Five years")
        invoice = self._invoice(client, 1000.0, "2025-06-20")
        self._pay(invoice, 1000.0, "2025-07-10")
        for day, due in (("2030-07-10", 46.93), ("2030-07-11", 0.0)):
            with self.subTest(day=day), freeze_time(day):
                invoice.invalidate_recordset(["dunning_penalty_due"])
                self.assertEqual(invoice.dunning_penalty_due, due)
                claims = self.env["account.move"]._get_late_payment_claims(
                    client, self.company, today=date.fromisoformat(day)
                )
                self.assertEqual(sum(claim["amount"] for claim in claims), due)

    def _paid_late_without_rates(self, client):
        """An invoice paid late in 2022 H2 (no rates shipped before 2023)
        and one paid 20 days late in 2025 (6.93 + 40.00)."""
        old = self._invoice(client, 1000.0, "2022-12-20")
        self._pay(old, 1000.0, "2023-01-10")
        recent = self._invoice(client, 1000.0, "2025-06-20")
        self._pay(recent, 1000.0, "2025-07-10")
        return old, recent

    def test_action_skips_an_invoice_without_rates(self):
        client = self._client("Old and recent")
        old, recent = self._paid_late_without_rates(client)
        with freeze_time("2025-10-01"):
            self.assertEqual(old.dunning_penalty_due, 0.0)
            self.assertEqual(recent.dunning_penalty_due, 46.93)
            action = client.action_invoice_late_payment_penalties()
        penalty = self._penalties(client)
        self.assertEqual(
            self._claimed(penalty), [("interest", 6.93), ("indemnity", 40.0)]
        )
        self.assertEqual(
            penalty.invoice_line_ids.dunning_penalty_source_move_id, recent
        )
        self.assertEqual(action["tag"], "display_notification")
        self.assertEqual(
            action["params"]["next"]["domain"], [("id", "in", penalty.ids)]
        )
        self.assertEqual(
            action["params"]["message"],
            f"Not invoiced, for want of late interest reference rates: {old.name}. "
            "Enter the rates of the half-year(s) starting 07/01/2022 (Invoicing, "
            "Configuration, Late Interest Rates), then invoice their penalties "
            "again.",
        )
        with (
            freeze_time("2025-10-02"),
            self.assertRaisesText(
                UserError,
                f"Not invoiced, for want of late interest reference rates: {old.name}.",
            ),
        ):
            client.action_invoice_late_payment_penalties()

    def test_level_skips_an_invoice_without_rates(self):
        """The level's other actions (blacklist, activities) and the penalty
        invoice of what has rates go on; the client's chatter names the
        invoice left out."""
        end = self._level("End of relationship")
        end.penalty_invoice_paid_late = True
        client = self._client("Level old and recent")
        old, recent = self._paid_late_without_rates(client)
        unpaid = self._invoice(client, 1200.0, "2025-06-20")
        reminders = self._run_days(client, self._ladder_days("2025-06-20"))
        penalty = self._penalties(client)
        self.assertEqual(
            penalty.invoice_line_ids.dunning_penalty_source_move_id, unpaid | recent
        )
        self.assertEqual(penalty.amount_total, 111.23)
        last = reminders.filtered(lambda r: r.line_ids.level_id == end)
        self.assertEqual(last.penalty_move_id, penalty)
        if end.blacklist_client:
            self.assertTrue(last.client_blacklisted)
        self.assertIn(
            f"Not invoiced, for want of late interest reference rates: {old.name}.",
            "\n".join(client.message_ids.mapped("body")),
        )

    def test_penalty_invoice_prints_no_late_payment_terms(self):
        client = self._client("Printed")
        invoice = self._invoice(client, 1200.0, "2025-06-20")
        self._run_days(client, self._ladder_days("2025-06-20"))
        report = self.env["ir.actions.report"]
        for move, printed in ((invoice, True), (self._penalties(client), False)):
            with self.subTest(move=move.name):
                html = report._render_qweb_html("account.account_invoices", move.ids)[
                    0
                ].decode()
                self.assertEqual("o_freelance_invoice_terms" in html, printed)
