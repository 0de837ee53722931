from odoo.fields import Command
from odoo.tests import Form, tagged
from odoo.tools import mute_logger

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestFrenchPaymentTermCheck(FreelanceDunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.client.country_id = cls.env.ref("base.fr")

        def term(name, nb_days, delay_type="days_after"):
            return cls.env["account.payment.term"].create(
                {
                    "name": name,
                    "line_ids": [
                        Command.create(
                            {
                                "value": "percent",
                                "value_amount": 100,
                                "nb_days": nb_days,
                                "delay_type": delay_type,
                            }
                        )
                    ],
                }
            )

        cls.term_30 = term("30 days", 30)
        cls.term_60 = term("60 days", 60)
        cls.term_90 = term("90 days", 90)
        cls.term_45_eom = term("45 days end of month", 45, "days_after_end_of_month")
        cls.term_60_eom = term("60 days end of month", 60, "days_after_end_of_month")

    def test_table(self):
        for term, too_long in (
            (self.term_30, False),
            (self.term_60, False),
            (self.term_90, True),
            (self.term_45_eom, False),
            (self.term_60_eom, True),
        ):
            with self.subTest(term=term.name):
                self.assertEqual(
                    bool(term._get_french_b2b_warning(self.client)), too_long
                )

    def test_only_french_business_clients(self):
        consumer = self.env["res.partner"].create(
            {"name": "Nora", "country_id": self.env.ref("base.fr").id}
        )
        belgian = self.env["res.partner"].create(
            {
                "name": "Northwind",
                "is_company": True,
                "country_id": self.env.ref("base.be").id,
            }
        )
        self.assertFalse(self.term_90._get_french_b2b_warning(consumer))
        self.assertFalse(self.term_90._get_french_b2b_warning(belgian))

    @mute_logger("odoo.tests.form.onchange")  # the warning a person sees
    def test_warning_on_quote_and_invoice(self):
        with Form(self.env["sale.order"]) as form:
            form.partner_id = self.client
            form.payment_term_id = self.term_90
            self.assertIn("L441-10", form.payment_term_warning)
            form.payment_term_id = self.term_30
            self.assertFalse(form.payment_term_warning)
        invoice = self._create_invoice(
            post=False,
            invoice_line_ids=[],
            invoice_payment_term_id=self.term_60_eom.id,
        )
        self.assertIn("60 days from the invoice date", invoice.payment_term_warning)
