import json
import logging
from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.service.model import _as_validation_error
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import FreelanceDunningCommon

_logger = logging.getLogger(__name__)

NAN, INF = float("nan"), float("inf")


class TestBadInput(FreelanceDunningCommon):
    """A table of wrong values for every input of the addon's models, written
    as the web client or an RPC call would: each one is refused with a clear
    error (UserError, ValidationError, AccessError, or Odoo's refusal of a
    value of the wrong type) and leaves the records as they were."""

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

    def assertRefused(self, call, record, fnames, user=None, what=None):
        """``call`` raises a clear error and ``record`` keeps its values."""
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
        self.assertTrue(str(error).strip(), "the refusal says why")
        record.invalidate_recordset()
        self.assertEqual(record.sudo().read(fnames), before, "nothing changed")
        type(self).tried += 1

    def _sweep(self, record, cases, user=None):
        for fname, values in cases.items():
            for value in values:
                with self.subTest(model=record._name, field=fname, value=value):
                    self.assertRefused(
                        lambda rec, f=fname, v=value: rec.write({f: v}),
                        record,
                        [fname],
                        user=user,
                        what=f"{record._name}.{fname} = {value!r}",
                    )

    def test_company_settings(self):
        self._sweep(
            self.company,
            {
                "deposit_percent": [-0.01, 100.01, 1e300, NAN, INF, "half", [50]],
                "late_interest_margin": [-1, 101, INF, NAN, "ten"],
                "contractual_interest_rate": [0.5, 101, INF, "high"],
                "recovery_indemnity_amount": [-40, "forty"],
                "blacklist_policy": ["bogus", 3],
                "payment_schedule_id": [10**9, -1],
                "blacklist_proposal_level_id": [10**9],
            },
        )

    def test_schedules_and_installments(self):
        self._sweep(
            self.installment,
            {
                "percent": [0, -10, 100.5, 150, NAN, INF, "thirty", None],
                "trigger": ["bogus", 7],
                "days_after_signature": ["soon", [1]],
            },
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
                )
        Schedule = self.env["freelance.payment.schedule"]
        for installments in (
            [],
            [(50, "signature"), (40, "delivery")],
            [(60, "signature"), (50, "delivery")],
        ):
            with self.subTest(installments=installments):
                self.assertRefused(
                    lambda _rec, i=installments: self._create_schedule("Bad", i),
                    Schedule,
                    [],
                )
        self.assertRefused(
            lambda rec: rec.write({"installment_ids": [Command.clear()]}),
            self.schedule_30_70,
            ["installment_ids"],
        )

    def test_levels(self):
        self._sweep(
            self.level,
            {
                "days": [10**6, -(10**6), 3651, -366, "ten"],
                "payment_deadline_days": [-1, 366, 10**9, "week"],
                "tone": ["angry", 2],
                "company_id": [False, 10**9],
                "mail_template_id": [10**9],
            },
        )

    def test_reference_rates(self):
        self._sweep(
            self.rate,
            {
                "date_from": [date(2025, 3, 5), "2025-13-01", "yesterday", False],
                "ecb_rate": [-6, 101, INF, NAN, "low"],
                "legal_rate": [-0.01, 1e9, "low"],
            },
        )
        existing = self.rate.date_from
        self.assertRefused(
            lambda rec: rec.create(
                {"date_from": existing, "ecb_rate": 1, "legal_rate": 1}
            ),
            self.rate,
            ["date_from"],
        )

    def test_clients(self):
        self._sweep(
            self.client,
            {
                "deposit_policy": ["bogus"],
                "payment_schedule_id": [10**9],
            },
        )
        self.assertRefused(
            lambda rec: rec.write({"deposit_policy": "schedule"}),
            self.client,
            ["deposit_policy"],
        )
        # Blacklisting is the manager's: without a reason, refused.
        self.assertRefused(
            lambda rec: rec.write({"client_blacklisted": True}),
            self.client,
            ["client_blacklisted"],
            user=self.manager,
        )

    def test_dates_and_runs(self):
        """Pauses in the past, runs for far or future dates, wrong dates."""
        today = date(2025, 7, 1)
        with freeze_time(today):
            for until in (date(2025, 6, 30), today):
                with self.subTest(until=until):
                    self.assertRefused(
                        lambda rec, u=until: rec.action_dunning_pause("disputed", u),
                        self.invoice,
                        ["dunning_pause_until"],
                        what=f"pause until {until}",
                    )
            self._sweep(
                self.invoice,
                {
                    "dunning_pause_until": ["tomorrow", 12],
                    "dunning_pause_reason": ["x"],
                },
            )
            Wizard = self.env["freelance.dunning.run.wizard"]
            for day in (date(9999, 12, 31), date(1, 1, 1), date(2040, 1, 1)):
                with self.subTest(day=day):
                    self.assertRefused(
                        lambda rec, d=day: Wizard.create({"date": d}).line_ids,
                        self.invoice,
                        ["dunning_level_id"],
                        what=f"run on {day}",
                    )
            future = Wizard.create({"date": date(2025, 7, 20)})
            self.assertTrue(future.line_ids, "a preview of the future is fine")
            self.assertRefused(
                lambda rec: future.action_send(),
                self.invoice,
                ["dunning_level_id"],
                what="send a future run",
            )

    def test_reminders_and_history(self):
        """What the engine writes is not the user's to forge."""
        with freeze_time("2025-06-25"):
            message = self.env["freelance.dunning.engine"]._run(
                self.company, date(2025, 6, 25)
            )
        self.assertEqual(len(message), 1)
        self._sweep(
            message,
            {
                "state": ["bogus"],
                "currency_id": [10**9],
                "partner_id": [False],
                "date": ["never"],
            },
        )
        self._sweep(
            message.line_ids,
            {"state": ["bogus"], "channel": ["pigeon"], "move_line_id": [False]},
        )
        self.assertRefused(lambda rec: rec.action_validate(), message, ["state"])

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
