from datetime import date

from freezegun import freeze_time

from odoo import SUPERUSER_ID
from odoo.exceptions import AccessError, ValidationError
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

NO_PROVIDER_WARNING = (
    'No payment provider is enabled for {company}: the "Pay now" links of '
    "quotations and invoices lead nowhere. Clients who sign a quotation online get "
    "their deposit invoice to pay by bank transfer. Enable a provider in Invoicing "
    "> Configuration > Payment Providers."
)


class SigningCommon(FreelanceDunningCommon):
    def _disable_providers(self):
        providers = (
            self.env["payment.provider"]
            .sudo()
            .search([("company_id", "=", self.company.id), ("state", "!=", "disabled")])
        )
        self.assertIn(self.provider, providers, "the test company had a provider")
        providers.write({"state": "disabled"})


@tagged("post_install", "-at_install", "fd_http")
class TestPortalSigningWithoutProvider(SigningCommon, HttpCase):
    """A client who signs online pays the deposit online when a provider can
    take it, else by bank transfer: the signature confirms the quotation."""

    def _sign_online(self, order):
        order.action_quotation_sent()
        return self.make_jsonrpc_request(
            f"/my/orders/{order.id}/accept",
            {
                "access_token": order._portal_ensure_token(),
                "name": "Brightside's CEO",
                "signature": self.SIGNATURE,
            },
        )

    def test_signature_without_provider_confirms_and_issues_deposit(self):
        self._disable_providers()
        order = self._create_order(quantity=2)  # 1,200.00 taxes included
        order.write({"require_payment": True})
        self.assertFalse(order._can_be_paid_online())
        self.assertFalse(order._has_to_be_paid(), "nothing to pay online")
        result = self._sign_online(order)
        self.assertNotIn("allow_payment", result["redirect_url"])
        self.assertEqual(order.state, "sale")
        invoice = order.deposit_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.state, "posted")
        self.assertEqual(invoice.amount_total, 600.0)
        self._send_in_background()  # the deposit invoice is emailed by the queue
        self.assertTrue(invoice.is_move_sent, "the deposit invoice is emailed")
        self.assertEqual(order.work_gate_state, "waiting_deposit")
        self.assertEqual(
            order.work_gate_reason,
            "Deposit not paid yet: $\xa00.00 paid of $\xa0600.00.",
        )
        self.assertEqual(order._get_deposit_to_pay_by_transfer(), invoice)
        page = " ".join(self.url_open(order.get_portal_url()).text.split())
        self.assertIn("o_freelance_pay_by_transfer", page)
        self.assertIn(
            "Your order is confirmed.</strong> Please pay the deposit by bank "
            "transfer:",
            page,
        )
        self.assertIn(f">{invoice.name}</a>", page)
        self.assertIn(
            f"Payment reference: <strong>{invoice.payment_reference}</strong>", page
        )

    def test_pay_only_quote_without_provider_is_accepted_by_signing(self):
        """A quotation asking payment but no signature (the work gate off):
        Odoo's "Pay" while a provider can take the deposit; with none, the
        client accepts it by signing, which confirms it and issues the deposit
        invoice."""
        self.company.work_gate_required = False
        order = self._create_order(quantity=2)
        order.write({"require_payment": True, "require_signature": False})
        self.assertTrue(order.deposit_required)
        self.assertFalse(order.require_signature)
        self.assertTrue(order._has_to_be_paid(), "Odoo's behaviour: paid online")
        self.assertFalse(order._has_to_be_signed())
        self._disable_providers()
        self.assertFalse(order._has_to_be_paid())
        self.assertTrue(order._has_to_be_signed(), "accepted by signing")
        page = self.url_open(order.get_portal_url()).text
        self.assertIn("Accept & Sign", page)
        self.assertNotIn("o_sale_portal_paynow", page)
        result = self._sign_online(order)
        self.assertNotIn("error", result)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.deposit_invoice_ids.amount_total, 600.0)
        self.assertFalse(order._has_to_be_signed(), "signed once")

    def test_blacklisted_full_upfront_without_provider_pays_by_transfer(self):
        """A blacklisted client under the "100 % upfront" policy pays its
        quotation in full before it is confirmed: online while a provider can
        take it; with none, the quotation cannot be accepted online and the
        portal says how to pay (no "Pay now" leading nowhere)."""
        self.company.blacklist_policy = "full_upfront"
        self.env["res.partner.bank"].create(
            {
                "acc_number": "FR7630006000011234567890189",
                "partner_id": self.company.partner_id.id,
            }
        )
        self.client.with_user(self.manager)._set_client_blacklist(
            "late_payer", "Paid 90 days late"
        )
        order = self._create_order(quantity=2)
        self.assertEqual(order.deposit_percent, 100)
        self.assertTrue(order._has_to_be_paid(), "paid online with a provider")
        self.assertFalse(order._upfront_to_pay_by_transfer())
        self._disable_providers()
        self.assertFalse(order._has_to_be_paid())
        self.assertFalse(order._has_to_be_signed())
        self.assertTrue(order._upfront_to_pay_by_transfer())
        page = " ".join(self.url_open(order.get_portal_url()).text.split())
        self.assertIn("o_freelance_upfront_by_transfer", page)
        self.assertIn(
            "This quotation is confirmed once paid in full: $ <span "
            'class="oe_currency_value">1,200.00</span>.</strong> It cannot be paid '
            "online: please pay it by bank transfer, or contact us.",
            page.replace("\xa0", " "),
        )
        self.assertIn(f"Payment reference: <strong>{order.name}</strong>", page)
        self.assertIn(
            "Bank account: <strong>FR7630006000011234567890189</strong>", page
        )
        self.assertNotIn("o_sale_portal_paynow", page)
        self.assertNotIn("Accept & Sign", page)
        result = self._sign_online(order)
        self.assertEqual(
            result,
            {"error": "The order is not in a state requiring customer signature."},
        )
        self.assertEqual(order.state, "sent")
        self.assertFalse(order.signature)

    def test_invoice_without_provider_is_paid_by_transfer(self):
        """No provider can take an invoice's payment: its portal page and its
        email give the bank transfer details instead of a "Pay now" that ends
        in "No payment method available"; with a provider, Odoo's "Pay now"."""
        self.env["res.partner.bank"].create(
            {
                "acc_number": "FR7630006000011234567890189",
                "partner_id": self.company.partner_id.id,
            }
        )
        template = self.env.ref("freelance_dunning.mail_template_installment_invoice")
        ordinary = self._create_invoice(amount=300.0)
        self.assertTrue(ordinary.partner_bank_id)
        self.assertTrue(ordinary._has_to_be_paid(), "Odoo's Pay now")
        self.assertFalse(ordinary._to_pay_by_transfer())
        page = self.url_open(ordinary.get_portal_url()).text
        self.assertIn('data-bs-target="#pay_with"', page)
        self.assertNotIn("o_freelance_invoice_pay_by_transfer", page)
        body = " ".join(
            template._render_field("body_html", ordinary.ids)[ordinary.id].split()
        )
        self.assertIn("Pay online", body)
        self.assertNotIn("Please pay it by bank transfer", body)

        self._disable_providers()
        order = self._create_order(quantity=2)
        order.write({"require_payment": True})
        self._sign_online(order)
        self._send_in_background()
        deposit = order.deposit_invoice_ids
        reference = deposit.payment_reference
        self.assertTrue(reference)
        for invoice in (ordinary, deposit):
            self.assertFalse(invoice._has_to_be_paid())
            self.assertTrue(invoice._to_pay_by_transfer())
            page = " ".join(
                self.url_open(
                    invoice.get_portal_url(query_string="&payment=True")
                ).text.split()
            )
            self.assertNotIn('data-bs-target="#pay_with"', page, "no Pay Now")
            self.assertIn(
                "<strong>Please pay this invoice by bank transfer:</strong>", page
            )
            self.assertIn(
                f"Payment reference: <strong>{invoice.payment_reference}</strong>", page
            )
            self.assertIn(
                "Bank account: <strong>FR7630006000011234567890189</strong>", page
            )
            self.assertIn(
                "This invoice cannot be paid online: please pay it by bank transfer "
                f"with the reference {invoice.payment_reference}.",
                page,
            )
            self.assertNotIn("No payment method available", page)
        # The deposit invoice's email, as the client received it.
        sent = deposit.message_ids.filtered(
            lambda m: m.message_type == "comment" and deposit.name in (m.subject or "")
        )
        self.assertEqual(len(sent), 1, deposit.message_ids.mapped("subject"))
        body = " ".join(sent.body.split())
        self.assertIn(
            "Please pay it by bank transfer to the account <strong>"
            "FR7630006000011234567890189</strong>, with the reference "
            f"<strong>{reference}</strong>.",
            body,
        )
        self.assertNotIn("Pay online", body)

    def test_portal_quote_shows_offered_lines_and_value(self):
        order = self._create_order(
            lines=[
                {
                    "product_id": self.service.id,
                    "product_uom_qty": 1,
                    "name": "Extra revision round",
                    "is_offered": True,
                }
            ]
        )
        page = " ".join(self.url_open(order.get_portal_url()).text.split())
        self.assertIn('o_freelance_offered">Offered</span>', page)
        offered = page.index("o_freelance_value_offered")
        self.assertIn("Value offered:", page[offered : offered + 200])
        self.assertIn("500.00", page[offered : offered + 300])
        self.assertLess(offered, page.index('id="freelance_payment_terms"'))

    def test_signature_with_provider_waits_for_the_payment(self):
        order = self._create_order(quantity=2)
        order.write({"require_payment": True})
        self.assertTrue(order._can_be_paid_online())
        result = self._sign_online(order)
        self.assertIn("allow_payment=yes", result["redirect_url"])
        self.assertEqual(order.state, "sent", "confirmed once the deposit is paid")
        self.assertFalse(order.deposit_invoice_ids)
        self.assertTrue(order._has_to_be_paid())
        self.assertEqual(order._get_prepayment_required_amount(), 600.0)
        self.assertFalse(order._get_deposit_to_pay_by_transfer())
        page = self.url_open(order.get_portal_url()).text
        self.assertNotIn("o_freelance_pay_by_transfer", page)


