import base64

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestWorkGate(FreelanceDunningCommon):
    def _record_signed_copy(self, order, user=None, **values):
        wizard = (
            self.env["freelance.signed.copy.wizard"]
            .with_user(user or self.env.user)
            .with_context(active_id=order.id)
            .create(
                {
                    "signed_file": base64.b64encode(b"%PDF-1.4 signed quotation"),
                    "signed_filename": "signed.pdf",
                    "signed_by": "Jane Client",
                    **values,
                }
            )
        )
        return wizard.action_record()

    def _open_gates_before_commit(self):
        """What happens at the end of the request: the pre-commit hooks run."""
        self.env.flush_all()
        self.env.cr.precommit.run()

    # Signature gate ---------------------------------------------------

    def test_unsigned_quote_cannot_be_confirmed(self):
        order = self._create_order(user=self.salesman)
        self.assertEqual(order.work_gate_state, "waiting_signature")
        self.assertTrue(order.require_signature, "the client can sign online")
        with self.assertRaisesText(UserError, "must be signed"):
            order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "draft", "nothing changed")
        self.assertFalse(order.invoice_ids)

    def test_mass_confirmation_refuses_unsigned(self):
        signed = self._sign(self._create_order())
        unsigned = self._create_order()
        with self.assertRaisesText(UserError, unsigned.name):
            (signed | unsigned).action_confirm()
        self.assertEqual(signed.state, "draft", "all or nothing")
        self.assertFalse(signed.invoice_ids)

    def test_server_action_cannot_confirm_unsigned(self):
        order = self._create_order()
        action = self.env["ir.actions.server"].create(
            {
                "name": "Confirm quotations",
                "model_id": self.env.ref("sale.model_sale_order").id,
                "state": "code",
                "code": "records.action_confirm()",
            }
        )
        with self.assertRaisesText(UserError, "must be signed"):
            action.with_context(
                active_model="sale.order", active_ids=order.ids, active_id=order.id
            ).run()
        self.assertEqual(order.state, "draft")

    def test_signed_copy_recorded_by_salesperson(self):
        order = self._create_order(user=self.salesman)
        self._record_signed_copy(order, user=self.salesman)
        self.assertTrue(order.signed_copy_id)
        self.assertEqual(order.signed_copy_id.res_id, order.id)
        self.assertEqual(order.signed_by, "Jane Client")
        self.assertTrue(order.signed_on)
        self.assertFalse(order._has_to_be_signed(), "the portal no longer asks")
        self.assertEqual(order.work_gate_state, "waiting_deposit")
        order.with_user(self.salesman).action_confirm()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.work_gate_state, "waiting_deposit")

    def test_signed_copy_bad_input(self):
        order = self._create_order()
        with self.assertRaisesText(UserError, "future"):
            self._record_signed_copy(order, signed_on="2999-01-01")
        self.assertFalse(order.signed_copy_id, "nothing changed")
        self._record_signed_copy(order)
        with self.assertRaisesText(UserError, "already signed"):
            self._record_signed_copy(order)

    def test_duplicate_of_signed_quote_needs_new_signature(self):
        order = self._confirm(self._create_order())
        copy = order.copy()
        self.assertFalse(copy.signature)
        self.assertFalse(copy.signed_copy_id)
        self.assertEqual(copy.work_gate_state, "waiting_signature")
        with self.assertRaisesText(UserError, "must be signed"):
            copy.action_confirm()

    def test_payment_link_on_unsigned_quote(self):
        order = self._create_order(quantity=2)  # 1200, deposit 600
        order.require_payment = True
        self.currency = order.currency_id
        tx = self._create_transaction(
            flow="redirect",
            amount=600.0,
            sale_order_ids=[order.id],
            state="done",
            partner_id=self.client.id,
            reference="LINK-UNSIGNED",
        )
        tx._post_process()
        self.assertIn(order.state, ("draft", "sent"), "not confirmed without signature")
        self.assertTrue(tx.payment_id, "the payment is kept")
        self.assertTrue(
            any(
                "once the client has signed" in body
                for body in order.message_ids.mapped("body")
            )
        )
        # The client signs later: the deposit invoice is settled by that payment.
        self._sign(order).action_confirm()
        invoice = order.deposit_invoice_ids
        self.assertEqual(len(order.invoice_ids), 1)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(order.deposit_state, "paid")
        self.assertEqual(order.work_gate_state, "cleared")
        self.assertTrue(order.work_started_on)

    # Deposit gate -----------------------------------------------------

    def test_gate_opens_when_deposit_is_paid(self):
        order = self._confirm(self._create_order(user=self.salesman))
        self.assertEqual(order.work_gate_state, "waiting_deposit")
        self.assertIn("Deposit not paid yet", order.work_gate_reason)
        self.assertFalse(order.work_started_on)
        self._pay_invoice(order.deposit_invoice_ids, amount=100.0)
        self._open_gates_before_commit()
        self.assertEqual(
            order.work_gate_state, "waiting_deposit", "partly paid is not paid"
        )
        self.assertFalse(order.work_started_on)
        self._pay_invoice(order.deposit_invoice_ids)
        self._open_gates_before_commit()
        self.assertEqual(order.work_gate_state, "cleared")
        self.assertTrue(order.work_started_on)
        activity = order.activity_ids.filtered(lambda a: a.summary == "Start the work")
        self.assertEqual(activity.user_id, self.salesman, "the salesperson is told")
        self.assertTrue(
            any("work can start" in body for body in order.message_ids.mapped("body"))
        )
        started = order.work_started_on
        order._start_work_if_gate_open()
        self.assertEqual(order.work_started_on, started, "opening twice does nothing")
        self.assertEqual(
            len(order.activity_ids.filtered(lambda a: a.summary == "Start the work")), 1
        )

    def test_scheduled_action_opens_missed_gates(self):
        order = self._confirm(self._create_order())
        self._pay_invoice(order.deposit_invoice_ids)
        self.env.flush_all()
        self.env.cr.precommit.clear()  # as if the hook never ran
        self.assertFalse(order.work_started_on)
        self.env.ref(
            "freelance_dunning.ir_cron_open_work_gates"
        ).method_direct_trigger()
        self.assertTrue(order.work_started_on)

    def test_no_other_invoice_while_waiting(self):
        order = self._confirm(self._create_order())
        with self.assertRaisesText(UserError, "Invoicing is not possible yet"):
            order._create_invoices(final=True)
        wizard = self.env["sale.advance.payment.inv"].create(
            {
                "sale_order_ids": [Command.set(order.ids)],
                "advance_payment_method": "delivered",
            }
        )
        with self.assertRaisesText(UserError, "Invoicing is not possible yet"):
            wizard.create_invoices()
        self.assertEqual(len(order.invoice_ids), 1, "only the deposit")
        self._pay_invoice(order.deposit_invoice_ids)
        self._open_gates_before_commit()
        wizard.create_invoices()
        self.assertEqual(len(order.invoice_ids), 2)

    def test_override_by_manager_not_user(self):
        order = self._confirm(self._create_order(user=self.salesman))
        Override = self.env["freelance.work.gate.override.wizard"].with_context(
            active_id=order.id
        )
        with self.assertRaisesText(
            AccessError, "You are not allowed to create 'Open the Work Gate Early'"
        ):
            Override.with_user(self.salesman).create(
                {"reason": "Trust me"}
            ).action_open()
        self.assertEqual(order.work_gate_state, "waiting_deposit", "nothing changed")
        with self.assertRaisesText(UserError, "Write down why"):
            Override.with_user(self.manager).create({"reason": " "}).action_open()
        Override.with_user(self.manager).create(
            {"reason": "Transfer proof received"}
        ).action_open()
        self.assertEqual(order.work_gate_state, "overridden")
        self.assertEqual(order.work_gate_override_user_id, self.manager)
        self.assertTrue(order.work_gate_override_date)
        self.assertIn("Transfer proof received", order.work_gate_reason)
        self.assertTrue(order.work_started_on)
        self.assertTrue(
            any(
                "opened early by fd_manager" in body
                and "Transfer proof received" in body
                for body in order.message_ids.mapped("body")
            )
        )
        with self.assertRaisesText(UserError, "not waiting"):
            Override.with_user(self.manager).create({"reason": "Again"}).action_open()

    def test_suspension_of_a_client(self):
        first = self._confirm(self._create_order())
        second = self._confirm(self._create_order())
        self._pay_invoice(first.deposit_invoice_ids)
        self._open_gates_before_commit()
        contact = self.env["res.partner"].create(
            {"name": "Jane", "parent_id": self.client.id}
        )
        other_client_order = self._confirm(
            self._create_order(
                partner=self.env["res.partner"].create({"name": "Other"})
            )
        )
        suspended = contact._suspend_work("Invoice INV/001 unpaid for 30 days")
        self.assertEqual(suspended, first | second)
        self.assertEqual(first.work_gate_state, "suspended")
        self.assertIn("INV/001", first.work_gate_reason)
        self.assertNotEqual(other_client_order.work_gate_state, "suspended")
        self.assertFalse(first._is_work_open())
        self.assertFalse(self.client._suspend_work("again"), "already suspended")
        self.client._resume_work("Paid")
        self.assertEqual(first.work_gate_state, "cleared")
        self.assertEqual(second.work_gate_state, "waiting_deposit")

    def test_orders_confirmed_before_the_rule_stay_open(self):
        self.company.work_gate_required = False
        order = self._create_order()
        order.action_confirm()  # no signature needed without the rule
        self.company.work_gate_required = True
        self.assertFalse(order.work_gate_required)
        self.assertEqual(order.work_gate_state, "cleared")
        self.assertTrue(order._is_work_open())
        order._create_invoices(final=True)

    def test_orders_from_other_addons_data_files(self):
        """Sample orders loaded by another addon's data files are not gated."""
        order = self._create_order().with_context(install_module="sale_project")
        loaded = (
            self.env["sale.order"]
            .with_context(install_module="sale_project")
            .create({"partner_id": self.client.id})
        )
        self.assertFalse(loaded.work_gate_required)
        self.assertFalse(loaded.deposit_required)
        self.assertTrue(order.work_gate_required, "quotations made by people are gated")

    def test_refusal_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        order = self._create_order()
        with self.assertRaisesText(UserError, "doit être signé avant d'être confirmé"):
            order.with_context(lang="fr_FR").action_confirm()
        self._confirm(order)
        with self.assertRaisesText(
            UserError, "La facturation n'est pas encore possible"
        ):
            order.with_context(lang="fr_FR")._create_invoices(final=True)
