"""The client's page (issue 21): ``/dues/<token>``, opened without a login."""

import re
from datetime import timedelta

from freezegun import freeze_time
from lxml import html

from odoo import Command, fields
from odoo.tests import HttpCase, tagged
from odoo.tests.common import JsonRpcException

from odoo.addons.freelance_dunning.models.late_interest import half_year_start

from .common import FreelanceDunningCommon

NBSP = "\N{NO-BREAK SPACE}"
INVALID = "This link does not open a page"


class ClientPageCommon(FreelanceDunningCommon):
    """A business client with three invoices (two late, one not yet due) and
    an open credit note; another client with an invoice of its own."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.today = fields.Date.context_today(cls.env.user)
        cls.client.lang = "en_US"
        cls.company.partner_id.bank_ids = [
            fields.Command.create(
                {
                    "acc_number": "FR7630006000011234567890189",
                    "bank_id": cls.env["res.bank"]
                    .create({"name": "Banque Exemple", "bic": "AGRIFRPP882"})
                    .id,
                }
            )
        ]
        cls.inv_late = cls._page_invoice(cls.client, 1200.0, 45)
        cls.inv_recent = cls._page_invoice(cls.client, 800.0, 20)
        cls.inv_future = cls._page_invoice(cls.client, 500.0, -10)
        cls.refund = cls._post_open_refund(
            cls, cls.client, 150.0, cls.today - timedelta(days=5), cls.eur
        )
        cls.other = cls._create_client(
            "Other Client Ltd", lang="en_US", email="ap@other.example.com"
        )
        cls.other_invoice = cls._page_invoice(cls.other, 999.0, 30)
        cls.token = cls.client._freelance_client_page_token(cls.company)

    @classmethod
    def _page_invoice(cls, client, amount, days_late):
        due = cls.today - timedelta(days=days_late)
        return cls._create_invoice(
            client,
            amount,
            due,
            currency_id=cls.eur.id,
            invoice_date=due - timedelta(days=30),
        )

    def _line(self, invoice):
        return self._receivable(invoice)

    def _get(self, url, status=200):
        response = self.url_open(url, allow_redirects=False)
        self.assertEqual(response.status_code, status, url)
        return response

    def _page(self, token=None, query="", status=200):
        response = self._get(f"/dues/{token or self.token}{query}", status)
        return html.fromstring(response.content), response.text

    @staticmethod
    def _text(node):
        # Collapse the layout's spaces, keep the no-break ones of the amounts.
        return re.sub(r"[ \t\r\n]+", " ", node.text_content()).strip()


@tagged("post_install", "-at_install", "fd_http")
class TestClientPage(ClientPageCommon, HttpCase):
    def test_valid_token_shows_exactly_the_clients_items(self):
        tree, text = self._page()
        rows = tree.xpath("//tr[@data-line-id]")
        self.assertEqual(
            [int(row.get("data-line-id")) for row in rows],
            [
                self._line(self.inv_late).id,
                self._line(self.inv_recent).id,
                self._line(self.refund).id,
                self._line(self.inv_future).id,
            ],
        )
        amounts = [
            self._text(row.xpath(".//td[contains(@class, 'fd_amount_left')]")[0])
            for row in rows
        ]
        self.assertEqual(
            amounts,
            [
                f"1,200.00{NBSP}€",
                f"800.00{NBSP}€",
                f"-\ufeff150.00{NBSP}€",
                f"500.00{NBSP}€",
            ],
        )
        first = rows[0]
        self.assertIn(self.inv_late.name, self._text(first))
        self.assertIn("45", self._text(first))
        # The credit note is listed, not payable.
        self.assertFalse(rows[2].xpath(".//input[@name='line_ids']"))
        self.assertEqual(len(tree.xpath("//input[@name='line_ids']")), 3)
        total = self._text(tree.xpath("//div[contains(@class, 'fd_total_balance')]")[0])
        self.assertEqual(total, f"Total to pay 2,350.00{NBSP}€")
        # The bank details for a transfer, with the references to quote.
        self.assertEqual(
            self._text(tree.xpath("//dd[contains(@class, 'fd_bank_iban')]")[0]),
            "FR7630006000011234567890189",
        )
        self.assertEqual(
            self._text(tree.xpath("//dd[contains(@class, 'fd_bank_bic')]")[0]),
            "AGRIFRPP882",
        )
        self.assertEqual(
            self._text(tree.xpath("//dd[contains(@class, 'fd_bank_reference')]")[0]),
            ", ".join(
                inv.payment_reference
                for inv in (self.inv_late, self.inv_recent, self.inv_future)
            ),
        )
        # Nothing of the other client.
        self.assertNotIn(self.other_invoice.name, text)
        self.assertNotIn("Other Client Ltd", text)
        self.assertIn('id="fd_client_page_actions"', text)

    def test_other_clients_token_shows_their_items_only(self):
        token = self.other._freelance_client_page_token(self.company)
        tree, text = self._page(token)
        self.assertEqual(
            [int(row.get("data-line-id")) for row in tree.xpath("//tr[@data-line-id]")],
            [self._line(self.other_invoice).id],
        )
        for invoice in (self.inv_late, self.inv_recent, self.inv_future, self.refund):
            self.assertNotIn(invoice.name, text)
        self.assertNotIn(self.client.name, text)

    def test_contact_of_the_client_has_no_page_of_its_own(self):
        contact = self.env["res.partner"].create(
            {"name": "Accounts payable", "parent_id": self.client.id}
        )
        # A token made for a contact is the company's (commercial) page.
        self.assertEqual(contact._freelance_client_page_token(self.company), self.token)

    def _assert_invalid(self, token, query=""):
        tree, text = self._page(token, query, status=404)
        self.assertIn(INVALID, text)
        for invoice in (self.inv_late, self.other_invoice):
            self.assertNotIn(invoice.name, text)
        self.assertNotIn(self.client.name, text)
        self.assertNotIn("Traceback", text)
        return tree, text

    def test_forged_expired_malformed_tokens_get_the_friendly_page(self):
        client_id, company_id, until, signature = self.token.split("-")
        forged = f"{client_id}-{company_id}-{until}-{'0' * 64}"
        other_client = f"{self.other.id}-{company_id}-{until}-{signature}"
        longer = f"{client_id}-{company_id}-29991231-{signature}"
        expired = self.client._freelance_client_page_token(
            self.company, valid_until=self.today - timedelta(days=1)
        )
        for token in (
            forged,
            other_client,
            longer,
            expired,
            "nothing",
            f"{client_id}-{company_id}-20261340-{signature}",
            "1-1-1",
            f"{self.token}x",
        ):
            with self.subTest(token=token):
                self._assert_invalid(token)
                self._get(f"/dues/{token}/invoice/{self.inv_late.id}", 404)
                self._get(
                    f"/dues/{token}/pay?line_ids={self._line(self.inv_late).id}", 404
                )
        # A token valid until today still opens the page.
        today = self.client._freelance_client_page_token(
            self.company, valid_until=self.today
        )
        self.assertIn(self.inv_late.name, self._page(today)[1])

    def test_deleted_client_gets_the_friendly_page(self):
        gone = self._create_client("Gone Ltd")
        token = gone._freelance_client_page_token(self.company)
        self.assertIn("Gone Ltd", self._page(token)[1])
        gone.unlink()
        self._assert_invalid(token)

    def test_friendly_page_speaks_the_visitors_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        response = self.url_open(
            "/dues/nothing",
            headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"},
            allow_redirects=False,
        )
        self.assertEqual(response.status_code, 404)
        self.assertIn("Ce lien n’ouvre aucune page", response.text)

    def test_french_client_reads_french_and_can_switch(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        self.client.lang = "fr_FR"
        tree, text = self._page()
        total = self._text(tree.xpath("//div[contains(@class, 'fd_total_balance')]")[0])
        self.assertEqual(total, f"Total à payer 2{NBSP}350,00{NBSP}€")
        self.assertIn("Vos factures ouvertes chez", text)
        tree, text = self._page(query="?lang=en_US")
        total = self._text(tree.xpath("//div[contains(@class, 'fd_total_balance')]")[0])
        self.assertEqual(total, f"Total to pay 2,350.00{NBSP}€")

    def test_penalties_are_the_reminders(self):
        """The interest and indemnity shown are those the reminder states for
        the same day (the engine's computation, not a second formula)."""
        # The reference rates of the half-years of the delay (the data file
        # ships the published ones only).
        Rate = self.env["freelance.reference.rate"]
        due = self._line(self.inv_late).date_maturity
        for day in (due, self.today):
            start = half_year_start(day)
            if not Rate.search_count([("date_from", "=", start)]):
                Rate.create({"date_from": start, "ecb_rate": 2.15, "legal_rate": 2.62})
        friendly = self.levels.filtered(lambda lv: lv.name == "Friendly reminder")
        with self._as_dunning_engine():
            self._line(self.inv_late).write(
                {
                    "dunning_level_id": friendly.id,
                    "dunning_last_date": self.today - timedelta(days=44),
                }
            )
        reminder = self.engine._run(self.company, self.today, partners=self.client)
        event = reminder.line_ids.filtered(
            lambda e: e.move_id == self.inv_late and e.channel == "email"
        )
        self.assertEqual(event.level_id.name, "Firm reminder")
        self.assertEqual(event.indemnity, 40.0)
        if half_year_start(due) == half_year_start(self.today):
            # ECB + 10 points on what the credit note leaves due (1,050.00),
            # for the 45 days after the due date.
            rate = Rate.search([("date_from", "=", half_year_start(due))]).ecb_rate
            self.assertEqual(
                event.interest, round(1050.0 * (rate + 10.0) / 100 * 45 / 365, 2)
            )
        self.assertGreater(event.interest, 0.0)
        self.assertEqual(self._line(self.inv_late).dunning_level_id, event.level_id)
        tree, _text = self._page()
        row = tree.xpath(f"//tr[@data-line-id='{self._line(self.inv_late).id}']")[0]
        cells = [self._text(td) for td in row.xpath("./td")]
        self.assertEqual(cells[5], "Firm reminder")
        self.assertEqual(cells[7], f"{event.interest:,.2f}{NBSP}€")
        self.assertEqual(cells[8], f"40.00{NBSP}€")
        # The recent invoice had its friendly reminder: no penalties.
        row = tree.xpath(f"//tr[@data-line-id='{self._line(self.inv_recent).id}']")[0]
        cells = [self._text(td) for td in row.xpath("./td")]
        self.assertEqual(cells[5], "Friendly reminder")
        self.assertEqual((cells[7], cells[8]), ("", ""))
        # And the reminder's email and letter carry the page's link.
        url = reminder._get_client_page_url()
        self.assertEqual(url, f"{reminder.get_base_url()}/dues/{self.token}")
        self.assertEqual(reminder.state, "sent")
        self.assertIn(f'href="{url}"', str(reminder.mail_message_id.body))

    def test_rehearsed_level_is_not_shown_to_the_client(self):
        """During a rehearsal the client sees the level it was really sent,
        without the rehearsed level's penalties."""
        line = self._line(self.inv_late)
        # The reference rates of the half-years of the delay (the data file
        # ships the published ones only).
        Rate = self.env["freelance.reference.rate"]
        for day in (line.date_maturity, self.today):
            start = half_year_start(day)
            if not Rate.search_count([("date_from", "=", start)]):
                Rate.create({"date_from": start, "ecb_rate": 2.15, "legal_rate": 2.62})
        # The friendly reminder really sent to the client, the day after the
        # due date.
        first_day = self.today - timedelta(days=44)
        with freeze_time(first_day):
            sent = self.engine._run(self.company, first_day, partners=self.client)
        self.assertEqual(sent.state, "sent")
        self.assertEqual(sent.level_id.name, "Friendly reminder")
        self.company.sudo().dunning_rehearsal = True
        reminder = self.engine._run(self.company, self.today, partners=self.client)
        if reminder.state == "waiting":
            reminder.with_user(self.manager).action_validate()
            self._send_in_background()
        self._deliver_reminder_emails()
        event = self.env["freelance.dunning.reminder.line"].search(
            [("move_line_id", "=", line.id), ("channel", "=", "email")],
            order="id desc",
            limit=1,
        )
        self.assertEqual(event.level_id.name, "Firm reminder")
        self.assertEqual(event.state, "rehearsed")
        self.assertEqual(line.dunning_level_id.name, "Firm reminder")
        tree, _text = self._page()
        row = tree.xpath(f"//tr[@data-line-id='{line.id}']")[0]
        cells = [self._text(td) for td in row.xpath("./td")]
        self.assertEqual(cells[5], "Friendly reminder")
        # No penalties anywhere: the friendly reminder adds none.
        self.assertNotIn(f"40.00{NBSP}€", cells)
        self.assertNotIn("Recovery indemnity", self._text(tree))
        self.assertNotIn("Late interest", self._text(tree))

    def test_letter_prints_the_link_and_its_qr_code(self):
        reminder = self.engine._run(self.company, self.today, partners=self.client)
        url = reminder._get_client_page_url()
        letter = str(
            self.env["ir.actions.report"]._render_qweb_html(
                "freelance_dunning.report_dunning_letter", reminder.ids
            )[0]
        )
        tree = html.fromstring(letter)
        self.assertEqual(
            tree.xpath("//p[hasclass('fd_client_page_link')]/a/@href"), [url]
        )
        qr = tree.xpath("//div[hasclass('fd_client_page_qr')]//img")
        self.assertEqual(len(qr), 1)
        self.assertTrue(qr[0].get("src").startswith("data:image/png;base64,"))
        self.assertEqual(qr[0].get("alt"), f"Barcode {url}")

    def test_installments_of_an_invoice_are_rows_of_their_own(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50.0, "nb_days": 30}
                    ),
                ],
            }
        )
        invoice = self._create_invoice(
            self.client,
            600.0,
            currency_id=self.eur.id,
            invoice_date=self.today - timedelta(days=40),
            invoice_payment_term_id=term.id,
        )
        lines = invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        ).sorted("date_maturity")
        tree, _text = self._page()
        for number, line in enumerate(lines, start=1):
            row = tree.xpath(f"//tr[@data-line-id='{line.id}']")[0]
            cells = [self._text(td) for td in row.xpath("./td")]
            self.assertIn(f"Installment {number}/2", cells[1])
            self.assertEqual(cells[-1], f"300.00{NBSP}€")
        days = [
            self._text(tree.xpath(f"//tr[@data-line-id='{line.id}']/td[5]")[0])
            for line in lines
        ]
        self.assertEqual(days, ["40", "10"])

    def test_totals_per_currency_and_one_currency_per_payment(self):
        usd = self.env.ref("base.USD")
        usd.active = True
        dollars = self._create_invoice(
            self.client,
            100.0,
            self.today - timedelta(days=3),
            currency_id=usd.id,
        )
        tree, _text = self._page()
        totals = {
            node.get("data-currency"): self._text(
                node.xpath(".//div[contains(@class, 'fd_total_balance')]")[0]
            )
            for node in tree.xpath("//div[contains(@class, 'fd_client_page_total')]")
        }
        self.assertEqual(
            totals,
            {
                "EUR": f"Total to pay 2,350.00{NBSP}€",
                "USD": f"Total to pay ${NBSP}100.00",
            },
        )
        both = f"{self._line(self.inv_late).id},{self._line(dollars).id}"
        response = self._get(f"/dues/{self.token}/pay?line_ids={both}", 303)
        self.assertTrue(
            response.headers["Location"].endswith(
                f"/dues/{self.token}?notice=pay_currency"
            )
        )
        tree, _text = self._page(query="?notice=pay_currency")
        self.assertEqual(
            self._text(tree.xpath("//div[@id='fd_client_page_error']")[0]),
            "Invoices in different currencies are paid separately: choose "
            "invoices in one currency.",
        )
        # A notice nobody knows says nothing.
        tree, _text = self._page(query="?notice=<script>")
        self.assertFalse(tree.xpath("//div[@id='fd_client_page_error']"))
        self.assertFalse(tree.xpath("//div[@id='fd_client_page_message']"))

    def test_pdf_of_own_invoice_only(self):
        response = self._get(f"/dues/{self.token}/invoice/{self.inv_late.id}", 303)
        location = response.headers["Location"]
        self.assertIn(f"/my/invoices/{self.inv_late.id}?access_token=", location)
        self.assertIn("report_type=pdf", location)
        pdf = self.url_open(location)
        self.assertEqual(pdf.status_code, 200)
        self.assertEqual(pdf.headers["Content-Type"], "application/pdf")
        # The credit note too.
        self._get(f"/dues/{self.token}/invoice/{self.refund.id}", 303)
        # Another client's invoice, a missing one, a draft: the friendly page.
        draft = self._create_invoice(self.client, 10.0, post=False)
        for move_id in (self.other_invoice.id, 999999999, draft.id):
            with self.subTest(move_id=move_id):
                response = self._get(f"/dues/{self.token}/invoice/{move_id}", 404)
                self.assertIn(INVALID, response.text)
                self.assertNotIn("Location", response.headers)