@tagged("post_install", "-at_install")
class TestPaymentLinkWarning(SigningCommon):
    def test_warning_in_settings_and_dashboard(self):
        dashboard = self.env["freelance.dunning.dashboard"].with_company(self.company)
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertFalse(self.company._get_payment_link_warning())
        self.assertFalse(settings.payment_link_warning)
        self.assertFalse(dashboard.get_dashboard_data()["payment_link_warning"])
        self._disable_providers()
        expected = NO_PROVIDER_WARNING.format(company=self.company.name)
        self.assertEqual(self.company._get_payment_link_warning(), expected)
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(settings.payment_link_warning, expected)
        self.assertEqual(
            dashboard.get_dashboard_data()["payment_link_warning"], expected
        )

    def test_demo_enables_the_test_provider_only_with_payment_demo(self):
        demo = self.env.ref("payment.payment_provider_demo").sudo()
        self.assertEqual(demo.code, "demo", "payment_demo is installed")
        demo.state = "disabled"
        companies = self.env["res.company"].sudo()  # as the demo data loads
        self.assertEqual(companies._demo_enable_test_payment_provider(), demo)
        self.assertEqual(demo.state, "test")
        self.assertTrue(demo.is_published)
        # Without payment_demo the record is a placeholder: left alone.
        demo.write({"state": "disabled", "code": "none"})
        self.assertFalse(companies._demo_enable_test_payment_provider())
        self.assertEqual(demo.state, "disabled")

    def test_quote_badge_shows_deposit_due_before_any_invoice(self):
        order = self._create_order(quantity=2)
        self.assertEqual(
            order.work_gate_reason,
            "The client has not signed the quotation yet. Deposit $\xa0600.00 due "
            "at signature.",
        )
        self._sign(order)
        self.assertEqual(order.work_gate_state, "waiting_deposit")
        self.assertEqual(
            order.work_gate_reason, "Deposit $\xa0600.00 due at confirmation."
        )
        order.action_confirm()
        self.assertEqual(
            order.work_gate_reason,
            "Deposit not paid yet: $\xa00.00 paid of $\xa0600.00.",
        )


