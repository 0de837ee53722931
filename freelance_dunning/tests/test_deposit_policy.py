from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form, tagged

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestDepositPolicy(FreelanceDunningCommon):
    def test_quote_gets_company_default(self):
        order = self._create_order(quantity=2)  # 2 x 500 + 20 % VAT = 1200
        self.assertTrue(order.deposit_required)
        self.assertFalse(order.payment_schedule_id)
        self.assertEqual(order.amount_total, 1200.0)
        self.assertEqual(order.deposit_percent, 50.0)
        self.assertEqual(order.deposit_amount, 600.0, "deposit includes taxes")
        self.assertEqual(order.deposit_state, "to_pay")
        self.assertEqual(
            order.installment_ids.mapped("trigger"), ["signature", "delivery"]
        )
        self.assertEqual(order.installment_ids.mapped("amount"), [600.0, 600.0])
        self.assertAlmostEqual(
            order.prepayment_percent, 0.5, msg="portal asks the deposit"
        )

    def test_quote_gets_company_schedule(self):
        self.company.payment_schedule_id = self.schedule_50_25_25
        order = self._create_order(quantity=1)  # 600 incl. VAT
        self.assertEqual(order.payment_schedule_id, self.schedule_50_25_25)
        self.assertEqual(order.installment_ids.mapped("amount"), [300.0, 150.0, 150.0])
        self.assertEqual(order.installment_ids.filtered("is_deposit").name, "Deposit")

    def test_rounding_remainder_on_last_installment(self):
        schedule = self._create_schedule(
            "Thirds", [(33.33, "signature"), (33.33, "milestone"), (33.34, "delivery")]
        )
        order = self._create_order(quantity=1, payment_schedule_id=schedule.id)
        order.order_line.price_unit = 333.33  # 399.996 -> 400.00 incl. VAT
        amounts = order.installment_ids.mapped("amount")
        self.assertEqual(amounts[:2], [133.32, 133.32])
        self.assertAlmostEqual(sum(amounts), order.amount_total, places=2)

    def test_deposit_follows_quote_total(self):
        order = self._create_order(quantity=1)
        self.assertEqual(order.deposit_amount, 300.0)
        order.order_line.product_uom_qty = 3
        self.assertEqual(order.deposit_amount, 900.0)

    def test_client_with_full_upfront(self):
        self.client.write(
            {"deposit_policy": "schedule", "payment_schedule_id": self.schedule_100.id}
        )
        order = self._create_order(quantity=1)
        self.assertEqual(order.payment_schedule_id, self.schedule_100)
        self.assertEqual(order.deposit_amount, order.amount_total)
        contact = self.env["res.partner"].create(
            {"name": "Jane", "parent_id": self.client.id}
        )
        self.assertEqual(
            contact.deposit_policy, "schedule", "contacts follow their company"
        )
        self.assertEqual(
            self._create_order(partner=contact).payment_schedule_id, self.schedule_100
        )

    def test_salesman_may_raise_but_not_lower_client_deposit(self):
        client = self.client.with_user(self.salesman)
        client.write(
            {"deposit_policy": "schedule", "payment_schedule_id": self.schedule_100.id}
        )
        self.assertEqual(self.client.payment_schedule_id, self.schedule_100)
        with self.assertRaisesText(AccessError, "dunning manager"):
            client.write({"payment_schedule_id": self.schedule_30_70.id})
        with self.assertRaisesText(AccessError, "dunning manager"):
            client.write({"deposit_policy": "exempt"})
        self.assertEqual(self.client.deposit_policy, "schedule", "nothing changed")
        with self.assertRaisesText(AccessError, "dunning manager"):
            self.env["res.partner"].with_user(self.salesman).create(
                {"name": "Trusted", "is_company": True, "deposit_policy": "exempt"}
            )

    def test_manager_may_exempt_client(self):
        self.client.with_user(self.manager).deposit_policy = "exempt"
        order = self._create_order()
        self.assertFalse(order.deposit_required)
        self.assertFalse(order.installment_ids)
        self.assertEqual(order.deposit_state, "not_required")
        self._confirm(order)
        self.assertFalse(order.invoice_ids, "no deposit invoice for an exempt client")

    def test_own_schedule_needs_a_schedule(self):
        with self.assertRaisesText(ValidationError, "Choose the payment schedule"):
            self.client.deposit_policy = "schedule"

    def test_salesman_cannot_waive_order_deposit(self):
        order = self._create_order(user=self.salesman)
        with self.assertRaisesText(AccessError, "dunning manager"):
            order.with_user(self.salesman).deposit_required = False
        with self.assertRaisesText(AccessError, "dunning manager"):
            order.with_user(self.salesman).payment_schedule_id = self.schedule_30_70
        self.assertTrue(order.deposit_required, "nothing changed")
        order.with_user(self.salesman).payment_schedule_id = self.schedule_100
        self.assertEqual(order.deposit_percent, 100)
        # A manager waives it with a reason, never by writing the field.
        with self.assertRaisesText(
            AccessError,
            f"Only a dunning manager may waive the deposit of {order.name}, with the "
            "Waive Deposit action and a written reason.",
        ):
            order.with_user(self.manager).deposit_required = False
        self.assertTrue(order.deposit_required, "nothing changed")
        order.with_user(self.manager)._waive_deposit("Long-standing client")
        self.assertEqual(order.deposit_state, "not_required")

    def test_salesman_can_use_client_lower_schedule(self):
        """A manager-approved lower deposit is the client's minimum."""
        self.client.with_user(self.manager).write(
            {
                "deposit_policy": "schedule",
                "payment_schedule_id": self.schedule_30_70.id,
            }
        )
        order = self._create_order(user=self.salesman)
        self.assertEqual(order.deposit_percent, 30)
        order.with_user(self.salesman).payment_schedule_id = self.schedule_50_25_25
        self.assertEqual(order.deposit_percent, 50)

    def test_form_changes_schedule(self):
        with Form(self.env["sale.order"]) as form:
            form.partner_id = self.client
            with form.order_line.new() as line:
                line.product_id = self.service
                line.product_uom_qty = 2
            form.payment_schedule_id = self.schedule_50_25_25
            self.assertEqual(form.deposit_percent, 50)
        order = form.record
        self.assertEqual(len(order.installment_ids), 3)
        self.assertEqual(order.installment_ids.mapped("amount"), [600.0, 300.0, 300.0])

    def test_schedule_of_another_company(self):
        other = self.setup_other_company(name="Other freelancer")["company"]
        foreign = self._create_schedule("Foreign", [(100, "signature")], company=other)
        with self.assertRaisesText(UserError, "Incompatible companies"):
            self._create_order(payment_schedule_id=foreign.id)
        order = self._create_order()
        with self.assertRaisesText(UserError, "Incompatible companies"):
            order.payment_schedule_id = foreign
        self.assertFalse(order.payment_schedule_id)
        # The client's schedule is per company: another company's is refused
        # here, and company B's choice leaves this company's rule.
        with self.assertRaisesText(UserError, "Incompatible companies"):
            self.client.write(
                {"deposit_policy": "schedule", "payment_schedule_id": foreign.id}
            )
        self.client.with_company(other).write(
            {"deposit_policy": "schedule", "payment_schedule_id": foreign.id}
        )
        self.assertFalse(self.client.payment_schedule_id)
        self.assertEqual(self._create_order().deposit_percent, 50)

    def test_second_company_rule(self):
        other = self.setup_other_company(name="Agency B")["company"]
        other.deposit_percent = 30
        order = self._create_order(
            quantity=1, company=other, line_values={"tax_id": False}
        )
        self.assertEqual(order.deposit_percent, 30)
        self.assertEqual(order.deposit_amount, 150.0)
        other.deposit_required = False
        self.assertFalse(
            self.env["sale.order"]
            .with_company(other)
            .create({"partner_id": self.client.id, "company_id": other.id})
            .deposit_required
        )

    def test_other_currency(self):
        currency = self.setup_other_currency("EUR", rates=[("2000-01-01", 2.0)])
        pricelist = self.env["product.pricelist"].create(
            {"name": "EUR", "currency_id": currency.id, "company_id": self.company.id}
        )
        order = self._create_order(quantity=1, pricelist_id=pricelist.id)
        self.assertEqual(order.currency_id, currency)
        self.assertEqual(order.amount_total, 1200.0, "500 x 2 (rate) + 20 % VAT")
        self.assertEqual(order.deposit_amount, 600.0, "in the quote's currency")
        self._confirm(order)
        invoice = order.deposit_invoice_ids
        self.assertEqual(invoice.currency_id, currency)
        self.assertEqual(invoice.amount_total, 600.0)

    def test_zero_amount_quote_has_no_deposit(self):
        """Nothing to pay, no deposit to ask: signed, it confirms without a
        deposit invoice and its work is open (test_rules_scope.py)."""
        order = self._create_order(quantity=1)
        order.order_line.price_unit = 0.0
        self._confirm(order)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.invoice_ids)
        self.assertFalse(order.installment_ids)
        self.assertEqual(order.deposit_state, "not_required")
        self.assertEqual(order.work_gate_state, "cleared")

    def test_confirmed_orders_keep_their_terms(self):
        """Orders confirmed under no deposit rule never get one afterwards."""
        self.company.deposit_required = False
        order = self._create_order()
        self._confirm(order)
        self.company.deposit_required = True
        order.partner_id = self.env["res.partner"].create({"name": "Other client"})
        self.assertFalse(order.deposit_required)
        self.assertEqual(order.deposit_state, "not_required")
        self.assertFalse(order.installment_ids)

    def test_client_blanked_by_warning_onchange(self):
        """Odoo's warning onchange blanks a blocked client on a saved quotation
        (sale's TestSaleOnchanges.test_sale_warnings): the installments wait
        for the next client instead of flushing an order without one."""
        order = self._create_order(quantity=1)  # 600 incl. VAT
        blocked = self._create_client(
            "Blocked client", sale_warn="block", sale_warn_msg="Unpaid since May"
        )
        order.partner_id = blocked
        warning = order._onchange_partner_id_warning()
        self.assertEqual(warning["warning"]["message"], "Unpaid since May")
        self.assertFalse(order.partner_id)
        self.assertEqual(order.installment_ids.mapped("amount"), [300.0, 300.0])
        other = self._create_client("Other client")
        order.partner_id = other
        order.order_line.product_uom_qty = 2
        self.env.flush_all()
        self.assertEqual(order.partner_id, other)
        self.assertEqual(order.installment_ids.mapped("amount"), [600.0, 600.0])

    def test_duplicate_gets_fresh_installments(self):
        order = self._create_order()
        self._confirm(order)
        copy = order.copy()
        self.assertEqual(copy.state, "draft")
        self.assertEqual(len(copy.installment_ids), 2)
        self.assertFalse(copy.installment_ids.invoice_id)
        self.assertEqual(copy.deposit_state, "to_pay")

    def test_waive_deposit_method_checks_the_rights(self):
        order = self._create_order(user=self.salesman)
        with self.assertRaisesText(
            AccessError, "Only a dunning manager may waive a deposit."
        ):
            order.with_user(self.salesman)._waive_deposit("Friend")
        with self.assertRaisesText(UserError, "Write down why the deposit is waived."):
            order.with_user(self.manager)._waive_deposit("")
        self.assertTrue(order.deposit_required, "nothing changed")
        order.with_user(self.manager)._waive_deposit("Long-standing client")
        self.assertFalse(order.deposit_required)
        self.assertFalse(order.installment_ids)

    def test_old_context_keys_change_no_deposit(self):
        order = self._create_order(user=self.salesman)
        installments = order.installment_ids
        keys = {
            "freelance_installment_invoicing": True,
            "freelance_payment_processing": True,
            "freelance_schedule_write": True,
            "freelance_installment_id": installments[:1].id,
            "freelance_commercial_sync": True,
        }
        salesman_order = order.with_user(self.salesman).with_context(**keys)
        with self.assertRaisesText(AccessError, "Only a dunning manager may waive"):
            salesman_order.write({"deposit_required": False})
        with self.assertRaisesText(AccessError, "Only a dunning manager may waive"):
            salesman_order.write(
                {"payment_schedule_id": False, "deposit_required": False}
            )
        self.assertTrue(order.deposit_required)
        self.assertEqual(order.installment_ids, installments)
        self.assertEqual(order.deposit_percent, 50.0)

    def test_waiver_needs_manager_and_reason(self):
        order = self._create_order()
        Waiver = self.env["freelance.deposit.waiver.wizard"].with_context(
            active_ids=order.ids
        )
        with self.assertRaisesText(
            AccessError, "You are not allowed to create 'Waive a Quotation's Deposit'"
        ):
            Waiver.with_user(self.salesman).create({"reason": "Friend"}).action_waive()
        self.assertTrue(order.deposit_required, "nothing changed")
        with self.assertRaisesText(UserError, "Write down why"):
            Waiver.with_user(self.manager).create({"reason": "   "}).action_waive()
        Waiver.with_user(self.manager).create(
            {"reason": "Paid on time for 3 years"}
        ).action_waive()
        self.assertFalse(order.deposit_required)
        self.assertEqual(order.deposit_state, "not_required")
        self.assertIn("Paid on time for 3 years", order.message_ids[0].body)
        self.assertIn("fd_manager", order.message_ids[0].body)
        self._confirm(order)
        self.assertFalse(order.invoice_ids)
        with self.assertRaisesText(UserError, "confirmed order"):
            Waiver.with_user(self.manager).create({"reason": "Late"}).action_waive()
