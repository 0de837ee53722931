"""Issue 17: the rules apply to the team's quotations; the flows another part
of Odoo owns keep Odoo's behaviour. The web shop and sale_project flows are
tested in their bridges (freelance_dunning_website_sale,
freelance_dunning_project)."""

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from odoo.addons.freelance_dunning import _apply_terms_to_existing_quotations

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestRulesScope(FreelanceDunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company.work_gate_required = True

    def test_hook_follows_the_company_switches(self):
        order = self._create_order()
        self.assertEqual(
            order._freelance_rules_apply(), {"deposit": True, "work_gate": True}
        )
        self.company.deposit_required = False
        self.assertEqual(
            order._freelance_rules_apply(), {"deposit": False, "work_gate": True}
        )
        quote = self._create_order()
        self.assertFalse(quote.deposit_required)
        self.assertFalse(quote.installment_ids)
        self.assertTrue(quote.work_gate_required)
        self.company.work_gate_required = False
        quote = self._create_order()
        self.assertFalse(quote.work_gate_required)
        quote.action_confirm()
        self.assertEqual(quote.state, "sale", "Odoo's confirmation, unsigned")

    def test_zero_total_order_needs_the_signature_only(self):
        order = self._create_order(quantity=1, line_values={"price_unit": 0.0})
        self.assertEqual(order.amount_total, 0.0)
        with self.assertRaisesText(UserError, "must be signed before it is confirmed"):
            order.action_confirm()
        self.assertEqual(order.state, "draft")
        self._confirm(order)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.invoice_ids, "no deposit invoice of zero")
        self.assertFalse(order.installment_ids)
        self.assertEqual(order.deposit_state, "not_required")
        self.assertEqual(order.work_gate_state, "cleared")

    def test_zero_total_order_without_signature_rule(self):
        self.company.work_gate_required = False
        order = self._create_order(
            quantity=1, line_values={"price_unit": 0.0}, user=self.salesman
        )
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale", "no dunning manager needed")
        self.assertFalse(order.invoice_ids)

    def test_quotations_before_install_keep_odoo_behaviour(self):
        """What the post-init hook does with the quotations that existed."""
        draft = self._create_order(user=self.salesman).with_env(self.env)
        sent = self._create_order(require_signature=False)
        sent.action_quotation_sent()
        confirmed = self._confirm(self._create_order())
        # The post-init hook runs as the system.
        _apply_terms_to_existing_quotations((draft | sent | confirmed).sudo())
        for quote in draft | sent:
            with self.subTest(state=quote.state):
                self.assertEqual(quote.freelance_rules_exemption, "before_install")
                self.assertFalse(quote.deposit_required)
                self.assertFalse(quote.work_gate_required)
                self.assertFalse(quote.installment_ids)
                self.assertEqual(quote.deposit_state, "not_required")
        self.assertFalse(sent.require_signature, "the signature setting is kept")
        self.assertFalse(confirmed.freelance_rules_exemption)
        self.assertTrue(confirmed.deposit_invoice_ids, "confirmed orders unchanged")
        draft.with_user(self.salesman).action_confirm()
        self.assertEqual(draft.state, "sale", "confirmed unsigned, as Odoo does")
        self.assertFalse(draft.invoice_ids, "no deposit invoice")
        self.assertEqual(draft.work_gate_state, "cleared")
        # A duplicate is a new quotation of the team: the rules apply.
        duplicate = sent.copy()
        self.assertFalse(duplicate.freelance_rules_exemption)
        self.assertTrue(duplicate.deposit_required)
        self.assertTrue(duplicate.work_gate_required)

    def test_exemption_is_the_addons_alone(self):
        """No role writes the exemption, nor creates an order with it, whatever
        the context (the attack matrix plays every role)."""
        order = self._create_order(user=self.salesman)
        message = (
            f"Whether the deposit and the work gate apply to {order.name} follows "
            "the flow that created it (web shop, project or task, quotation "
            "existing before the install): it cannot be written."
        )
        for user in (self.salesman, self.manager):
            with (
                self.subTest(user=user.login),
                self.assertRaisesText(AccessError, message),
            ):
                order.with_user(user).with_context(install_mode=True).write(
                    {"freelance_rules_exemption": "before_install"}
                )
        self.assertFalse(order.freelance_rules_exemption)
        self.assertTrue(order.deposit_required)
        with self.assertRaisesText(AccessError, "a new quotation follows the flow"):
            self._create_order(
                user=self.manager, freelance_rules_exemption="before_install"
            )