@tagged("post_install", "-at_install")
class TestActivityAssignee(FreelanceDunningCommon, MockEmail):
    """Activities for a person to act on go to the client's salesperson, else
    the company's dunning responsible, else its first dunning manager."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder()
        cls.responsible = cls._create_user(
            "fd_responsible", "base.group_user,account.group_account_invoice"
        )
        cls.contact = cls.env["res.partner"].create(
            {"name": "Brightside's CEO", "parent_id": cls.client.id}
        )

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    def _first_manager(self):
        return self.env["res.users"].search(
            [
                (
                    "groups_id",
                    "in",
                    self.env.ref("freelance_dunning.group_dunning_manager").ids,
                ),
                ("share", "=", False),
                ("company_ids", "in", self.company.ids),
                ("id", "!=", SUPERUSER_ID),
            ],
            order="id",
            limit=1,
        )

    def test_assignee_table(self):
        company = self.company
        portal = self._create_portal_user("fd_assign_portal")
        inactive = self._create_user("fd_assign_gone", "base.group_user")
        inactive.active = False
        first_manager = self._first_manager()
        self.assertTrue(first_manager)
        odoobot = self.env.ref("base.user_root")
        for salesperson, on_company, responsible, expected in [
            (self.salesman, False, False, self.salesman),
            (self.salesman, True, self.responsible, self.salesman),
            (False, False, self.responsible, self.responsible),
            (False, False, False, first_manager),
            (inactive, False, self.responsible, self.responsible),
            (portal, False, False, first_manager),
            (odoobot, False, False, first_manager),
        ]:
            with self.subTest(salesperson=salesperson, responsible=responsible):
                self.client.user_id = False if on_company else salesperson
                self.contact.user_id = False
                if on_company:
                    self.client.user_id = salesperson
                company.dunning_responsible_id = responsible
                self.assertEqual(company._get_activity_user(self.contact), expected)
        self.assertNotEqual(first_manager, odoobot)

    def test_only_active_internal_users_of_the_company(self):
        portal = self._create_portal_user("fd_resp_portal")
        with self.assertRaisesText(
            ValidationError,
            f"{portal.name} cannot be the dunning responsible of {self.company.name}: "
            "choose an active internal user of that company.",
        ):
            self.company.dunning_responsible_id = portal
        self.assertFalse(self.company.dunning_responsible_id)

    def test_only_settings_managers_set_the_responsible(self):
        with self.assertRaises(AccessError):
            self.company.with_user(
                self.manager
            ).dunning_responsible_id = self.responsible
        self.assertFalse(self.company.dunning_responsible_id)

    def _phone_call_run(self, salesperson, responsible):
        self.client.user_id = salesperson
        self.company.dunning_responsible_id = responsible
        courtesy = self._level("Courtesy notice")
        courtesy.channel_phone = True
        self._create_invoice(None, 1200.0, "2025-06-20", invoice_date="2025-06-01")
        root = self.env(user=SUPERUSER_ID)
        with freeze_time("2025-06-17"):
            reminder = root["freelance.dunning.engine"]._run(
                self.company.with_env(root), date(2025, 6, 17)
            )
            root["mail.mail"].process_email_queue()
        self.assertEqual(reminder.level_id, courtesy)
        calls = self.client.activity_ids.filtered(
            lambda a: a.activity_type_id == self.env.ref("mail.mail_activity_data_call")
        )
        self.assertEqual(len(calls), 1)
        return calls

    def test_nightly_phone_call_goes_to_the_salesperson(self):
        call = self._phone_call_run(self.salesman, self.responsible)
        self.assertEqual(call.user_id, self.salesman)

    def test_nightly_phone_call_goes_to_the_responsible(self):
        call = self._phone_call_run(False, self.responsible)
        self.assertEqual(call.user_id, self.responsible)

    def test_nightly_phone_call_in_the_salespersons_language(self):
        """The nightly run (OdooBot, English) writes the call in the language
        of the person who is to call: a French salesperson reads French."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search(
            [("name", "=", "freelance_dunning")]
        )._update_translations(["fr_FR"])
        self.salesman.lang = "fr_FR"
        self._level("Courtesy notice").with_context(lang="fr_FR").name = "Rappel FR"
        call = self._phone_call_run(self.salesman, self.responsible)
        self.assertEqual(call.user_id, self.salesman)
        # 1 200,00 $ in French: no-break spaces as Odoo formats amounts.
        amount = call.summary.removeprefix("Appeler au sujet de ").removesuffix(
            " en retard de paiement"
        )
        self.assertNotEqual(amount, call.summary)
        self.assertIn("1\u202f200,00", amount.replace("\xa0", "\u202f"))
        self.assertIn("Rappel FR", call.note)

    def test_nightly_phone_call_never_to_odoobot(self):
        call = self._phone_call_run(False, False)
        self.assertEqual(call.user_id, self._first_manager())
        self.assertNotEqual(call.user_id.id, SUPERUSER_ID)

    def test_start_the_work_activity(self):
        order = self._create_order(user_id=False)
        self.client.user_id = False
        self.company.dunning_responsible_id = self.responsible
        self._confirm(order)
        self._pay_invoice(order.deposit_invoice_ids)
        # What happens at the end of the request: the pre-commit hooks run.
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertEqual(order.work_gate_state, "cleared")
        activity = (
            self.env["mail.activity"]
            .sudo()
            .search([("res_model", "=", "sale.order"), ("res_id", "=", order.id)])
        )
        self.assertEqual(activity.summary, "Start the work", activity.mapped("summary"))
        self.assertEqual(activity.user_id, self.responsible)


