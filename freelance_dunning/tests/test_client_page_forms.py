import re
from datetime import timedelta
from html import unescape

from odoo import fields
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger

from .common import FreelanceDunningCommon

PAUSE = ["dunning_pause_until", "dunning_pause_reason"]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@tagged("post_install", "-at_install", "fd_http")
class TestClientPageForms(FreelanceDunningCommon, HttpCase):
    """The promise and dispute forms of the client's page, posted without a
    login: a valid token acts on its own client's invoices only; a forged,
    expired or other client's token, or another client's invoice, changes
    nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.today = fields.Date.today()
        due = cls.today - timedelta(days=10)
        cls.invoice = cls._create_invoice(amount=1200.0, due=due)
        cls.second = cls._create_invoice(amount=300.0, due=due)
        cls.other_client = cls._create_client(
            "Northwind Studio", email="ap@northwind.example.com"
        )
        cls.theirs = cls._create_invoice(cls.other_client, 500.0, due=due)
        cls.token = cls.client._freelance_client_page_token(cls.company)

    def _state(self):
        moves = self.invoice | self.second | self.theirs
        moves.invalidate_recordset()
        return (
            self.env["freelance.dunning.promise"].sudo().search_count([]),
            self.env["freelance.dunning.dispute"].sudo().search_count([]),
            moves.read(PAUSE),
        )

    def _csrf(self, token=None):
        page = self.url_open(f"/dues/{token or self.token}")
        self.assertEqual(page.status_code, 200)
        return CSRF.search(page.text).group(1)

    def _post(self, path, data, token=None, csrf=None):
        csrf = csrf or self._csrf()
        return self.url_open(
            f"/dues/{token or self.token}/{path}",
            data=[("csrf_token", csrf), *data],
        )

    def _promise_data(self, invoices, days=10, amount=""):
        return [
            *(("invoice_ids", str(invoice.id)) for invoice in invoices),
            ("date", fields.Date.to_string(self.today + timedelta(days=days))),
            ("amount", amount),
        ]

    def _dispute_data(
        self, invoices, reason="amount", message="We agreed on two days."
    ):
        return [
            *(("invoice_ids", str(invoice.id)) for invoice in invoices),
            ("reason", reason),
            ("message", message),
        ]

    def _text(self, response):
        """The page's text, as the visitor reads it (no tags, plain spaces)."""
        return " ".join(unescape(re.sub(r"<[^>]+>", "", response.text)).split())

    def test_promise_from_the_page(self):
        page = self._text(self.url_open(f"/dues/{self.token}"))
        self.assertIn("I will pay by a date", page)
        self.assertIn("Something is wrong with an invoice", page)
        response = self._post("promise", self._promise_data(self.invoice, 10, "600"))
        self.assertEqual(response.history[0].status_code, 303)
        self.assertTrue(response.url.endswith(f"/dues/{self.token}?notice=promise_ok"))
        page = self._text(response)
        self.assertIn(
            "Thank you: your promise to pay is recorded. We send no reminder for "
            "these invoices until the date you chose.",
            page,
        )
        when = (self.today + timedelta(days=10)).strftime("%m/%d/%Y")
        self.assertIn(
            f"You promised to pay $ 600.00 of {self.invoice.name} by {when}. We send "
            "no reminder for these invoices until then.",
            page,
        )
        promise = self.client._freelance_open_promise(self.company)
        self.assertRecordValues(
            promise,
            [
                {
                    "source": "page",
                    "state": "open",
                    "amount": 600.0,
                    "date": self.today + timedelta(days=10),
                    "move_ids": self.invoice.ids,
                }
            ],
        )
        self.assertRecordValues(
            self.invoice,
            [
                {
                    "dunning_pause_until": self.today + timedelta(days=10),
                    "dunning_pause_reason": "promise",
                }
            ],
        )
        self.assertNotIn("I will pay by a date", page, "one open promise at a time")
        self._assert_said_by_the_client(promise, self.invoice)
        # Posted again (another tab): refused with its notice, nothing changed.
        before = self._state()
        response = self._post("promise", self._promise_data(self.second, 5))
        self.assertTrue(response.url.endswith("?notice=promise_open"))
        self.assertIn(
            "A promise to pay is already open: it is shown on this page.",
            self._text(response),
        )
        self.assertEqual(self._state(), before)

    def test_promise_refusals_change_nothing(self):
        before = self._state()
        cases = [
            (self._promise_data(self.invoice, 31), "promise_date"),
            (self._promise_data(self.invoice, 0), "promise_date"),
            (self._promise_data(self.invoice, 10, "1200.01"), "promise_amount"),
            (self._promise_data(self.invoice, 10, "-5"), "promise_amount"),
            (self._promise_data(self.invoice, 10, "abc"), "promise_amount"),
            (self._promise_data(self.invoice, 10, "0"), "promise_amount"),
            (self._promise_data(self.invoice, 10, "nan"), "promise_amount"),
            (self._promise_data(self.theirs, 10), "invoices"),
            (self._promise_data(self.invoice | self.theirs, 10), "invoices"),
            ([("invoice_ids", "1 OR 1=1"), ("date", "2099-01-01")], "invoices"),
            (self._promise_data([], 10), "invoices"),
        ]
        csrf = self._csrf()
        for data, code in cases:
            response = self._post("promise", data, csrf=csrf)
            self.assertTrue(
                response.url.endswith(f"?notice={code}"), (data, response.url)
            )
            self.assertEqual(response.status_code, 200)
        self.assertEqual(self._state(), before)

    def _assert_said_by_the_client(self, record, invoice):
        """Every note of a page-made record, and its note on the invoice, is
        authored by the client; the public user follows nothing."""
        public = self.env.ref("base.public_user").sudo().partner_id
        self.assertEqual(record.message_ids.author_id, self.client)
        self.assertNotIn(public, record.message_partner_ids)
        notes = invoice.message_ids.filtered(
            lambda m: (
                m.subtype_id == self.env.ref("mail.mt_note")
                and record.move_ids.name in str(m.body)
                and ("promised" in str(m.body) or "disputes" in str(m.body))
            )
        )
        self.assertTrue(notes)
        self.assertEqual(notes.author_id, self.client)
        self.assertNotIn(public, invoice.message_partner_ids)

    def test_dispute_from_the_page(self):
        response = self._post(
            "dispute", self._dispute_data(self.invoice, "work", "The logo is missing.")
        )
        self.assertTrue(response.url.endswith("?notice=dispute_ok"))
        page = self._text(response)
        self.assertIn("Thank you: your dispute is recorded.", page)
        self.assertIn(
            f"{self.invoice.name}: The work was not done Being looked into", page
        )
        dispute = self.client._freelance_disputes(self.company)
        self.assertRecordValues(
            dispute,
            [
                {
                    "source": "page",
                    "state": "open",
                    "reason": "work",
                    "message": "The logo is missing.",
                    "move_ids": self.invoice.ids,
                }
            ],
        )
        self.assertEqual(self.invoice.dunning_pause_reason, "disputed")
        self._assert_said_by_the_client(dispute, self.invoice)
        before = self._state()
        for data, code in (
            (self._dispute_data(self.invoice), "dispute_already"),
            (self._dispute_data(self.second, reason="bogus"), "dispute_reason"),
            (self._dispute_data(self.second, message="   "), "dispute_message"),
            (self._dispute_data(self.theirs), "invoices"),
            (self._promise_data(self.invoice, 10), "promise_disputed"),
        ):
            path = "promise" if "date" in dict(data) else "dispute"
            response = self._post(path, data)
            self.assertTrue(
                response.url.endswith(f"?notice={code}"), (data, response.url)
            )
        self.assertEqual(self._state(), before)
        dispute.resolution_note = "Credit note for the logo issued."
        dispute.action_resolve()
        page = self._text(self.url_open(f"/dues/{self.token}"))
        self.assertIn(
            f"{self.invoice.name}: The work was not done Resolved "
            "Credit note for the logo issued.",
            page,
        )

    def test_bad_tokens_change_nothing(self):
        csrf = self._csrf()
        forged = self.token[:-4] + (
            "0000" if not self.token.endswith("0000") else "1111"
        )
        expired = self.client._freelance_client_page_token(
            self.company, valid_until=self.today - timedelta(days=1)
        )
        # A valid token of another client posting this client's invoice.
        other = self.other_client._freelance_client_page_token(self.company)
        before = self._state()
        for token in (
            forged,
            expired,
            "garbage",
            f"{self.client.id}-{self.company.id}",
        ):
            for path, data in (
                ("promise", self._promise_data(self.invoice)),
                ("dispute", self._dispute_data(self.invoice)),
            ):
                response = self._post(path, data, token=token, csrf=csrf)
                self.assertEqual(response.status_code, 404, token)
                self.assertIn("This link does not open a page", response.text)
                self.assertNotIn(self.invoice.name, response.text)
        for path, data in (
            ("promise", self._promise_data(self.invoice)),
            ("dispute", self._dispute_data(self.invoice)),
        ):
            response = self._post(path, data, token=other, csrf=csrf)
            self.assertTrue(response.url.endswith(f"/dues/{other}?notice=invoices"))
            self.assertNotIn(self.invoice.name, response.text)
        # Without the CSRF token of the visitor's session: refused.
        with mute_logger("odoo.http"):
            response = self.url_open(
                f"/dues/{self.token}/dispute", data=self._dispute_data(self.invoice)
            )
        self.assertEqual(response.status_code, 400)
        self.assertEqual(self._state(), before)
