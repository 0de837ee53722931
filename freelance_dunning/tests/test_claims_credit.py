"""What the client owes (issue 18, items 1 and 6), case by case.

Every case is a row of a table: its inputs and the figures computed by hand
(the computation is written beside them), run through the real engine. Rates
of the shipped table, France, no contractual rate: ECB + 10 points, 13.15 % in
2025 H1 and 12.15 % in 2025 H2. Interest = base x rate x days / 365, rounded
to the cent at the end.
"""

from contextlib import contextmanager
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

H1 = 0.1315  # 2025 H1: ECB 3.15 % + 10
H2 = 0.1215  # 2025 H2: ECB 2.15 % + 10


def interest(*segments):
    """Hand computation: sum of base x rate x days / 365, rounded at the end."""
    return round(sum(base * rate * days / 365 for base, rate, days in segments), 2)


@tagged("post_install", "-at_install")
class TestClaimsCredit(FreelanceDunningCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.usd = cls.company.currency_id
        cls.dashboard = cls.env["freelance.dunning.dashboard"]

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    @contextmanager
    def _case(self, name):
        """One row of a table, in a subtest, rolled back after it."""
        with self.subTest(name), self.env.cr.savepoint(flush=True) as savepoint:
            try:
                yield
            finally:
                self.env.flush_all()
                savepoint.rollback()
                self.env.invalidate_all()

    # Fixtures -------------------------------------------------------------

    def _invoice(self, amount, due, invoice_date=None, currency=None, **values):
        return self._create_invoice(
            None,
            amount,
            due,
            invoice_date=invoice_date or due,
            currency_id=(currency or self.eur).id,
            **values,
        )

    def _refund(self, amount, day, currency=None):
        """An open credit note of the client, dated and due ``day``."""
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": self.client.id,
                "invoice_date": day,
                "invoice_date_due": day,
                "currency_id": (currency or self.eur).id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Design work credited",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        return refund

    def _payment(self, amount, day, currency=None):
        """A payment of the client received ``day``, reconciled with nothing."""
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": self.client.id,
                "amount": amount,
                "date": day,
                "currency_id": (currency or self.eur).id,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment

    def _run(self, day, **kwargs):
        with freeze_time(day):
            return self.engine._run(self.company, date.fromisoformat(day), **kwargs)

    def _set_level(self, invoice, name, day):
        """The invoice reached level ``name`` on ``day`` (as a run would)."""
        with self._as_dunning_engine():
            self._receivable(invoice).write(
                {"dunning_level_id": self._level(name).id, "dunning_last_date": day}
            )

    def _figures(self, reminder):
        return {
            (e.move_id, e.amount_residual, e.amount_credited, e.interest, e.indemnity)
            for e in reminder.line_ids
        }

    # Item 1: credit notes and unreconciled payments -----------------------

    def test_credits_reduce_what_is_claimed(self):
        """Invoice 1,200.00 EUR due 2025-06-20, friendly reminder on 06-21,
        firm reminder run on 2025-07-05: 10 days late in H1 (06-21..06-30)
        and 5 in H2 (07-01..07-05)."""
        cases = [
            # (name, credits, expected: claimed, credited, interest, indemnity)
            ("no credit", [], (1200.0, 0.0, interest((1200, H1, 10), (1200, H2, 5)))),
            # 800 x 13.15 % x 10 / 365 = 2.88 + 800 x 12.15 % x 5 / 365 = 1.33
            (
                "open credit note of 400 (dated 07-01): cancels from the due date",
                [("refund", 400.0, "2025-07-01", False)],
                (800.0, 400.0, interest((800, H1, 10), (800, H2, 5))),
            ),
            # The same credit note reconciled with the invoice: same figures
            # (the old code took it as a payment of 07-01: 5.79).
            (
                "credit note of 400 reconciled with the invoice",
                [("refund", 400.0, "2025-07-01", True)],
                (800.0, 0.0, interest((800, H1, 10), (800, H2, 5))),
            ),
            # 1,200 for 06-21..06-30 (10 days H1) then 700 for 07-01..07-05.
            (
                "unreconciled payment of 500 received 06-30",
                [("payment", 500.0, "2025-06-30", False)],
                (700.0, 500.0, interest((1200, H1, 10), (700, H2, 5))),
            ),
            # A credit in another currency pays nothing of a EUR invoice.
            (
                "credit note of 400 in USD",
                [("refund_usd", 400.0, "2025-06-10", False)],
                (1200.0, 0.0, interest((1200, H1, 10), (1200, H2, 5))),
            ),
        ]
        for name, credits, (claimed, credited, expected_interest) in cases:
            with self._case(name):
                invoice = self._invoice(1200.0, "2025-06-20")
                self._set_level(invoice, "Friendly reminder", "2025-06-21")
                for kind, amount, day, reconcile in credits:
                    if kind == "payment":
                        credit = self._payment(amount, day).move_id
                    else:
                        currency = self.usd if kind == "refund_usd" else None
                        credit = self._refund(amount, day, currency)
                    if reconcile:
                        (
                            self._receivable(invoice) | self._receivable(credit)
                        ).reconcile()
                firm = self._run("2025-07-05")
                self.assertEqual(firm.level_id, self._level("Firm reminder"))
                self.assertEqual(
                    self._figures(firm),
                    {(invoice, claimed, credited, expected_interest, 40.0)},
                )
                self.assertEqual(firm.amount_residual, claimed)
                self.assertAlmostEqual(
                    firm.amount_total, claimed + expected_interest + 40.0, places=2
                )

    def test_net_balance_not_positive_is_not_reminded(self):
        """Open invoices 600.00 (due 06-10) and 1,200.00 (due 06-20); the
        client's credits are imputed on the oldest debt first. Run 06-21."""
        cases = [
            # (name, credit note amount, expected {invoice amount: claimed})
            (
                "credit 1,000: first paid, second 1,200 - 400 = 800",
                1000.0,
                {1200: 800.0},
            ),
            ("credit 1,800: net 0, nothing sent", 1800.0, {}),
            ("credit 2,000: net -200, nothing sent", 2000.0, {}),
            (
                "credit 500: first 600 - 500 = 100, second whole",
                500.0,
                {600: 100.0, 1200: 1200.0},
            ),
        ]
        for name, credit, expected in cases:
            with self._case(name):
                first = self._invoice(600.0, "2025-06-10")
                second = self._invoice(1200.0, "2025-06-20")
                self._refund(credit, "2025-06-15")
                reminder = self._run("2025-06-21")
                self.assertEqual(
                    {
                        int(e.move_id.amount_total): e.amount_residual
                        for e in reminder.line_ids
                    },
                    expected,
                )
                if expected:
                    self.assertEqual(reminder.amount_residual, sum(expected.values()))
                    self.assertEqual(
                        reminder.level_id, self._level("Friendly reminder")
                    )
                self.assertEqual(first.payment_state, "not_paid", "nothing reconciled")
                self.assertEqual(second.amount_residual, 1200.0)
                # The client's Total Overdue: 1,800.00 overdue less the
                # credit, never below zero (1,800 - 1,000 = 800; 1,800 - 500
                # = 1,300).
                with freeze_time("2025-06-21"):
                    self.client.invalidate_recordset(["dunning_amount_overdue"])
                    self.assertEqual(
                        self.client.dunning_amount_overdue,
                        max(1800.0 - credit, 0.0),
                    )

    @freeze_time("2025-09-01")
    def test_dashboard_counts_credits(self):
        """Today 2025-09-01. Invoice 1,000.00 (dated 07-02, due 08-01: 31 days
        late), open credit note 400.00 (dated and due 08-15: 17 days), open
        payment 100.00 (08-20: 12 days), all in the company's currency."""
        self._create_invoice(amount=1000.0, due="2025-08-01", invoice_date="2025-07-02")
        self._refund(400.0, "2025-08-15", self.usd)
        self._payment(100.0, "2025-08-20", self.usd)
        data = self.dashboard.get_dashboard_data()
        aging = {row["key"]: row["amount"] for row in data["aging"]}
        cases = [
            # (figure, expected, computation)
            ("receivables", data["total_amount"], 500.0),  # 1000 - 400 - 100
            ("overdue", data["overdue_amount"], 500.0),  # all three past due
            ("open invoices", data["invoice_count"], 1),
            ("not due", aging["not_due"], 0.0),
            ("1-30 days", aging["1_30"], -500.0),  # credit note + payment
            ("31-60 days", aging["31_60"], 1000.0),  # the invoice
            ("aged total", sum(aging.values()), 500.0),
            # Sales 07-02..09-01: 1000 - 400 = 600; 500 / 600 x 90 = 75 days.
            ("DSO", data["dso"]["days"], 75),
        ]
        for name, computed, expected in cases:
            with self.subTest(name):
                self.assertEqual(computed, expected)

    # Item 6: figures as of sending ----------------------------------------

    def test_figures_as_of_the_day_sent(self):
        """Invoice 1,200.00 EUR due 2025-06-20. Planned on one day, sent on a
        later one: date, deadline, level, days, interest are the sending
        day's."""
        cases = [
            # (name, level reached and when, planned, sent, by: validate or
            #  run of a past date, expected level, deadline, days late,
            #  interest)
            # Formal notice (45 days: 08-04), validated 08-10: 10 days H1 +
            # 41 days H2 (07-01..08-10) = 20.70; deadline 08-10 + 8 days.
            (
                "formal notice validated 6 days after planning",
                ("Suspension notice", "2025-07-20"),
                "2025-08-04",
                "2025-08-10",
                "validate",
                "Formal notice",
                date(2025, 8, 18),
                51,
                interest((1200, H1, 10), (1200, H2, 41)),
            ),
            # Run by an accountant for 08-04 on 08-10: sent as of 08-10.
            (
                "run for a past date",
                ("Suspension notice", "2025-07-20"),
                "2025-08-04",
                "2025-08-10",
                "run",
                "Formal notice",
                date(2025, 8, 18),
                51,
                interest((1200, H1, 10), (1200, H2, 41)),
            ),
            # Firm reminder made to wait, validated 07-22: 10 days H1 + 22
            # days H2 (07-01..07-22) = 13.11; deadline 07-22 + 8 days.
            (
                "firm reminder validated 17 days after planning",
                ("Friendly reminder", "2025-06-21"),
                "2025-07-05",
                "2025-07-22",
                "validate",
                "Firm reminder",
                date(2025, 7, 30),
                32,
                interest((1200, H1, 10), (1200, H2, 22)),
            ),
            # Courtesy notice made to wait (planned 06-17), validated 06-22:
            # the invoice is late, the level becomes the friendly reminder
            # (no penalties).
            (
                "courtesy notice validated after the due date",
                (None, None),
                "2025-06-17",
                "2025-06-22",
                "validate",
                "Friendly reminder",
                date(2025, 6, 30),
                2,
                0.0,
            ),
        ]
        self._level("Firm reminder").needs_validation = True
        self._level("Courtesy notice").needs_validation = True
        for (
            name,
            (reached, reached_on),
            planned,
            sent,
            how,
            level,
            deadline,
            days_late,
            expected_interest,
        ) in cases:
            with self._case(name):
                invoice = self._invoice(1200.0, "2025-06-20", invoice_date="2025-06-01")
                if reached:
                    self._set_level(invoice, reached, reached_on)
                if how == "validate":
                    reminder = self._run(planned)
                    self.assertEqual(reminder.state, "waiting")
                    self.assertEqual(reminder.date, date.fromisoformat(planned))
                    with freeze_time(sent):
                        reminder.action_validate()
                else:
                    with freeze_time(sent):
                        reminder = self.engine._run(
                            self.company,
                            date.fromisoformat(planned),
                            user=self.env.user,
                        )
                self.assertEqual(reminder.state, "sent")
                self.assertEqual(reminder.date, date.fromisoformat(sent))
                self.assertEqual(reminder.level_id, self._level(level))
                self.assertEqual(reminder.payment_deadline, deadline)
                self.assertEqual(
                    set(reminder.line_ids.mapped("days_late")), {days_late}
                )
                # The indemnity comes with the interest (business client).
                indemnity = 40.0 if expected_interest else 0.0
                self.assertEqual(reminder.interest, expected_interest)
                self.assertEqual(reminder.indemnity, indemnity)
                self.assertEqual(
                    reminder.amount_total, 1200.0 + expected_interest + indemnity
                )
                self.assertEqual(
                    self._receivable(invoice).dunning_last_date,
                    date.fromisoformat(sent),
                )

    def test_courtesy_notice_only_if_sent_long_enough_before_due(self):
        """Courtesy notice: 3 days before the due date (2025-06-20), so run
        on 06-17; the level's minimum is 7 days between sending and due
        date unless the case sets another."""
        cases = [
            # (name, sent on (None: never sent), invoice date, minimum,
            #  expected level on 06-17)
            ("sent 19 days before", "2025-06-01", "2025-06-01", 7, "Courtesy notice"),
            ("sent 7 days before", "2025-06-13", "2025-06-01", 7, "Courtesy notice"),
            ("sent 6 days before", "2025-06-14", "2025-06-01", 7, None),
            ("sent the day it is due", "2025-06-20", "2025-06-01", 7, None),
            (
                "never sent, dated 10 days before",
                None,
                "2025-06-10",
                7,
                "Courtesy notice",
            ),
            ("never sent, dated the due date", None, "2025-06-20", 7, None),
            (
                "minimum 0, sent the due date",
                "2025-06-20",
                "2025-06-20",
                0,
                "Courtesy notice",
            ),
        ]
        courtesy = self._level("Courtesy notice")
        self.assertEqual(courtesy.courtesy_min_days, 7, "the default")
        for name, sent, invoice_date, minimum, expected in cases:
            with self._case(name):
                courtesy.courtesy_min_days = minimum
                invoice = self._invoice(1200.0, "2025-06-20", invoice_date=invoice_date)
                if sent:
                    with freeze_time(sent):
                        invoice.is_move_sent = True
                self.assertEqual(
                    invoice.dunning_sent_date,
                    date.fromisoformat(sent) if sent else False,
                )
                reminder = self._run("2025-06-17")
                self.assertEqual(reminder.level_id.name or None, expected, "on 06-17")
                if not expected:
                    # Skipped, the friendly reminder comes the day after the due date.
                    friendly = self._run("2025-06-21")
                    self.assertEqual(
                        friendly.level_id, self._level("Friendly reminder")
                    )

    def test_sent_date_written_by_the_addon_only(self):
        invoice = self._invoice(1200.0, "2025-06-20", invoice_date="2025-06-01")
        with freeze_time("2025-06-02"):
            invoice.is_move_sent = True
        with freeze_time("2025-06-05"):
            invoice.is_move_sent = False
            invoice.is_move_sent = True
        self.assertEqual(invoice.dunning_sent_date, date(2025, 6, 2), "the first one")
        accountant = self._create_user(
            "fd_credit_accountant",
            "account.group_account_manager,freelance_dunning.group_dunning_manager",
        )
        for user in (accountant, self.env.ref("base.user_root")):
            with self.subTest(user=user.login):
                with (
                    self.assertRaisesRegex(
                        AccessError, "^The day an invoice was first sent is recorded"
                    ),
                    self.env.cr.savepoint(),
                ):
                    invoice.with_user(user).write({"dunning_sent_date": "2025-06-19"})
                invoice.invalidate_recordset()
                self.assertEqual(invoice.dunning_sent_date, date(2025, 6, 2))
