from contextlib import contextmanager

from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.account_payment.tests.common import AccountPaymentCommon


class FreelanceDunningCommon(AccountPaymentCommon):
    """A freelancer company with the 50 % deposit rule, clients and users."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.company.write({"deposit_required": True, "deposit_percent": 50.0})
        cls.env.user.groups_id |= cls.env.ref("freelance_dunning.group_dunning_manager")
        cls.tax_20 = cls.env["account.tax"].create(
            {
                "name": "VAT 20%",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.service = cls.env["product.product"].create(
            {
                "name": "Website design (day)",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 500.0,
                "taxes_id": [Command.set(cls.tax_20.ids)],
                "property_account_income_id": cls.company_data[
                    "default_account_revenue"
                ].id,
            }
        )
        cls.client = cls.env["res.partner"].create(
            {
                "name": "Brightside Coaching",
                "is_company": True,
                "email": "hello@brightside.example.com",
                "lang": "en_US",
            }
        )
        cls.schedule_50_25_25 = cls._create_schedule(
            "50/25/25", [(50, "signature"), (25, "milestone"), (25, "delivery")]
        )
        cls.schedule_100 = cls._create_schedule("100% upfront", [(100, "signature")])
        cls.schedule_30_70 = cls._create_schedule(
            "30/70", [(30, "signature"), (70, "delivery")]
        )
        cls.salesman = new_test_user(
            cls.env,
            login="fd_salesman",
            groups="sales_team.group_sale_salesman,account.group_account_invoice,"
            "base.group_partner_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.manager = new_test_user(
            cls.env,
            login="fd_manager",
            groups="sales_team.group_sale_manager,account.group_account_invoice,"
            "freelance_dunning.group_dunning_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )

    @classmethod
    def _create_schedule(cls, name, installments, company=None):
        return cls.env["freelance.payment.schedule"].create(
            {
                "name": name,
                "company_id": (company or cls.company).id,
                "installment_ids": [
                    Command.create(
                        {
                            "sequence": index,
                            "percent": percent,
                            "trigger": trigger,
                            "days_after_signature": days,
                        }
                    )
                    for index, (percent, trigger, *rest) in enumerate(installments)
                    for days in [rest[0] if rest else 0]
                ],
            }
        )

    @classmethod
    def _create_order(cls, partner=None, quantity=2, user=None, **values):
        env = cls.env(user=user) if user else cls.env
        return env["sale.order"].create(
            {
                "partner_id": (partner or cls.client).id,
                "order_line": [
                    Command.create(
                        {"product_id": cls.service.id, "product_uom_qty": quantity}
                    )
                ],
                **values,
            }
        )

    # A 1x1 GIF: what Odoo's portal stores when a client signs online.
    SIGNATURE = "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs="

    @classmethod
    def _sign(cls, order, name="Client signatory"):
        """Sign the quotation as Odoo's portal does."""
        order.write(
            {"signature": cls.SIGNATURE, "signed_by": name, "signed_on": "2026-01-05"}
        )
        return order

    @classmethod
    def _confirm(cls, order):
        cls._sign(order).action_confirm()
        return order

    @contextmanager
    def assertRaisesText(self, exception, text):
        """Odoo's assertRaises (which rolls the failed write back) plus its message."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertIn(text, str(catcher.exception))

    def _pay_invoice(self, invoice, amount=None):
        """Register a bank transfer on the invoice, as an accountant would."""
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount} if amount else {})
        )
        return wizard._create_payments()
