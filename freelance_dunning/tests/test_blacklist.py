from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestClientBlacklist(FreelanceDunningCommon):
    def _blacklist(
        self, partner, user=None, reason="late_payer", note="Paid 90 days late"
    ):
        wizard = (
            self.env["freelance.client.blacklist.wizard"]
            .with_user(user or self.manager)
            .create({"partner_id": partner.id, "reason": reason, "note": note})
        )
        return wizard.action_apply()

    def test_manager_blacklists_with_reason_and_audit(self):
        # The accounting test commons disable tracking; the chatter needs it.
        self.env["freelance.client.blacklist.wizard"].with_user(
            self.manager
        ).with_context(tracking_disable=False).create(
            {
                "partner_id": self.client.id,
                "reason": "late_payer",
                "note": "90 days late",
            }
        ).action_apply()
        self.assertTrue(self.client.client_blacklisted)
        self.assertEqual(self.client.client_blacklist_reason, "late_payer")
        self.assertEqual(self.client.client_blacklist_user_id, self.manager)
        self.assertTrue(self.client.client_blacklist_date)
        self.assertFalse(self.client.is_blacklisted, "not Odoo's email opt-out list")
        self.client.invalidate_recordset(["message_ids"])
        self.assertTrue(
            any(
                f"Blacklisted by {self.manager.name} (Chronic late payer)" in body
                and "90 days late" in body
                for body in self.client.message_ids.mapped("body")
            ),
            "every change is in the chatter",
        )
        contact = self.env["res.partner"].create(
            {"name": "Jane", "parent_id": self.client.id}
        )
        self.assertTrue(contact.client_blacklisted, "contacts inherit it")

    def test_bad_input(self):
        with self.assertRaisesText(UserError, "Choose why"):
            self._blacklist(self.client, reason=False)
        with self.assertRaisesText(
            AccessError, "its fields cannot be written directly"
        ):
            self.client.write({"client_blacklisted": True})  # a plain write
        self.assertFalse(self.client.client_blacklisted, "nothing changed")

    def test_salesman_cannot_set_or_lift_even_by_rpc(self):
        with self.assertRaisesText(AccessError, "dunning manager"):
            self.client.with_user(self.salesman).write(
                {"client_blacklisted": True, "client_blacklist_reason": "other"}
            )
        self.assertFalse(self.client.client_blacklisted)
        self._blacklist(self.client)
        with self.assertRaisesText(AccessError, "dunning manager"):
            self.client.with_user(self.salesman).write({"client_blacklisted": False})
        with self.assertRaisesText(AccessError, "Dunning/Manager"):
            self.env["freelance.client.blacklist.wizard"].with_user(
                self.salesman
            ).create(
                {"partner_id": self.client.id, "lift": True, "lift_reason": "Friend"}
            )
        self.assertTrue(self.client.client_blacklisted)
        # A plain salesman still edits other fields of a blacklisted client.
        self.client.with_user(self.salesman).phone = "+33 1 23 45 67 89"

    def test_lifting_needs_a_reason(self):
        self._blacklist(self.client)
        with self.assertRaisesText(AccessError, "cannot be written directly"):
            self.client.with_user(self.manager).write({"client_blacklisted": False})
        wizard = (
            self.env["freelance.client.blacklist.wizard"]
            .with_user(self.manager)
            .create({"partner_id": self.client.id, "lift": True, "lift_reason": "  "})
        )
        with self.assertRaisesText(UserError, "Write down why"):
            wizard.action_apply()
        self.assertTrue(self.client.client_blacklisted)
        wizard.lift_reason = "All invoices paid, new management"
        wizard.action_apply()
        self.assertFalse(self.client.client_blacklisted)
        self.assertFalse(self.client.client_blacklist_reason)
        self.assertTrue(
            any(
                "new management" in body
                for body in self.client.message_ids.mapped("body")
            )
        )

    def test_model_methods_check_the_rights(self):
        """The rules are the client's own methods: a salesman is refused there."""
        message = "Only a dunning manager may blacklist a client or lift it."
        with self.assertRaisesText(AccessError, message):
            self.client.with_user(self.salesman)._set_client_blacklist(
                "late_payer", "Paid late"
            )
        self.assertFalse(self.client.client_blacklisted)
        client = self.client.with_user(self.manager)
        with self.assertRaisesText(UserError, "Choose why the client is blacklisted."):
            client._set_client_blacklist(False)
        with self.assertRaisesText(UserError, "bogus is not a blacklist reason"):
            client._set_client_blacklist("bogus")
        self.assertFalse(self.client.client_blacklisted)
        client._set_client_blacklist("scope", "Every week a new feature")
        self.assertEqual(self.client.client_blacklist_reason, "scope")
        with self.assertRaisesText(AccessError, message):
            self.client.with_user(self.salesman)._lift_client_blacklist("Friend")
        with self.assertRaisesText(
            UserError, "Write down why the blacklist is lifted."
        ):
            client._lift_client_blacklist("   ")
        self.assertTrue(self.client.client_blacklisted)
        contact = self.env["res.partner"].create(
            {"name": "Jane", "parent_id": self.client.id}
        )
        self.assertTrue(contact.client_blacklisted)
        client._lift_client_blacklist(" Paid everything ")
        self.assertFalse(self.client.client_blacklisted)
        self.assertFalse(contact.client_blacklisted, "its contacts follow")
        self.assertTrue(
            any(
                f"Blacklist lifted by {self.manager.name}: Paid everything" in body
                for body in self.client.message_ids.mapped("body")
            )
        )

    def test_old_context_keys_grant_nothing(self):
        """Context keys any RPC caller can set neither lift nor set a blacklist."""
        self._blacklist(self.client)
        contact = self.env["res.partner"].create(
            {"name": "Jane", "parent_id": self.client.id}
        )
        with self.assertRaisesText(AccessError, "cannot be written directly"):
            self.client.with_user(self.manager).with_context(
                client_blacklist_lift_reason="Friend of the boss"
            ).write({"client_blacklisted": False})
        for partner in (self.client, contact):
            with self.assertRaisesText(AccessError, "dunning manager"):
                partner.with_user(self.salesman).with_context(
                    freelance_commercial_sync=True,
                    client_blacklist_lift_reason="Friend of the boss",
                ).write({"client_blacklisted": False})
        self.assertTrue(self.client.client_blacklisted)
        self.assertTrue(contact.client_blacklisted)
        fine = self.env["res.partner"].create({"name": "Fine", "is_company": True})
        with self.assertRaisesText(AccessError, "dunning manager"):
            fine.with_user(self.salesman).with_context(
                freelance_commercial_sync=True
            ).write({"client_blacklisted": True, "client_blacklist_reason": "other"})
        self.assertFalse(fine.client_blacklisted)
        # Odoo's own sync still gives a contact its (new) company's blacklist.
        contact.with_user(self.salesman).parent_id = fine
        self.assertFalse(contact.client_blacklisted)
        self.assertFalse(contact.client_blacklist_reason)
        contact.with_user(self.salesman).parent_id = self.client
        self.assertTrue(contact.client_blacklisted)
        self.assertEqual(contact.client_blacklist_reason, "late_payer")

    def test_blacklisting_a_contact_goes_to_its_company(self):
        contact = self.env["res.partner"].create(
            {"name": "Jane", "parent_id": self.client.id}
        )
        contact.with_user(self.manager)._set_client_blacklist("scope")
        self.assertTrue(self.client.client_blacklisted)
        self.assertEqual(self.client.client_blacklist_reason, "scope")
        other_contact = self.env["res.partner"].create(
            {"name": "Tom", "parent_id": self.client.id}
        )
        self.assertTrue(other_contact.client_blacklisted)

    def test_refused_new_business(self):
        old_quote = self._create_order(user=self.salesman)
        self._blacklist(self.client)
        with self.assertRaisesText(UserError, "no new business"):
            self._create_order(user=self.salesman)
        with self.assertRaisesText(UserError, "no new business"):
            old_quote.with_user(self.salesman).copy()
        self._sign(old_quote)
        with self.assertRaisesText(UserError, "no new business"):
            old_quote.with_user(self.salesman).action_confirm()
        self.assertEqual(old_quote.state, "draft")
        other = self._create_order(
            partner=self.env["res.partner"].create({"name": "Fine"})
        )
        with self.assertRaisesText(UserError, "no new business"):
            other.partner_id = self.client
        self.assertFalse(old_quote._has_to_be_signed(), "no signing online")
        self.assertFalse(old_quote._has_to_be_paid(), "no paying online")

    def test_full_upfront_policy(self):
        self.company.blacklist_policy = "full_upfront"
        self._blacklist(self.client)
        self.client.with_user(self.manager).deposit_policy = "exempt"
        order = self._create_order(quantity=2)
        self.assertTrue(order.deposit_required, "even an exempt client pays upfront")
        self.assertEqual(order.deposit_percent, 100)
        self.assertEqual(order.deposit_amount, order.amount_total)
        self._confirm(order)
        self.assertEqual(order.deposit_invoice_ids.amount_total, 1200.0)

    def test_payment_link_of_a_blacklisted_client_confirms_nothing(self):
        order = self._sign(self._create_order(quantity=2))
        order.require_payment = True
        self.currency = order.currency_id
        # The client paid through a link opened before the blacklist (a new
        # payment is refused, see test_online_payment); the payment comes back
        # after it.
        tx = self._create_transaction(
            flow="redirect",
            amount=600.0,
            sale_order_ids=[order.id],
            state="pending",
            partner_id=self.client.id,
            reference="BL-LINK",
        )
        self._blacklist(self.client)
        tx._set_done()
        tx._post_process()
        self.assertIn(order.state, ("draft", "sent"))
        self.assertTrue(tx.payment_id, "the payment is kept")

    def test_multi_company_policies(self):
        other = self.setup_other_company(name="Agency B")["company"]
        other.blacklist_policy = "full_upfront"
        self._blacklist(self.client)
        with self.assertRaisesText(UserError, "no new business"):
            self._create_order()
        order = self._create_order(
            quantity=1, company=other, line_values={"tax_id": False}
        )
        self.assertFalse(order.partner_blacklisted, "company A's blacklist only")
        self.assertLess(order.deposit_percent, 100)
        # A manager of both companies shares the blacklist on purpose.
        self.manager.company_ids |= other
        self.client.with_user(self.manager)._set_client_blacklist(
            "late_payer", "Shared", companies=self.company | other
        )
        order = self._create_order(
            quantity=1, company=other, line_values={"tax_id": False}
        )
        self.assertTrue(order.partner_blacklisted)
        self.assertEqual(order.deposit_percent, 100, "company B takes it fully upfront")

    def test_override_refused_for_blacklisted_client(self):
        order = self._confirm(self._create_order())
        self._blacklist(self.client)
        with self.assertRaisesText(UserError, "blacklisted"):
            self.env["freelance.work.gate.override.wizard"].with_user(
                self.manager
            ).with_context(active_id=order.id).create({"reason": "Trust"}).action_open()

    def test_dunning_level_blacklists_and_proposal(self):
        self.env["freelance.dunning.level"]._create_default_levels(self.company)
        levels = self.env["freelance.dunning.level"].search(
            [("company_id", "=", self.company.id)], order="sequence"
        )
        firm = levels.filtered(lambda level: level.name == "Firm reminder")
        self.company.write(
            {"blacklist_proposal_level_id": firm.id, "blacklist_proposal_count": 2}
        )
        line = self.env["account.move.line"]
        for _i in range(2):
            invoice = self._create_invoice(amount=100.0, invoice_date="2025-01-01")
            line |= invoice.line_ids.filtered(
                lambda ln: ln.account_type == "asset_receivable"
            )
        with self._as_dunning_engine():
            self.env["freelance.dunning.reminder.line"].create(
                [
                    {
                        "move_line_id": aml.id,
                        "partner_id": self.client.id,
                        "company_id": self.company.id,
                        "currency_id": aml.currency_id.id,
                        "level_id": firm.id,
                        "channel": "email",
                        "date": "2025-02-01",
                        "state": "sent",
                    }
                    for aml in line
                ]
            )
        self.assertTrue(self.client.client_blacklist_proposed)
        self.assertIn(
            self.client,
            self.env["res.partner"].search([("client_blacklist_proposed", "=", True)]),
        )
        final = levels.filtered(lambda level: level.name == "End of relationship")
        self.client._dunning_blacklist(final)
        self.assertTrue(self.client.client_blacklisted)
        self.assertEqual(self.client.client_blacklist_reason, "late_payer")
        self.assertIn("End of relationship", self.client.client_blacklist_note)
        self.assertFalse(
            self.client.client_blacklist_proposed, "done: no longer proposed"
        )

    def test_refusal_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        self._blacklist(self.client)
        with self.assertRaisesText(UserError, "Mauvais payeur chronique"):
            self.env["sale.order"].with_context(lang="fr_FR").create(
                {"partner_id": self.client.id}
            )