@tagged("post_install", "-at_install", "fd_http")
class TestPortalSignPayTour(FreelanceDunningCommon, HttpCase):
    """The client signs online and pays the deposit with Odoo's test payment
    provider (payment_demo, installed by the README test command)."""

    def test_portal_client_signs_and_pays_the_deposit(self):
        demo = self.env.ref("payment.payment_provider_demo").sudo()
        self.assertEqual(demo.code, "demo", "payment_demo is installed")
        self.provider.state = "disabled"
        provider = demo.copy(
            {
                "company_id": self.company.id,
                "state": "test",
                "is_published": True,
                "payment_method_ids": demo.payment_method_ids.ids,
            }
        )
        self.assertTrue(provider.journal_id, "the provider books its payments")
        portal = self._create_portal_user(
            "fd_pay_portal", password="fd_pay_portal_pw", name="Joel Willis"
        )
        order = self._create_order(partner=portal.partner_id)
        order.write({"require_payment": True, "name": "FD portal pay quote"})
        order.action_quotation_sent()
        self.start_tour(
            "/my/quotes", "freelance_dunning_portal_sign_pay", login=portal.login
        )
        self.assertEqual(order.state, "sale")
        invoice = order.deposit_invoice_ids
        self.assertEqual(len(invoice), 1)
        self.assertEqual(invoice.amount_total, 600.0)
        self.assertIn(invoice.payment_state, ("paid", "in_payment"))
        self.assertEqual(order.deposit_state, "paid")
        self.assertEqual(order.work_gate_state, "cleared")
        self.assertTrue(order.work_started_on, "the gate opened: the work starts")
