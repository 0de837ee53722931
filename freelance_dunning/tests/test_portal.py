from odoo import fields
from odoo.fields import Command
from odoo.tests import HttpCase, JsonRpcException, tagged
from odoo.tools import mute_logger

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install", "fd_http")
class TestPortal(FreelanceDunningCommon, HttpCase):
    """The client's side: the quote page, the online signature, the deposit to pay."""

    def test_portal_page_shows_schedule_and_terms(self):
        order = self._create_order(payment_schedule_id=self.schedule_50_25_25.id)
        response = self.url_open(order.get_portal_url())
        self.assertEqual(response.status_code, 200)
        page = " ".join(response.text.split())
        self.assertIn("Payment schedule", page)
        self.assertIn("acompte", page)
        self.assertIn("40 EUR", page)
        self.assertIn("plus 10 points", page)

    def test_portal_signature_confirms_and_issues_deposit(self):
        order = self._create_order()
        order.write({"require_payment": False})
        self.assertTrue(
            order.require_signature, "the gate asks for an online signature"
        )
        order.action_quotation_sent()
        result = self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {
                "access_token": order._portal_ensure_token(),
                "name": "Brightside's CEO",
                "signature": "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs=",
            },
        )
        self.assertTrue(result.get("force_refresh"), result)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.work_gate_state, "waiting_deposit")
        invoice = order.deposit_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        # Emailed in the background, by Odoo's sending queue.
        self.assertFalse(invoice.is_move_sent)
        self._send_in_background()
        self.assertTrue(invoice.is_move_sent)
        # The order page now offers to pay the deposit, without logging in.
        page = self.url_open(order.get_portal_url()).text
        self.assertIn("o_freelance_pay_installment", page)
        self.assertIn(invoice.get_portal_url().split("?")[0], page)
        response = self.url_open(invoice.get_portal_url())
        self.assertEqual(response.status_code, 200)
        self.assertIn(invoice.name, response.text)

    def test_portal_user_of_a_blacklisted_company(self):
        portal = self._create_portal_user(
            "fd_bl_portal", client=self.client, password="fd_bl_portal_pw"
        )
        quote = self._create_order(partner=portal.partner_id)
        quote.action_quotation_sent()
        self.env["freelance.client.blacklist.wizard"].with_user(self.manager).create(
            {
                "partner_id": self.client.id,
                "reason": "disputes",
                "note": "Every deliverable",
            }
        ).action_apply()
        self.authenticate("fd_bl_portal", "fd_bl_portal_pw")
        page = self.url_open(f"/my/orders/{quote.id}").text
        self.assertIn("cannot be accepted online", page)
        self.assertNotIn("Accept &amp; Sign", page)
        self.assertNotIn('data-bs-target="#modalaccept"', page)
        result = self.make_jsonrpc_request(
            f"/my/orders/{quote.id}/accept",
            {
                "access_token": quote._portal_ensure_token(),
                "name": "X",
                "signature": self.SIGNATURE,
            },
        )
        self.assertIn("error", result, "signing through the route is refused too")
        self.assertIn(quote.state, ("draft", "sent"))

    @mute_logger("odoo.http")
    def test_blacklisted_client_cannot_pay_through_the_transaction_route(self):
        order = self._sign(self._create_order(quantity=2))
        order.require_payment = True
        order.action_quotation_sent()
        route = f"/my/orders/{order.id}/transaction"
        params = {
            "access_token": order._portal_ensure_token(),
            "provider_id": self.provider.id,
            "payment_method_id": self.payment_method_id,
            "token_id": None,
            "amount": order.amount_total,
            "flow": "direct",
            "tokenization_requested": False,
            "landing_route": order.get_portal_url(),
        }
        # A client in good standing pays through it.
        self.make_jsonrpc_request(route, params)
        Transaction = self.env["payment.transaction"]
        count = Transaction.search_count([("sale_order_ids", "in", order.ids)])
        self.assertEqual(count, 1)
        self.env["freelance.client.blacklist.wizard"].with_user(self.manager).create(
            {"partner_id": self.client.id, "reason": "disputes", "note": "Unpaid"}
        ).action_apply()
        page = self.url_open(order.get_portal_url()).text
        self.assertNotIn("o_sale_portal_paynow", page)
        with self.assertRaises(JsonRpcException) as refused:
            self.make_jsonrpc_request(route, params)
        self.assertEqual(str(refused.exception), "odoo.exceptions.ValidationError")
        self.assertEqual(
            Transaction.search_count([("sale_order_ids", "in", order.ids)]), count
        )
        self.assertIn(order.state, ("draft", "sent"))

    def test_portal_page_of_an_opened_gate_hides_the_reason(self):
        portal = self._create_portal_user(
            "fd_gate_portal", password="fd_gate_portal_pw"
        )
        order = self._confirm(self._create_order(partner=portal.partner_id))
        order.with_user(self.manager)._open_work_gate_early("Cousin of the boss")
        self.authenticate("fd_gate_portal", "fd_gate_portal_pw")
        response = self.url_open(f"/my/orders/{order.id}")
        self.assertEqual(response.status_code, 200)
        self.assertIn(order.name, response.text)
        self.assertNotIn("Cousin of the boss", response.text)