@tagged("post_install", "-at_install")
class TestClientTermsLocked(FreelanceDunningCommon):
    """Issue 16: the blacklist is written only by its methods, per company."""

    WRITE_REFUSED = "its fields cannot be written directly"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other = cls.setup_other_company(name="Agency B")["company"]
        cls.manager_b = cls._create_user(
            "fd_manager_b",
            "sales_team.group_sale_manager,freelance_dunning.group_dunning_manager",
            company=cls.other,
        )
        cls.clean = cls._create_client("Clean Corp")

    def _state(self, partner, company=None):
        partner = partner.sudo().with_company(company or self.company)
        return partner.read(
            [
                "client_blacklisted",
                "client_blacklist_reason",
                "client_blacklist_note",
                "client_blacklist_date",
                "client_blacklist_user_id",
                "commercial_partner_id",
            ]
        )

    def test_create_refuses_a_blacklist(self):
        for user in (self.salesman, self.manager):
            with self.assertRaisesText(AccessError, self.WRITE_REFUSED):
                self.env["res.partner"].with_user(user).create(
                    {
                        "name": "Forged",
                        "is_company": True,
                        "client_blacklisted": True,
                        "client_blacklist_reason": "other",
                        "client_blacklist_user_id": self.manager.id,
                    }
                )
        self.assertFalse(self.env["res.partner"].search([("name", "=", "Forged")]))
        # A form repeating the company's (empty) values creates the contact.
        contact = (
            self.env["res.partner"]
            .with_user(self.salesman)
            .create(
                {
                    "name": "Jane",
                    "parent_id": self.client.id,
                    "client_blacklisted": False,
                }
            )
        )
        self.assertFalse(contact.client_blacklisted)

    def test_manager_cannot_forge_author_or_date(self):
        self.client.with_user(self.manager)._set_client_blacklist("scope", "Late")
        before = self._state(self.client)
        for vals in (
            {"client_blacklist_date": "2020-01-01"},
            {"client_blacklist_user_id": self.salesman.id},
            {"client_blacklist_note": "Nothing happened"},
        ):
            with self.assertRaisesText(AccessError, self.WRITE_REFUSED):
                self.client.with_user(self.manager).write(vals)
        self.assertEqual(self._state(self.client), before)

    def test_reparenting_never_lifts_a_blacklist(self):
        self.client.with_user(self.manager)._set_client_blacklist("late_payer")
        contact = self.env["res.partner"].create(
            {"name": "Jane", "parent_id": self.client.id}
        )
        self.assertTrue(contact.client_blacklisted, "a new contact is blacklisted too")
        before = self._state(self.client)
        message = "must lift its blacklist, with a reason, before it becomes"
        for user in (self.salesman, self.manager):
            with self.assertRaisesText(UserError, message):
                self.client.with_user(user).write(
                    {"is_company": False, "parent_id": self.clean.id}
                )
        self.assertEqual(self._state(self.client), before)
        self.assertTrue(contact.client_blacklisted)
        # A contact may still move (a person changes employer): the company
        # stays blacklisted.
        contact.with_user(self.salesman).parent_id = self.clean
        self.assertFalse(contact.client_blacklisted)
        self.assertTrue(self.client.client_blacklisted)
        # Lifted with a reason first, the client may become a contact.
        self.client.with_user(self.manager)._lift_client_blacklist("Merged")
        self.client.with_user(self.salesman).write(
            {"is_company": False, "parent_id": self.clean.id}
        )
        self.assertEqual(self.client.commercial_partner_id, self.clean)

    def test_blacklist_is_per_company(self):
        self.client.with_user(self.manager)._set_client_blacklist("late_payer")
        self.assertTrue(self.client.with_company(self.company).client_blacklisted)
        self.assertFalse(self.client.with_company(self.other).client_blacklisted)
        before = self._state(self.client)
        # Company B's manager decides company B's blacklist only.
        with self.assertRaisesText(AccessError, "You are no dunning manager of"):
            self.client.with_user(self.manager_b)._lift_client_blacklist(
                "Friend", companies=self.company
            )
        with self.assertRaisesText(AccessError, "You are no dunning manager of"):
            self.client.with_user(self.manager_b)._set_client_blacklist(
                "other", companies=self.company | self.other
            )
        with self.assertRaises(AccessError):
            self.client.with_user(self.manager_b).with_context(
                allowed_company_ids=self.company.ids
            ).write({"client_blacklisted": False})
        with self.assertRaisesText(AccessError, self.WRITE_REFUSED):
            self.client.with_user(self.manager_b).write({"client_blacklisted": True})
        self.assertEqual(self._state(self.client), before)
        self.assertFalse(self.client.with_company(self.other).client_blacklisted)
        self.client.with_user(self.manager_b)._set_client_blacklist("scope")
        self.assertEqual(
            self.client.with_company(self.other).client_blacklist_reason, "scope"
        )
        self.assertEqual(self._state(self.client), before, "company A's unchanged")

    def test_deposit_policy_is_per_company(self):
        self.client.with_user(self.manager).deposit_policy = "exempt"
        self.assertEqual(self.client.with_company(self.other).deposit_policy, "company")
        self.client.with_user(self.manager_b).deposit_policy = "exempt"
        self.client.with_user(self.manager_b).deposit_policy = "company"
        self.assertEqual(
            self.client.with_company(self.company).deposit_policy, "exempt"
        )
        with self.assertRaises(AccessError):
            self.client.with_user(self.manager_b).with_context(
                allowed_company_ids=self.company.ids
            ).write({"deposit_policy": "company"})
        self.assertEqual(
            self.client.with_company(self.company).deposit_policy, "exempt"
        )
        # A salesperson still may not exempt a client in their own company.
        other_client = self._create_client("Other Client")
        with self.assertRaisesText(AccessError, "Only a dunning manager may exempt"):
            other_client.with_user(self.salesman).deposit_policy = "exempt"
        self.assertEqual(other_client.deposit_policy, "company")

    def test_portal_reads_no_internal_blacklist_field(self):
        self.client.with_user(self.manager)._set_client_blacklist("scope", "Secret")
        portal = self._create_portal_user("fd_portal_bl", client=self.client)
        partner = self.client.with_user(portal)
        for field in (
            "client_blacklist_note",
            "client_blacklist_reason",
            "client_blacklist_user_id",
            "client_blacklist_date",
        ):
            with self.assertRaises(AccessError):
                partner.read([field])

    def test_reference_rates_need_every_company(self):
        rate = self.env.ref("freelance_dunning.reference_rate_2023_h1")
        message = "only a settings administrator, or a dunning manager of all"
        for user in (self.manager, self.manager_b):
            with self.assertRaisesText(AccessError, message):
                rate.with_user(user).ecb_rate = 9.0
            with self.assertRaisesText(AccessError, message):
                rate.with_user(user).unlink()
            with self.assertRaisesText(AccessError, message):
                self.env["freelance.reference.rate"].with_user(user).create(
                    {"date_from": "2000-01-01", "ecb_rate": 1, "legal_rate": 1}
                )
        self.assertEqual(rate.ecb_rate, 2.5)
        self.manager.company_ids = self.env["res.company"].search([])
        rate.with_user(self.manager).ecb_rate = 2.75
        self.assertEqual(rate.ecb_rate, 2.75)
