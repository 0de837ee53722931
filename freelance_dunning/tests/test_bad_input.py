import json
import logging
from datetime import date, datetime

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.service.model import _as_validation_error
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import HISTORY, LEVEL_MOVE, REMINDER_WRITE, FreelanceDunningCommon

_logger = logging.getLogger(__name__)

NAN, INF = float("nan"), float("inf")
# Not finite, or finite but far beyond any field's range.
UNBOUNDED = [NAN, INF, -INF]

# What each refusal says (regular expressions). Odoo's own, before any code of
# the addon runs: a value out of a selection, a record that does not exist, a
# required field left empty.
WRONG_CHOICE = r"^Wrong value for [\w.]+: "
NO_SUCH_RECORD = r"^Record does not exist or has been deleted\."
NO_SUCH_TARGET = r"another model requires the record being deleted"  # foreign key
REQUIRED = r"a mandatory field is not set"
# The addon's own, for every number and date it stores (value_checks): the
# field's name, then what it accepts.
NOT_A_NUMBER = r" must be a number, not "
NOT_FINITE = r" must be a finite number, not "
NOT_WHOLE = r" must be a whole number, not "
NUMBER_REQUIRED = r" is required: enter a number\.$"
OUT_OF_RANGE = r" must be between -?[\d.]+ and [\d.]+, not "
ABOVE_ZERO = r"^Percentage must be above 0 and at most 100, not "
NOT_A_DATE = r" must be a date written YYYY-MM-DD, not "
DATE_REQUIRED = r" is required: enter a date\.$"
DATE_RANGE = (
    r" must be a date from 2000-01-01 to \d{4}-\d\d-\d\d \(ten years from "
    r"today\), not .*: a date outside is a typing mistake"
)
DATED_INSTALLMENT = r"^An installment on a date needs a number of days after signature"
LADDER = r"^The reminder levels of .* must apply later as their sequence grows: "
LEVEL_REACHED = r"^The reminder level an invoice reached is set by the dunning run"
UNKNOWN_PLACEHOLDER = r"unknown placeholder: "


