from datetime import date

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestDepositInvoice(FreelanceDunningCommon, MockEmail):
    def setUp(self):
        super().setUp()
        # Odoo's test SMTP session: the mail server takes every email (an
        # email refused would leave the invoice not sent).
        self.enterContext(self.mock_mail_gateway())

    def _sent_mails(self, invoice):
        return self.env["mail.message"].search(
            [
                ("model", "=", "account.move"),
                ("res_id", "=", invoice.id),
                ("message_type", "=", "comment"),
            ]
        )

    def _render_quote(self, order):
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html("sale.action_report_saleorder", order.ids)[0]
            .decode()
        )
        return " ".join(html.split())

    def test_confirmation_issues_and_emails_deposit_invoice(self):
        order = self._create_order(quantity=2)  # 1200 incl. VAT
        self._confirm(order)
        invoice = order.deposit_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 600.0)
        self.assertEqual(invoice.amount_tax, 100.0, "the deposit carries its VAT")
        self.assertEqual(
            invoice.invoice_date_due, invoice.invoice_date, "due on receipt"
        )
        self.assertTrue(
            invoice.invoice_line_ids.sale_line_ids.is_downpayment,
            "a real down payment of Odoo's sale flow",
        )
        self.assertIn("Deposit of 50% on order", invoice.invoice_line_ids.name)
        self.assertEqual(order.installment_ids.filtered("is_deposit").state, "invoiced")
        self.assertEqual(order.deposit_state, "to_pay")
        # Emailed right after the click, by Odoo's sending queue, with the
        # PDF and a payment link that needs no login.
        self.assertEqual(invoice.send_at_once_state, "pending")
        self.assertFalse(self._sent_mails(invoice), "not at the click")
        self._send_in_background()
        message = self._sent_mails(invoice)
        self.assertEqual(len(message), 1)
        self.assertIn(self.client, message.partner_ids)
        self.assertIn(f"Deposit, invoice {invoice.name}", message.subject)
        self.assertIn(f"access_token={invoice.access_token}", message.body)
        self.assertTrue(message.attachment_ids, "the invoice is attached")
        self.assertTrue(invoice.is_move_sent)
        self.assertIn(
            self.client,
            message.notification_ids.filtered(
                lambda n: n.notification_type == "email"
            ).res_partner_id,
            "the client is notified by email",
        )

    def test_french_client_reads_acompte(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        self.client.lang = "fr_FR"
        order = self._create_order()
        self._confirm(order)
        label = order.deposit_invoice_ids.invoice_line_ids.name
        self.assertIn("Acompte de 50", label)
        self.assertIn(order.name, label)
        self._send_in_background()
        message = self._sent_mails(order.deposit_invoice_ids)
        self.assertIn("Acompte, facture", message.subject)
        self.assertIn("Payer en ligne", message.body)
        html = self._render_quote(order.with_context(lang="fr_FR"))
        self.assertIn("Échéancier de paiement", html)
        self.assertIn("40 EUR", html)

    def test_bank_transfer_pays_the_deposit(self):
        """Odoo's amount_paid misses a transfer reconciled on the invoice; we do not."""
        order = self._create_order(quantity=2)
        self._confirm(order)
        invoice = order.deposit_invoice_ids
        self._pay_invoice(invoice, amount=200.0)
        self.assertEqual(order.amount_paid, 0.0)
        self.assertEqual(order.deposit_amount_paid, 200.0)
        self.assertEqual(order.deposit_state, "partial")
        self._pay_invoice(invoice)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(order.deposit_amount_paid, 600.0)
        self.assertEqual(order.deposit_state, "paid")

    def test_credit_note_cancels_deposit_payment_status(self):
        order = self._create_order()
        self._confirm(order)
        invoice = order.deposit_invoice_ids
        reversal = invoice._reverse_moves(cancel=True)
        self.assertEqual(reversal.state, "posted")
        self.assertEqual(invoice.payment_state, "reversed")
        self.assertEqual(order.deposit_state, "to_pay")

    def test_installments_then_final_invoice(self):
        order = self._create_order(
            quantity=2, payment_schedule_id=self.schedule_50_25_25.id
        )
        self._confirm(order)
        self.assertEqual(len(order.invoice_ids), 1, "only the deposit at signature")
        with self.assertRaisesText(
            UserError, f"deposit of {order.name} is not paid yet"
        ):
            order.action_invoice_next_installment()
        self.assertEqual(len(order.invoice_ids), 1, "nothing invoiced")
        self._pay_invoice(order.deposit_invoice_ids)
        order.action_invoice_next_installment()  # mid-way milestone
        milestone = order.installment_ids.sorted("sequence")[1].invoice_id
        self.assertEqual(milestone.amount_total, 300.0)
        self.assertEqual(milestone.state, "posted")
        self._send_in_background()
        self.assertTrue(self._sent_mails(milestone))
        order.action_invoice_next_installment()  # before delivery: the balance
        final = order.installment_ids.sorted("sequence")[2].invoice_id
        self.assertEqual(final.amount_total, 300.0, "total minus both down payments")
        self.assertTrue(
            final.invoice_line_ids.filtered(lambda line: line.quantity < 0),
            "the final invoice deducts the down payments",
        )
        self.assertEqual(order.invoice_status, "invoiced")
        self.assertEqual(
            sum(order.invoice_ids.mapped("amount_total")), order.amount_total
        )
        with self.assertRaisesText(UserError, "has been invoiced"):
            order.action_invoice_next_installment()

    def test_next_installment_needs_confirmed_order(self):
        order = self._create_order()
        with self.assertRaisesText(UserError, "not confirmed"):
            order.action_invoice_next_installment()

    def test_dated_installment_invoiced_by_scheduled_action(self):
        schedule = self._create_schedule("Dated", [(50, "signature"), (50, "date", 30)])
        with freeze_time("2026-03-01"):
            order = self._create_order(payment_schedule_id=schedule.id)
            self._confirm(order)
        dated = order.installment_ids.filtered(lambda i: i.trigger == "date")
        self.assertEqual(dated.date_planned, date(2026, 3, 31))
        cron = self.env.ref("freelance_dunning.ir_cron_invoice_dated_installments")
        with freeze_time("2026-03-30"):
            cron.method_direct_trigger()
        self.assertFalse(dated.invoice_id, "not yet due")
        with freeze_time("2026-03-31"):
            cron.method_direct_trigger()
            self.assertFalse(dated.invoice_id, "due, but the deposit is not paid")
            self._pay_invoice(order.deposit_invoice_ids)
            cron.method_direct_trigger()
            self.assertEqual(dated.invoice_id.state, "posted")
            cron.method_direct_trigger()
        self.assertEqual(len(order.invoice_ids), 2, "running twice issues nothing more")

    def test_dated_installment_waits_for_the_deposit_invoice(self):
        """A deposit not invoiced yet (confirmed from the form, its invoice
        failing in the background) holds the dated installments, even with
        the work gate opened early: the balance deducts the deposit."""
        schedule = self._create_schedule("Dated", [(50, "signature"), (50, "date", 30)])
        with freeze_time("2026-03-01"):
            order = self._create_order(payment_schedule_id=schedule.id)
            self._sign(order).with_context(
                freelance_deposit_in_background=True
            ).action_confirm()
        self.assertFalse(order.invoice_ids, "the deposit's invoice is to come")
        order.with_user(self.manager)._open_work_gate_early("Trusted client")
        self.assertEqual(order.work_gate_state, "overridden")
        dated = order.installment_ids.filtered(lambda i: i.trigger == "date")
        cron = self.env.ref("freelance_dunning.ir_cron_invoice_dated_installments")
        with freeze_time("2026-03-31"):
            cron.method_direct_trigger()
            self.assertFalse(order.invoice_ids, "held until the deposit is invoiced")
            self.env["sale.order"]._cron_issue_deposit_invoices()
            deposit = order.deposit_invoice_ids
            self.assertEqual(deposit.amount_total, order.amount_total / 2)
            cron.method_direct_trigger()
        self.assertEqual(dated.invoice_id.state, "posted")
        self.assertEqual(
            dated.invoice_id.amount_total,
            order.amount_total - deposit.amount_total,
            "the balance, the deposit deducted",
        )

    def test_dated_installment_held_by_a_deleted_deposit_invoice_is_told(self):
        schedule = self._create_schedule("Dated", [(50, "signature"), (50, "date", 30)])
        with freeze_time("2026-03-01"):
            order = self._create_order(payment_schedule_id=schedule.id)
            self._confirm(order)
        deposit = order.deposit_invoice_ids
        deposit.button_draft()
        deposit.unlink()
        order.with_user(self.manager)._open_work_gate_early("Trusted client")
        cron = self.env.ref("freelance_dunning.ir_cron_invoice_dated_installments")
        told = "wait for its deposit invoice, which is not issued"
        for day in ("2026-03-31", "2026-04-01"):
            with freeze_time(day):
                cron.method_direct_trigger()
        self.assertFalse(order.invoice_ids, "neither the balance nor the deposit")
        notes = order.message_ids.filtered(lambda m: told in (m.body or ""))
        self.assertEqual(len(notes), 1, "told once")
        # Invoice Next Installment issues the deposit, then the cron the rest.
        order.action_invoice_next_installment()
        with freeze_time("2026-04-02"):
            cron.method_direct_trigger()
        dated = order.installment_ids.filtered(lambda i: i.trigger == "date")
        self.assertEqual(dated.invoice_id.state, "posted")
        self.assertEqual(len(order.invoice_ids), 2)

    def test_client_without_email(self):
        self.client.email = False
        order = self._create_order()
        self._confirm(order)
        self.assertEqual(order.deposit_invoice_ids.state, "posted")
        self.assertTrue(
            any("no email address" in body for body in order.message_ids.mapped("body"))
        )

    def test_quote_pdf_shows_schedule_and_terms(self):
        order = self._create_order(payment_schedule_id=self.schedule_50_25_25.id)
        html = self._render_quote(order)
        self.assertIn("Payment schedule", html)
        self.assertIn("acompte", html)
        self.assertIn("plus 10 points", html)
        self.assertIn("40 EUR", html)
        self.assertIn("Work is suspended", html)
        # A consumer is owed no 40 EUR indemnity and legal interest only.
        consumer = self.env["res.partner"].create({"name": "Nora Castel"})
        html = self._render_quote(self._create_order(partner=consumer))
        self.assertNotIn("40 EUR", html)
        self.assertIn("legal interest rate", html)

    def test_data_loading_emails_nobody(self):
        """Demo data and other addons' data files issue deposits without emails."""
        for way, confirm in (
            ("private path", lambda order: order._action_confirm_without_email()),
            (
                "module data",
                lambda order: order.with_context(install_module="x").action_confirm(),
            ),
        ):
            with self.subTest(way=way):
                order = self._sign(self._create_order())
                confirm(order)
                invoice = order.deposit_invoice_ids
                self.assertEqual(invoice.state, "posted")
                self.assertFalse(invoice.is_move_sent)
                self.assertFalse(self._sent_mails(invoice))

    def test_no_context_key_stops_the_deposit_email(self):
        """The key that once meant "do not email" is business data any RPC
        caller could set: it changes nothing now."""
        order = self._sign(self._create_order())
        order.with_context(freelance_dunning_skip_email=True).action_confirm()
        self._send_in_background()
        invoice = order.deposit_invoice_ids
        self.assertTrue(invoice.is_move_sent)
        self.assertEqual(len(self._sent_mails(invoice)), 1)
