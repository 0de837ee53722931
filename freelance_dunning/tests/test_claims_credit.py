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
        return self._post_open_refund(self.client, amount, day, currency or self.eur)

    def _payment(self, amount, day, currency=None):
        """A payment of the client received ``day``, reconciled with nothing."""
        return self._post_open_payment(self.client, amount, day, currency or self.eur)

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

    def test_letter_and_email_name_the_credits_deducted(self):
        """Invoice 1,000.00 EUR due 2025-06-20; a friendly reminder on 06-21
        claims 1,000 - 700 (open credit note of 06-15) = 300.00: the table of
        the email and the letter names the 700.00 deducted, in the client's
        language; without a credit, no such column."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        cases = [
            # (name, credit note, language, header expected, header absent)
            ("credit, English", 700.0, "en_US", "Credits deducted", None),
            (
                "credit, French",
                700.0,
                "fr_FR",
                "Avoirs et règlements déduits",
                "Credits deducted",
            ),
            ("no credit", 0.0, "en_US", None, "Credits deducted"),
        ]
        for name, credit, lang, present, absent in cases:
            with self._case(name):
                self.client.lang = lang
                self._invoice(1000.0, "2025-06-20")
                if credit:
                    self._refund(credit, "2025-06-15")
                reminder = self._run("2025-06-21")
                self.assertEqual(reminder.amount_residual, 1000.0 - credit)
                self.assertEqual(reminder.line_ids.amount_credited, credit)
                html = str(
                    self.env["ir.qweb"]
                    .with_context(lang=lang)
                    ._render(
                        "freelance_dunning.reminder_invoice_table",
                        {"reminder": reminder},
                    )
                )
                if present:
                    self.assertIn(present, html)
                if absent:
                    self.assertNotIn(absent, html)
                # The email sent carries the same table.
                body = reminder.mail_message_id.body
                if credit:
                    self.assertIn(present, body)
                else:
                    self.assertNotIn(absent, body)

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
        """Today 2025-09-01, all in the company's currency. The credits are
        imputed as the reminders impute them (the oldest debt first): an
        imputed credit counts in the age of the debt it pays, what is left of
        a credit after imputation in its own row (no age). Overdue and the
        level rows: the invoices the reminders chase, net."""
        usd = self.usd
        cases = [
            # (name, invoices [(amount, due, invoice date)], credit notes
            #  [(amount, day)], payments [(amount, day)], expected figures)
            (
                # 1,000 - 400 - 100 = 500, all on the invoice 31 days late.
                # Sales 07-02..09-01: 1000 - 400 = 600; 500 / 600 x 90 = 75.
                "credit note and payment on an invoice 31 days late",
                [(1000.0, "2025-08-01", "2025-07-02")],
                [(400.0, "2025-08-15")],
                [(100.0, "2025-08-20")],
                {
                    "receivables": 500.0,
                    "overdue": 500.0,
                    "open invoices": 1,
                    "not_due": 0.0,
                    "1_30": 0.0,
                    "31_60": 500.0,
                    "none": 500.0,
                    "unapplied": None,
                    "DSO": 75,
                },
            ),
            (
                # Invoice 100 days late (due 05-24) credited in full today:
                # nothing owed, in no bucket ("Over 90 days" 0, "Not due" 0).
                "credit note today on an invoice 100 days late",
                [(1000.0, "2025-05-24", "2025-05-24")],
                [(1000.0, "2025-09-01")],
                [],
                {
                    "receivables": 0.0,
                    "overdue": 0.0,
                    "open invoices": 0,
                    "not_due": 0.0,
                    "91_plus": 0.0,
                    "none": 0.0,
                    "unapplied": None,
                },
            ),
            (
                # Invoices 300 (due 06-15, 78 days) and 200 (due 09-10, not
                # due); credit note 700 (08-15): 300 + 200 imputed, 200 left
                # over: receivables 500 - 700 = -200.
                "credit larger than the debts",
                [
                    (300.0, "2025-06-15", "2025-06-15"),
                    (200.0, "2025-09-10", "2025-08-11"),
                ],
                [(700.0, "2025-08-15")],
                [],
                {
                    "receivables": -200.0,
                    "overdue": 0.0,
                    "open invoices": 0,
                    "not_due": 0.0,
                    "61_90": 0.0,
                    "none": 0.0,
                    "unapplied": -200.0,
                },
            ),
            (
                # Invoices 600 (due 06-01, 92 days) and 500 (due 08-20, 12
                # days); payment 800 (08-25): 600 paid, 200 on the second:
                # 500 - 200 = 300 in 1-30 days.
                "payment on the oldest invoice first",
                [
                    (600.0, "2025-06-01", "2025-06-01"),
                    (500.0, "2025-08-20", "2025-08-20"),
                ],
                [],
                [(800.0, "2025-08-25")],
                {
                    "receivables": 300.0,
                    "overdue": 300.0,
                    "open invoices": 1,
                    "91_plus": 0.0,
                    "1_30": 300.0,
                    "none": 300.0,
                    "unapplied": None,
                },
            ),
        ]
        for name, invoices, refunds, payments, expected in cases:
            with self._case(name):
                for amount, due, day in invoices:
                    self._invoice(amount, due, invoice_date=day, currency=usd)
                for amount, day in refunds:
                    self._refund(amount, day, usd)
                for amount, day in payments:
                    self._payment(amount, day, usd)
                data = self.dashboard.get_dashboard_data()
                rows = {row["key"]: row["amount"] for row in data["aging"]}
                levels = {row["key"]: row["amount"] for row in data["levels"]}
                computed = {
                    "receivables": data["total_amount"],
                    "overdue": data["overdue_amount"],
                    "open invoices": data["invoice_count"],
                    "none": levels["none"],
                    "unapplied": rows.get("unapplied"),
                    "DSO": data["dso"]["days"],
                }
                computed.update(rows)
                for figure, value in expected.items():
                    with self.subTest(figure):
                        self.assertEqual(computed[figure], value)
                # The aged balance and the credits left add up to the
                # receivables.
                self.assertAlmostEqual(sum(rows.values()), data["total_amount"])

    def test_client_total_overdue_as_the_reminders_impute(self):
        """Today 2025-09-01. The client's Total Overdue: its overdue invoices
        (not the penalty invoices) less the credits imputed on them, per
        currency and receivable account, the oldest debt first."""
        usd = self.usd
        cases = [
            # (name, invoices [(amount, due, currency, penalty?)],
            #  credit notes [(amount, day, currency)], expected, computation)
            (
                "credit note on the same currency",
                [(1000.0, "2025-08-01", "usd", False)],
                [(400.0, "2025-08-15", "usd")],
                600.0,  # 1,000 - 400
            ),
            (
                "credit note on the oldest invoice",
                [
                    (1000.0, "2025-08-01", "usd", False),
                    (500.0, "2025-09-20", "usd", False),
                ],
                [(300.0, "2025-08-15", "usd")],
                700.0,  # on the oldest (overdue) invoice: 1,000 - 300
            ),
            (
                "credit note due before a not-yet-due invoice: the overdue first",
                [
                    (200.0, "2025-08-01", "usd", False),
                    (500.0, "2025-09-20", "usd", False),
                ],
                [(600.0, "2025-08-15", "usd")],
                0.0,  # 200 paid; 400 on the invoice not due, not overdue
            ),
            (
                "a credit note in another currency pays nothing here",
                [(1000.0, "2025-08-01", "usd", False)],
                [(400.0, "2025-08-15", "eur")],
                1000.0,  # no imputation across currencies (1:1 rate here)
            ),
            (
                "an open penalty invoice is not chased",
                [
                    (1000.0, "2025-08-01", "usd", False),
                    (52.0, "2025-08-10", "usd", True),
                ],
                [],
                1000.0,  # the 52.00 penalty invoice left out
            ),
        ]
        for name, invoices, refunds, expected in cases:
            with self._case(name):
                for amount, due, currency, penalty in invoices:
                    with self._as_dunning_engine():
                        self._invoice(
                            amount,
                            due,
                            currency=usd if currency == "usd" else self.eur,
                            dunning_penalty_invoice=penalty,
                        )
                for amount, day, currency in refunds:
                    self._refund(amount, day, usd if currency == "usd" else self.eur)
                with freeze_time("2025-09-01"):
                    self.client.invalidate_recordset(["dunning_amount_overdue"])
                    self.assertEqual(self.client.dunning_amount_overdue, expected)

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
                        self._send_in_background()
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