# After every addon is loaded, like the other classes: at install time, with
# the bridges installed, the database has their columns but not their fields.
@tagged("post_install", "-at_install")
class TestBadInput(FreelanceDunningCommon):
    """A table of wrong values for every input of the addon's models, written
    as the web client or an RPC call would: each one is refused with the
    message expected for it (the addon's UserError or ValidationError, or
    Odoo's refusal of a value of the wrong type) and leaves the records as they
    were."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["freelance.dunning.level"]._create_default_levels(cls.company)
        cls.level = cls.env["freelance.dunning.level"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.installment = cls.schedule_30_70.installment_ids[:1]
        cls.rate = cls.env["freelance.reference.rate"].search([], limit=1)
        cls.invoice = cls._create_invoice(
            amount=100.0, due="2025-06-20", invoice_date="2025-06-01"
        )
        cls.tried = 0

    def assertRefused(self, call, record, fnames, expected, user=None, what=None):
        """``call`` raises an error whose message matches ``expected`` (a
        regular expression) and ``record`` keeps its values."""
        record = record.with_user(user) if user else record
        before = record.sudo().read(fnames)
        try:
            with self.env.cr.savepoint(), mute_logger("odoo.sql_db"):
                call(record)
                self.env.flush_all()
        except IntegrityError as caught:
            # What Odoo's RPC layer answers for a database constraint.
            error = _as_validation_error(self.env, caught)
        except (UserError, ValueError, TypeError, OverflowError) as caught:
            # The others: Odoo's fields refuse a value of the wrong type (or an
            # infinite float) before any code of the addon runs.
            error = caught
        else:
            self.fail(f"accepted: {what or call}")
        self.assertRegex(str(error), expected, what or call)
        record.invalidate_recordset()
        self.assertEqual(record.sudo().read(fnames), before, "nothing changed")
        type(self).tried += 1

    def _sweep(self, record, cases, user=None):
        """``cases``: {field: {expected message: [values refused with it]}}."""
        for fname, refusals in cases.items():
            for expected, values in refusals.items():
                for value in values:
                    with self.subTest(model=record._name, field=fname, value=value):
                        self.assertRefused(
                            lambda rec, f=fname, v=value: rec.write({f: v}),
                            record,
                            [fname],
                            expected,
                            user=user,
                            what=f"{record._name}.{fname} = {value!r}",
                        )

    @freeze_time("2026-03-02")  # a half-year with rates (2026 H1)
    def test_company_settings(self):
        self._sweep(
            self.company,
            {
                "deposit_percent": {
                    OUT_OF_RANGE: [-0.01, 100.01, 1e300, 1e308],
                    NOT_FINITE: UNBOUNDED,
                    NOT_A_NUMBER: ["half", "50", [50], True],
                },
                "late_interest_margin": {
                    OUT_OF_RANGE: [-1, 101, 1e308],
                    NOT_FINITE: UNBOUNDED,
                    NOT_A_NUMBER: ["ten"],
                },
                "contractual_interest_rate": {
                    r"^A contractual late interest rate cannot be below three "
                    r"times the legal interest rate of any half-year it applies "
                    r"to: at least [\d.]+% \(half-year starting [\d/]+\)\. ": [0.5],
                    OUT_OF_RANGE: [-1, 101],
                    NOT_FINITE: UNBOUNDED,
                    NOT_A_NUMBER: ["high"],
                },
                "recovery_indemnity_amount": {
                    OUT_OF_RANGE: [-40, 1e308],
                    NOT_FINITE: UNBOUNDED,
                    NOT_A_NUMBER: ["forty"],
                },
                "blacklist_proposal_count": {
                    OUT_OF_RANGE: [-1, 1001, 2**40],
                    NOT_WHOLE: [1.5, NAN, INF],
                    NOT_A_NUMBER: ["two"],
                },
                "blacklist_policy": {WRONG_CHOICE: ["bogus", 3], REQUIRED: [False]},
                "payment_schedule_id": {NO_SUCH_RECORD: [10**9, -1]},
                "blacklist_proposal_level_id": {NO_SUCH_RECORD: [10**9]},
            },
        )

    def test_settings_form(self):
        """The settings write the company's fields: the same refusals."""
        Settings = self.env["res.config.settings"]
        for fname, value, expected in (
            ("deposit_percent", NAN, NOT_FINITE),
            ("deposit_percent", 101, OUT_OF_RANGE),
            ("late_interest_margin", INF, NOT_FINITE),
            ("contractual_interest_rate", -INF, NOT_FINITE),
            ("recovery_indemnity_amount", -1, OUT_OF_RANGE),
            ("blacklist_proposal_count", -5, OUT_OF_RANGE),
            ("deposit_percent", "half", NOT_A_NUMBER),
        ):
            with self.subTest(field=fname, value=value):
                self.assertRefused(
                    lambda _rec, f=fname, v=value: Settings.create({f: v}).execute(),
                    self.company,
                    [fname],
                    expected,
                    what=f"settings {fname} = {value!r}",
                )

    def test_schedules_and_installments(self):
        self._sweep(
            self.installment,
            {
                "percent": {
                    ABOVE_ZERO: [0, -10, 100.5, 150, 1e308],
                    NOT_FINITE: UNBOUNDED,
                    NUMBER_REQUIRED: [None, False],
                    NOT_A_NUMBER: ["thirty", [30]],
                },
                "trigger": {WRONG_CHOICE: ["bogus", 7], REQUIRED: [False]},
                "days_after_signature": {
                    OUT_OF_RANGE: [-1, 3651, 10**12],
                    NOT_WHOLE: [1.5, NAN],
                    NOT_A_NUMBER: ["soon", [1]],
                },
                "sequence": {
                    OUT_OF_RANGE: [2**31, -(2**40)],
                    NOT_A_NUMBER: ["first"],
                },
            },
        )
        self._sweep(
            self.schedule_30_70,
            {"sequence": {OUT_OF_RANGE: [10**20], NOT_A_NUMBER: ["last"]}},
        )
        dated = self.installment
        for days in (0, -3):
            with self.subTest(days=days):
                self.assertRefused(
                    lambda rec, d=days: rec.write(
                        {"trigger": "date", "days_after_signature": d}
                    ),
                    dated,
                    ["trigger", "days_after_signature"],
                    DATED_INSTALLMENT if days == 0 else OUT_OF_RANGE,
                )
        Schedule = self.env["freelance.payment.schedule"]
        for installments, expected in (
            ([], r"^The payment schedule Bad has no installment: add at least one"),
            (
                [(50, "signature"), (40, "delivery")],
                r"^The installments of the payment schedule Bad add up to 90\.0%; "
                r"they must add up to exactly 100%\.$",
            ),
            (
                [(60, "signature"), (50, "delivery")],
                r"^The installments of the payment schedule Bad add up to 110\.0%",
            ),
            ([(NAN, "signature")], NOT_FINITE),
            ([(100, "date", 10**6)], OUT_OF_RANGE),
        ):
            with self.subTest(installments=installments):
                self.assertRefused(
                    lambda _rec, i=installments: self._create_schedule("Bad", i),
                    Schedule,
                    [],
                    expected,
                )
        self.assertRefused(
            lambda rec: rec.write({"installment_ids": [Command.clear()]}),
            self.schedule_30_70,
            ["installment_ids"],
            r"^The payment schedule 30/70 has no installment",
        )

    def test_levels(self):
        self._sweep(
            self.level,
            {
                "days": {
                    OUT_OF_RANGE: [10**6, -(10**6), 3651, -366],
                    NOT_WHOLE: [2.5, INF],
                    NOT_A_NUMBER: ["ten"],
                    # The courtesy notice comes first: not after the next level.
                    LADDER: [1, 100],
                },
                "payment_deadline_days": {
                    OUT_OF_RANGE: [-1, 366, 10**9],
                    NOT_WHOLE: [NAN],
                    NOT_A_NUMBER: ["week"],
                },
                "sequence": {
                    OUT_OF_RANGE: [2**31],
                    NOT_A_NUMBER: ["1"],
                    LADDER: [25, 1000],
                },
                "email_subject": {
                    REQUIRED: [False],
                    UNKNOWN_PLACEHOLDER: ["{company}: {clinet}"],
                },
                "email_intro": {UNKNOWN_PLACEHOLDER: ["<p>Dear {clinet},</p>"]},
                "letter_closing": {
                    UNKNOWN_PLACEHOLDER: ["<p>{indemnity_amount} {__class__}</p>"]
                },
                # Refused before the value is looked at: a level stays in its
                # company's ladder.
                "company_id": {
                    LEVEL_MOVE: [
                        False,
                        10**9,
                    ]
                },
                "mail_template_id": {NO_SUCH_TARGET: [10**9]},
            },
        )
        Level = self.env["freelance.dunning.level"]
        for values, expected in (
            # Between the courtesy notice (-3 days) and the friendly reminder
            # (1 day) in the list, but later than both.
            ({"sequence": 15, "days": 20}, LADDER),
            # Last in the list, but sooner than the end of the relationship.
            ({"sequence": 100, "days": 59}, LADDER),
            ({"sequence": 100, "days": 10**5}, OUT_OF_RANGE),
            ({"sequence": 100, "days": NAN}, NOT_WHOLE),
        ):
            with self.subTest(values=values):
                self.assertRefused(
                    lambda _rec, v=values: Level.create(
                        {"name": "Extra", "company_id": self.company.id, **v}
                    ),
                    self.level,
                    ["days", "sequence"],
                    expected,
                )
        added = Level.create(
            {
                "name": "Extra",
                "company_id": self.company.id,
                "sequence": 100,
                "days": 90,
            }
        )
        self.assertEqual(added.days, 90, "a later level at the end is fine")

    def test_reference_rates(self):
        self._sweep(
            self.rate,
            {
                "date_from": {
                    r"^Reference rates start on 1 January or 1 July\.$": [
                        date(2025, 3, 5)
                    ],
                    NOT_A_DATE: ["2025-13-01", "yesterday", 12, [2025]],
                    DATE_RANGE: [date(1999, 1, 1), date(9999, 1, 1), "9999-07-01"],
                    DATE_REQUIRED: [False, None],
                },
                "ecb_rate": {
                    OUT_OF_RANGE: [-6, 101, 1e308],
                    NOT_FINITE: UNBOUNDED,
                    NOT_A_NUMBER: ["low"],
                },
                "legal_rate": {
                    OUT_OF_RANGE: [-0.01, 1e9],
                    NOT_FINITE: UNBOUNDED,
                    NOT_A_NUMBER: ["low"],
                },
            },
        )
        existing = self.rate.date_from
        self.assertRefused(
            lambda rec: rec.create(
                {"date_from": existing, "ecb_rate": 1, "legal_rate": 1}
            ),
            self.rate,
            ["date_from"],
            r"A half-year can only have one rate\.$",
        )
        self.assertRefused(
            lambda rec: rec.create(
                {"date_from": "2031-01-01", "ecb_rate": NAN, "legal_rate": 1}
            ),
            self.rate,
            ["date_from"],
            NOT_FINITE,
        )

    def test_clients(self):
        self._sweep(
            self.client,
            {
                "deposit_policy": {WRONG_CHOICE: ["bogus"]},
                # Company-dependent: no foreign key, the company check reads it.
                "payment_schedule_id": {NO_SUCH_RECORD: [10**9]},
            },
        )
        self.assertRefused(
            lambda rec: rec.write({"deposit_policy": "schedule"}),
            self.client,
            ["deposit_policy"],
            r"^Choose the payment schedule of Brightside Coaching, or set its "
            r"deposit policy back to the company default\.$",
        )
        # Blacklisting is the manager's, through _set_client_blacklist only.
        self.assertRefused(
            lambda rec: rec.write({"client_blacklisted": True}),
            self.client,
            ["client_blacklisted"],
            r"^A client's blacklist is set and lifted only with the Blacklist and "
            r"Lift Blacklist buttons of the client, by a dunning manager: its "
            r"fields cannot be written directly\.$",
            user=self.manager,
        )
        self.assertRefused(
            lambda rec: rec._set_client_blacklist(False),
            self.client,
            ["client_blacklisted"],
            r"^Choose why the client is blacklisted\.$",
            user=self.manager,
        )

    def test_dates_and_runs(self):
        """Pauses in the past or beyond ten years, runs for far or future
        dates, wrong dates; the level an invoice reached is the run's."""
        today = date(2025, 7, 1)
        with freeze_time(today):
            for until, expected in (
                (date(2025, 6, 30), r"^A pause needs an end date in the future\.$"),
                (today, r"^A pause needs an end date in the future\.$"),
                (date(9999, 12, 31), DATE_RANGE),
                (date(2035, 7, 2), DATE_RANGE),
            ):
                with self.subTest(until=until):
                    self.assertRefused(
                        lambda rec, u=until: rec._pause_dunning("disputed", u),
                        self.invoice,
                        ["dunning_pause_until"],
                        expected,
                        what=f"pause until {until}",
                    )
            self._sweep(
                self.invoice,
                {
                    "dunning_pause_until": {
                        NOT_A_DATE: ["tomorrow", 12, [2025, 8, 1], 2025.5],
                        DATE_RANGE: [
                            date(9999, 12, 31),
                            "9999-12-31",
                            date(1999, 12, 31),
                            datetime(3000, 1, 1),
                        ],
                    },
                    "dunning_level_id": {LEVEL_REACHED: [self.level.id, False]},
                    "dunning_last_date": {LEVEL_REACHED: ["2025-06-01"]},
                },
            )
            self.assertRefused(
                lambda rec: rec.write({"dunning_level_id": self.level.id}),
                self.invoice,
                ["dunning_level_id"],
                LEVEL_REACHED,
                user=self.manager,
                what="a dunning manager writes the level reached",
            )
            Pause = self.env["freelance.dunning.pause.wizard"]
            for until in (date(9999, 1, 1), "0001-01-01", "soon"):
                with self.subTest(until=until):
                    self.assertRefused(
                        lambda _rec, u=until: Pause.create(
                            {"move_ids": self.invoice.ids, "until": u}
                        ).action_pause(),
                        self.invoice,
                        ["dunning_pause_until"],
                        NOT_A_DATE if until == "soon" else DATE_RANGE,
                        what=f"pause wizard until {until!r}",
                    )
            order = self._create_order()
            SignedCopy = self.env["freelance.signed.copy.wizard"]
            for day in (date(1900, 1, 1), 20250101):
                with self.subTest(signed_on=day):
                    self.assertRefused(
                        lambda _rec, d=day: SignedCopy.create(
                            {
                                "order_id": order.id,
                                "signed_by": "Client",
                                "signed_on": d,
                                "signed_file": "JVBERi0=",
                            }
                        ).action_record(),
                        order,
                        ["signature", "signed_on", "signed_by"],
                        DATE_RANGE if isinstance(day, date) else NOT_A_DATE,
                        what=f"signed on {day!r}",
                    )
            Wizard = self.env["freelance.dunning.run.wizard"]
            for day in (date(9999, 12, 31), date(1, 1, 1), date(2040, 1, 1)):
                with self.subTest(day=day):
                    self.assertRefused(
                        lambda rec, d=day: Wizard.create({"date": d}).line_ids,
                        self.invoice,
                        ["dunning_level_id"],
                        DATE_RANGE,
                        what=f"run on {day}",
                    )
            self.assertRefused(
                lambda rec: Wizard.create({"date": date(2010, 1, 1)}).line_ids,
                self.invoice,
                ["dunning_level_id"],
                r"^Choose a date within ten years of today\.$",
                what="run fifteen years back",
            )
            Preview = self.env["freelance.dunning.run.wizard.line"]
            for fname, value, expected in (
                ("interest", NAN, NOT_FINITE),
                ("amount_residual", INF, NOT_FINITE),
                ("indemnity", 1e300, OUT_OF_RANGE),
                ("days_late", 1.5, NOT_WHOLE),
            ):
                with self.subTest(field=fname, value=value):
                    self.assertRefused(
                        lambda _rec, f=fname, v=value: Preview.create({f: v}),
                        Preview,
                        [],
                        expected,
                        what=f"preview line {fname} = {value!r}",
                    )
            future = Wizard.create({"date": date(2025, 7, 20)})
            self.assertTrue(future.line_ids, "a preview of the future is fine")
            self.assertRefused(
                lambda rec: future.action_send(),
                self.invoice,
                ["dunning_level_id"],
                r"^Reminders cannot be sent for a date in the future\.$",
                what="send a future run",
            )

    def test_reminders_and_history(self):
        """What the engine writes is not the user's to forge."""
        with freeze_time("2025-06-25"):
            message = self.env["freelance.dunning.engine"]._run(
                self.company, date(2025, 6, 25)
            )
        self.assertEqual(len(message), 1)
        # Refused before any value is looked at: the engine's alone.
        self._sweep(
            message,
            {
                "state": {REMINDER_WRITE: ["bogus"]},
                "currency_id": {REMINDER_WRITE: [10**9]},
                "partner_id": {REMINDER_WRITE: [False]},
                "date": {REMINDER_WRITE: ["never"]},
            },
        )
        self._sweep(
            message.line_ids,
            {
                "state": {HISTORY: ["bogus"]},
                "channel": {HISTORY: ["pigeon"]},
                "move_line_id": {HISTORY: [False]},
            },
        )
        self.assertRefused(
            lambda rec: rec.action_validate(),
            message,
            ["state"],
            r"^These reminders are not waiting for validation\.$",
        )

    @classmethod
    def tearDownClass(cls):
        _logger.info("bad inputs refused: %s", cls.tried)
        super().tearDownClass()