@tagged("post_install", "-at_install", "fd_http")
class TestTours(FreelanceDunningCommon, HttpCase):
    """A person in a real browser (Chromium), through Odoo's tours."""

    def test_freelancer_sees_deposit_and_gate(self):
        order = self._create_order(payment_schedule_id=self.schedule_50_25_25.id)
        self.start_tour(
            f"/odoo/sales/{order.id}",
            "freelance_dunning_quote_deposit",
            login=self.manager.login,
        )
        self.assertEqual(order.state, "draft", "the browser could not confirm it")

    def test_portal_client_signs_and_sees_deposit_to_pay(self):
        portal = self._create_portal_user(
            "fd_tour_portal", password="fd_tour_portal_pw", name="Joel Willis"
        )
        order = self._create_order(
            partner=portal.partner_id, client_order_ref="FD portal quote"
        )
        order.name = "FD portal quote"
        order.action_quotation_sent()
        self.start_tour(
            "/my/quotes", "freelance_dunning_portal_sign", login="fd_tour_portal"
        )
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.work_gate_state, "waiting_deposit")
        self.assertEqual(order.deposit_invoice_ids.state, "posted")

    def test_accountant_runs_reminders_and_marks_disputed(self):
        accountant = self._create_user(
            "fd_accountant",
            "account.group_account_manager,freelance_dunning.group_dunning_user",
        )
        self.env["freelance.dunning.level"]._create_default_levels(self.company)
        invoice = self._create_invoice(
            due=fields.Date.subtract(fields.Date.today(), days=1),
            invoice_line_ids=[Command.create({"product_id": self.service.id})],
        )
        self.start_tour(
            "/odoo/action-freelance_dunning.freelance_dunning_run_wizard_action",
            "freelance_dunning_accountant_run",
            login=accountant.login,
        )
        reminder = self.env["freelance.dunning.reminder"].search(
            [("partner_id", "=", self.client.id)]
        )
        self.assertEqual(reminder.state, "queued", "sent in the background")
        self.assertFalse(invoice.dunning_level_id)
        self._send_in_background()
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(reminder.user_id, accountant)
        self.assertEqual(invoice.dunning_level_id.name, "Friendly reminder")
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "freelance_dunning_mark_disputed",
            login=accountant.login,
        )
        self.assertEqual(invoice.dunning_pause_reason, "disputed")
        self.assertTrue(invoice.dunning_pause_until)
        self.start_tour(
            "/odoo/action-freelance_dunning.freelance_dunning_dashboard_action",
            "freelance_dunning_dashboard",
            login=accountant.login,
        )

    def test_manager_blacklists_and_is_refused_a_quote(self):
        self.start_tour(
            f"/odoo/action-base.action_partner_form/{self.client.id}",
            "freelance_dunning_blacklist",
            login=self.manager.login,
        )
        self.assertTrue(self.client.client_blacklisted)
        self.assertEqual(self.client.client_blacklist_reason, "late_payer")
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding/new",
            "freelance_dunning_blacklist_refused",
            login=self.manager.login,
        )
        self.assertFalse(
            self.env["sale.order"].search([("partner_id", "=", self.client.id)])
        )
