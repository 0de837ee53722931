import base64

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged

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
            self._record_signed_copy(
                order, signed_on=fields.Date.add(fields.Date.today(), days=30)
            )
        with self.assertRaisesText(ValidationError, "Signed On must be a date from"):
            self._record_signed_copy(order, signed_on="2999-01-01")
        self.assertFalse(order.signed_copy_id, "nothing changed")
        self._record_signed_copy(order)
        with self.assertRaisesText(UserError, "already signed"):
            self._record_signed_copy(order)

    def test_signed_copy_method_checks_the_rights(self):
        """The rule is the quotation's method: who may, on which quotation."""
        order = self._create_order(user=self.salesman)
        signed = base64.b64encode(b"%PDF-1.4 signed quotation")
        employee = new_test_user(
            self.env,
            login="fd_plain_employee",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaisesText(
            AccessError,
            "Only a dunning user (salesperson or invoicing user) may record the "
            "signed copy of a quotation.",
        ):
            order.with_user(employee)._record_signed_copy(
                "Jane Client", "2025-01-01", signed
            )
        own_documents = new_test_user(
            self.env,
            login="fd_own_documents",
            groups="sales_team.group_sale_salesman",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        with self.assertRaises(AccessError):  # Odoo's: not their quotation
            order.with_user(own_documents)._record_signed_copy(
                "Jane Client", "2025-01-01", signed
            )
        with self.assertRaisesText(UserError, "name of the signatory"):
            order._record_signed_copy("  ", "2025-01-01", signed)
        self.assertFalse(order.signed_copy_id, "nothing changed")
        order.with_user(self.salesman)._record_signed_copy(
            "Jane Client", "2025-01-01", signed, "scan.pdf"
        )
        self.assertEqual(order.signed_copy_id.name, "scan.pdf")
        self.assertEqual(order.signed_by, "Jane Client")
        self.assertTrue(
            any(
                "signed by Jane Client on 2025-01-01" in body
                for body in order.message_ids.mapped("body")
            )
        )

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

    def test_old_context_keys_do_not_invoice_behind_the_gate(self):
        order = self._confirm(self._create_order())
        keys = {
            "freelance_installment_invoicing": True,
            "freelance_payment_processing": True,
        }
        with self.assertRaisesText(UserError, "Invoicing is not possible yet"):
            order.with_context(**keys)._create_invoices(final=True)
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(**keys)
            .create(
                {
                    "sale_order_ids": [Command.set(order.ids)],
                    "advance_payment_method": "delivered",
                }
            )
        )
        with self.assertRaisesText(UserError, "Invoicing is not possible yet"):
            wizard.create_invoices()
        self.assertEqual(len(order.invoice_ids), 1, "only the deposit")
        # The schedule's next installment waits for the deposit too; a
        # dunning manager who opens the work early lets it be invoiced.
        with self.assertRaisesText(UserError, "is not paid yet"):
            order.action_invoice_next_installment()
        self.assertEqual(len(order.invoice_ids), 1, "only the deposit")
        order._open_work_gate_early("Trusted client")
        order.action_invoice_next_installment()
        self.assertEqual(len(order.invoice_ids), 2)
        self.assertEqual(order.work_gate_state, "overridden")

    def test_old_installment_key_changes_no_down_payment(self):
        order = self._confirm(self._create_order())
        self._pay_invoice(order.deposit_invoice_ids)
        self._open_gates_before_commit()
        balance = order.installment_ids.filtered(lambda i: not i.is_deposit)
        deposit = order.installment_ids.filtered("is_deposit")
        order.payment_term_id = self.env.ref("account.account_payment_term_30days")
        wizard = (
            self.env["sale.advance.payment.inv"]
            .with_context(freelance_installment_id=deposit.id)
            .create(
                {
                    "sale_order_ids": [Command.set(order.ids)],
                    "advance_payment_method": "fixed",
                    "fixed_amount": 100.0,
                }
            )
        )
        invoice = wizard._create_invoices(order)
        self.assertNotIn(
            "Deposit of", " ".join(invoice.invoice_line_ids.mapped("name"))
        )
        self.assertEqual(invoice.invoice_payment_term_id, order.payment_term_id)
        self.assertFalse(balance.invoice_id, "the installments are untouched")
        other = self._confirm(self._create_order())
        with self.assertRaisesText(ValidationError, "must belong to the order"):
            self.env["sale.advance.payment.inv"].create(
                {
                    "sale_order_ids": [Command.set(order.ids)],
                    "advance_payment_method": "fixed",
                    "fixed_amount": 100.0,
                    "freelance_installment_id": other.installment_ids[:1].id,
                }
            )

    def test_open_gate_early_method_checks_the_rights(self):
        order = self._confirm(self._create_order(user=self.salesman))
        with self.assertRaisesText(
            AccessError, "Only a dunning manager may open a work gate early."
        ):
            order.with_user(self.salesman)._open_work_gate_early("Trust me")
        self.assertEqual(order.work_gate_state, "waiting_deposit", "nothing changed")
        order.with_user(self.manager)._open_work_gate_early(" Proof received ")
        self.assertEqual(order.work_gate_override_reason, "Proof received")
        self.assertTrue(order.work_started_on)

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
        forged = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .with_context(install_module="sale_project")
            .create({"partner_id": self.client.id})
        )
        self.assertTrue(forged.work_gate_required, "the context key alone: gated")
        self.assertTrue(forged.deposit_required)
        # What Odoo's loader does: the module is installing while its data loads.
        self.env["ir.module.module"].search(
            [("name", "=", "sale_project")]
        ).state = "to install"
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
