from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestPrintedTerms(FreelanceDunningCommon):
    def _invoice_html(self, partner, lang=None):
        invoice = self._create_invoice(
            partner,
            invoice_line_ids=[Command.create({"product_id": self.service.id})],
        )
        report = self.env["ir.actions.report"]
        if lang:
            report = report.with_context(lang=lang)
        html = report._render_qweb_html("account.account_invoices", invoice.ids)[
            0
        ].decode()
        return " ".join(html.split())

    def test_invoice_prints_the_legal_mentions_for_business_clients(self):
        self.client.country_id = self.env.ref("base.fr")
        html = self._invoice_html(self.client)
        self.assertIn("plus 10 points", html)
        self.assertIn("40 EUR", html, "the indemnity written as an amount")
        self.assertIn("No discount is granted for early payment", html)
        self.assertIn("Work is suspended", html)
        self.assertIn("x days late / 365", html, "how interest is computed")
        self.assertIn("mise en demeure", html)

    @freeze_time("2026-03-02")
    def test_contractual_rate_and_consumers(self):
        # Checked against 2026 H1's floor (3 x 2.62 = 7.86 %).
        self.company.contractual_interest_rate = 12.0
        self.assertIn("yearly rate of 12%", self._invoice_html(self.client))
        consumer = self.env["res.partner"].create(
            {"name": "Nora Castel", "email": "n@e.com"}
        )
        html = self._invoice_html(consumer)
        self.assertNotIn("40 EUR", html)
        self.assertIn("legal interest rate", html)

    def test_printed_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        self.client.lang = "fr_FR"
        html = self._invoice_html(self.client)
        self.assertIn("40 EUR", html)
        self.assertIn("Conditions de paiement", html)