@tagged("post_install", "-at_install", "fd_http")
class TestClientPagePayment(ClientPageCommon, HttpCase):
    """One online payment through Odoo's test provider (payment_demo) for the
    invoices chosen on the page."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        demo = cls.env.ref("payment.payment_provider_demo").sudo()
        cls.provider.state = "disabled"
        cls.demo = demo.copy(
            {
                "company_id": cls.company.id,
                "state": "test",
                "is_published": True,
                "payment_method_ids": demo.payment_method_ids.ids,
            }
        )

    def _transaction(self, line_ids, token=None, **params):
        return self.make_jsonrpc_request(
            f"/dues/{token or self.token}/transaction/{'-'.join(map(str, line_ids))}",
            {
                "provider_id": self.demo.id,
                "payment_method_id": self.demo.payment_method_ids[:1].id,
                "token_id": None,
                "amount": 1.0,  # what the browser says is not what is charged
                "flow": "direct",
                "tokenization_requested": False,
                "landing_route": f"/dues/{token or self.token}?notice=paid",
                "is_validation": False,
                **params,
            },
        )

    def test_pay_two_invoices_in_one_payment(self):
        lines = self._line(self.inv_late) | self._line(self.inv_recent)
        tree, _text = self._page(query=f"/pay?line_ids={','.join(map(str, lines.ids))}")
        # The open credit note (150.00) is deducted from the payment.
        self.assertEqual(
            self._text(tree.xpath("//span[@id='fd_client_page_pay_amount']")[0]),
            f"1,850.00{NBSP}€",
        )
        self.assertEqual(
            self._text(tree.xpath("//li[hasclass('fd_client_page_pay_credit')]")[0]),
            f"Credit note {self.refund.name} -\ufeff150.00{NBSP}€",
        )
        form = tree.xpath("//form[@id='o_payment_form']")[0]
        self.assertEqual(
            form.get("data-transaction-route"),
            f"/dues/{self.token}/transaction/{'-'.join(map(str, lines.ids))}",
        )
        processing = self._transaction(lines.ids)
        tx = self.env["payment.transaction"].search(
            [("reference", "=", processing["reference"])]
        )
        self.assertEqual(tx.amount, 1850.0)
        self.assertEqual(tx.currency_id, self.eur)
        self.assertEqual(tx.partner_id, self.client)
        self.assertEqual(tx.invoice_ids, self.inv_late | self.inv_recent | self.refund)
        self.make_jsonrpc_request(
            "/payment/demo/simulate_payment",
            {
                "reference": tx.reference,
                "payment_details": "4242",
                "simulated_state": "done",
            },
        )
        tx._post_process()
        self.assertEqual(tx.state, "done")
        for invoice in (self.inv_late, self.inv_recent):
            self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(self.inv_future.payment_state, "not_paid")
        self.assertEqual(self.inv_future.amount_residual, 500.0)
        # The credit note is reconciled, nothing is left over.
        self.assertEqual(self.refund.amount_residual, 0.0)
        self.assertEqual(self.inv_late.amount_residual, 0.0)
        self.assertEqual(self.inv_recent.amount_residual, 0.0)
        self.assertTrue(tx.payment_id.move_id.line_ids.filtered("reconciled"))
        self.assertFalse(
            tx.payment_id.move_id.line_ids.filtered(
                lambda line: (
                    line.account_type == "asset_receivable" and not line.reconciled
                )
            )
        )
        tree, _text = self._page(query="?notice=paid")
        self.assertIn(
            "Thank you: your payment was received.",
            self._text(tree.xpath("//div[@id='fd_client_page_message']")[0]),
        )
        self.assertEqual(
            [int(row.get("data-line-id")) for row in tree.xpath("//tr[@data-line-id]")],
            [self._line(self.inv_future).id],
        )

    def test_credit_notes_covering_the_invoices_are_not_charged(self):
        big_refund = self._post_open_refund(
            self.client, 2350.0, self.today - timedelta(days=2), self.eur
        )
        tree, _text = self._page()
        total = tree.xpath("//div[hasclass('fd_client_page_total')]")[0]
        self.assertEqual(
            self._text(total.xpath(".//div[hasclass('fd_total_balance')]")[0]),
            f"Total to pay 0.00{NBSP}€",
        )
        self.assertEqual(
            self._text(
                total.xpath(".//div[hasclass('fd_client_page_credits_deducted')]")[0]
            ),
            "Your open credit notes are deducted from any online payment.",
        )
        self.assertFalse(tree.xpath("//a[hasclass('fd_client_page_pay_all')]"))
        lines = self._line(self.inv_late) | self._line(self.inv_recent)
        response = self._get(
            f"/dues/{self.token}/pay?line_ids={','.join(map(str, lines.ids))}", 303
        )
        self.assertTrue(
            response.headers["Location"].endswith(
                f"/dues/{self.token}?notice=pay_credits"
            )
        )
        tree, _text = self._page(query="?notice=pay_credits")
        self.assertEqual(
            self._text(tree.xpath("//div[@id='fd_client_page_message']")[0]),
            "Your credit notes cover these invoices: there is nothing to pay, "
            "we will apply them.",
        )
        count = self.env["payment.transaction"].search_count([])
        with self.assertRaises(JsonRpcException):
            self._transaction(lines.ids)
        self.assertEqual(self.env["payment.transaction"].search_count([]), count)
        self.assertEqual(big_refund.amount_residual, 2350.0)

    def test_payment_refuses_what_is_not_the_clients(self):
        own = self._line(self.inv_late)
        disabled = self.demo.copy({"state": "disabled"})
        other_method = (
            self.env["payment.method"]
            .with_context(active_test=False)
            .search([("id", "not in", self.demo.payment_method_ids.ids)], limit=1)
        )
        self.assertTrue(other_method)
        refused = {
            "another client's invoice": (
                [own.id, self._line(self.other_invoice).id],
                {},
            ),
            "a credit note": ([self._line(self.refund).id], {}),
            "an unknown line": ([own.id, 999999999], {}),
            "another company's provider": (
                [own.id],
                {"provider_id": self.env.ref("payment.payment_provider_demo").id},
            ),
            "a saved card": ([own.id], {"flow": "token", "token_id": 1}),
            "a disabled provider": ([own.id], {"provider_id": disabled.id}),
            "a method not the provider's": (
                [own.id],
                {"payment_method_id": other_method.id},
            ),
            "a validation transaction": ([own.id], {"is_validation": True}),
            "an extra value": ([own.id], {"reference_prefix": "X", "partner_id": 1}),
        }
        count = self.env["payment.transaction"].search_count([])
        for case, (ids, params) in refused.items():
            with self.subTest(case=case), self.assertRaises(JsonRpcException):
                self._transaction(ids, **params)
        forged = self.token[:-1] + ("0" if self.token[-1] != "0" else "1")
        with self.assertRaises(JsonRpcException):
            self._transaction([own.id], token=forged)
        self.assertEqual(self.env["payment.transaction"].search_count([]), count)
        # The payment page of another client's invoice sends back to the page.
        response = self._get(
            f"/dues/{self.token}/pay?line_ids={self._line(self.other_invoice).id}", 303
        )
        self.assertTrue(
            response.headers["Location"].endswith(
                f"/dues/{self.token}?notice=pay_choose"
            )
        )

    def test_phone_tour_selects_invoices_and_reaches_the_payment_form(self):
        self.browser_size = "390x844"
        self.start_tour(f"/dues/{self.token}", "freelance_dunning_client_page_phone")