@tagged("post_install", "-at_install", "fd_http")
class TestRoutesBadInput(FreelanceDunningCommon, HttpCase):
    """The client's pages and payment routes with forged tokens, other
    clients' tokens and ids, anonymous or as another client's portal user:
    a refusal every time (never a server error), nothing shown, nothing
    signed, no payment started."""

    def setUp(self):
        super().setUp()
        self.other = self._create_client("Other client", email="other@example.com")
        self.order = self._create_order()
        self.order.action_quotation_sent()
        self.other_order = self._create_order(partner=self.other)
        self.invoice, self.other_invoice = (
            self._posted_invoice(self.client),
            self._posted_invoice(self.other),
        )
        self.portal = self._create_portal_user(
            "fd_route_portal", client=self.other, password="fd_route_portal_pw"
        )
        self.refusals = 0

    def _posted_invoice(self, partner):
        invoice = self._create_invoice(partner, 90.0)
        invoice._portal_ensure_token()
        return invoice

    def assertPageRefused(self, url, *secrets):
        response = self.url_open(url)
        self.assertNotEqual(response.status_code, 500, url)
        for secret in secrets:
            self.assertNotIn(secret, response.text, url)
        self.refusals += 1

    def assertCallRefused(self, route, params):
        response = self.url_open(
            route,
            json.dumps({"jsonrpc": "2.0", "method": "call", "params": params}),
            headers={"Content-Type": "application/json"},
        )
        self.assertNotEqual(response.status_code, 500, route)
        answer = response.json()
        if "error" in answer:
            self.assertTrue(
                answer["error"]["data"]["name"].startswith(
                    ("odoo.exceptions.", "werkzeug.exceptions.")
                ),
                answer["error"],
            )
        else:
            self.assertIn("error", answer.get("result") or {}, (route, answer))
        self.refusals += 1

    def assertNothingChanged(self):
        self.assertFalse(self.order.signature or self.other_order.signature)
        self.assertEqual({self.order.state, self.other_order.state}, {"sent", "draft"})
        self.assertFalse(
            self.env["payment.transaction"]
            .search([])
            .filtered(lambda tx: tx.partner_id in (self.client | self.other))
        )

    def _sweep(self):
        order, invoice = self.order, self.invoice
        other_token = self.other_order._portal_ensure_token()
        other_invoice_token = self.other_invoice.access_token
        for token in ("forged", other_token, "", "' OR 1=1 --"):
            self.assertPageRefused(
                f"/my/orders/{order.id}?access_token={token}", order.name
            )
            self.assertCallRefused(
                f"/my/orders/{order.id}/accept",
                {"access_token": token, "name": "Forger", "signature": self.SIGNATURE},
            )
            self.assertCallRefused(
                f"/my/orders/{order.id}/transaction",
                {"access_token": token, "amount": 10.0},
            )
        for token in ("forged", other_invoice_token, ""):
            self.assertPageRefused(
                f"/my/invoices/{invoice.id}?access_token={token}", invoice.name
            )
            self.assertCallRefused(
                f"/invoice/transaction/{invoice.id}",
                {"access_token": token, "amount": 10.0},
            )
            for document in (f"invoice_id={invoice.id}", f"sale_order_id={order.id}"):
                self.assertPageRefused(
                    f"/payment/pay?{document}&amount=1&access_token={token}"
                )
        self.assertPageRefused("/my/orders/999999999?access_token=forged")
        self.assertPageRefused("/my/invoices/not-an-id")

    @mute_logger("odoo.http")
    def test_anonymous_with_forged_tokens(self):
        self._sweep()
        self.assertNothingChanged()
        _logger.info("forged route calls refused: %s", self.refusals)

    @mute_logger("odoo.http")
    def test_portal_user_of_another_client(self):
        self.authenticate("fd_route_portal", "fd_route_portal_pw")
        self._sweep()
        self.assertPageRefused(f"/my/orders/{self.order.id}", self.order.name)
        self.assertPageRefused(f"/my/invoices/{self.invoice.id}", self.invoice.name)
        self.assertCallRefused(
            f"/my/orders/{self.order.id}/accept",
            {"name": "Forger", "signature": self.SIGNATURE},
        )
        self.assertNothingChanged()
        _logger.info("other client's route calls refused: %s", self.refusals)
