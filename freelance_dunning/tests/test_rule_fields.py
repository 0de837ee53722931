import base64

from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from .common import FreelanceDunningCommon

# Any caller over RPC may set any context key: none opens a rule field.
ATTACKER_CONTEXT = {
    "freelance_commercial_sync": True,
    "freelance_installment_invoicing": True,
    "freelance_payment_processing": True,
    "freelance_schedule_write": True,
    "install_module": "sale_project",
    "tracking_disable": True,
}
INSTALLMENTS_REFUSED = (
    "The installments of a quotation follow its payment schedule and are invoiced "
    "by the addon: choose another payment schedule on the quotation, or ask a "
    "dunning manager to waive its deposit."
)


@tagged("post_install", "-at_install")
class TestRuleFields(FreelanceDunningCommon):
    """The deposit and work gate rules are written by their methods only.

    Every attack goes through what XML-RPC offers a user: create, write, unlink
    and public methods, as that user, with any context.
    """

    def _override_refused(self, order):
        return (
            f"Only a dunning manager may open the work gate of {order.name} early, "
            "with the Open Work Gate action and a written reason."
        )

    def _computed_refused(self, order, labels):
        return (
            f"These fields of {order.name} follow the payment schedule, the payments "
            f"and the company's settings, and cannot be written: {labels}."
        )

    def _gate_snapshot(self, order):
        order.invalidate_recordset()
        return order.sudo().read(
            [
                "deposit_required",
                "deposit_state",
                "deposit_amount",
                "work_gate_required",
                "work_gate_state",
                "work_gate_override_date",
                "work_gate_override_user_id",
                "work_gate_override_reason",
                "work_suspended",
                "work_started_on",
                "signed_copy_id",
                "signature",
            ]
        )

    def test_salesperson_cannot_open_the_gate_by_writing_it(self):
        order = self._confirm(self._create_order(user=self.salesman))
        self.assertEqual(order.work_gate_state, "waiting_deposit")
        before = self._gate_snapshot(order)
        attacker = order.with_user(self.salesman).with_context(**ATTACKER_CONTEXT)
        attacks = [
            (
                {
                    "work_gate_override_date": "2026-01-01 00:00:00",
                    "work_gate_override_user_id": self.manager.id,
                    "work_gate_override_reason": "Trusted",
                },
                self._override_refused(order),
            ),
            (
                {"deposit_state": "paid"},
                self._computed_refused(order, "Deposit Status"),
            ),
            (
                {"deposit_state": "paid", "work_gate_state": "cleared"},
                self._computed_refused(order, "Deposit Status, Work Gate Status"),
            ),
            (
                {"work_gate_required": False},
                self._computed_refused(order, "Work Gate"),
            ),
            (
                {"work_started_on": "2026-01-01 00:00:00"},
                self._computed_refused(order, "Work Started On"),
            ),
        ]
        for vals, message in attacks:
            with self.subTest(vals=vals), self.assertRaisesText(AccessError, message):
                attacker.write(vals)
        self.assertEqual(self._gate_snapshot(order), before, "nothing changed")
        # Not even a dunning manager, nor the superuser, writes them directly.
        for env_order in (order.with_user(self.manager), order.sudo()):
            with self.assertRaisesText(AccessError, self._override_refused(order)):
                env_order.write({"work_gate_override_date": "2026-01-01 00:00:00"})
        self.assertEqual(self._gate_snapshot(order), before, "nothing changed")
        # The owning method still opens it, for a dunning manager.
        order.with_user(self.manager)._open_work_gate_early("Trusted client")
        self.assertEqual(order.work_gate_state, "overridden")
        self.assertEqual(order.work_gate_override_user_id, self.manager)

    def test_rule_fields_take_no_default_from_context_or_saved_defaults(self):
        """A default_* key or a saved default (ir.default) does not exempt a
        quotation from the deposit and the gate, nor set any rule field."""
        keys = {
            "default_freelance_rules_exemption": "before_install",
            "default_deposit_required": False,
            "default_work_gate_required": False,
            "default_deposit_invoice_retry_at": "2026-01-01 00:00:00",
        }
        self.env["ir.default"].set(
            "sale.order", "freelance_rules_exemption", "before_install"
        )
        orders = self._create_order(user=self.salesman)
        orders |= (
            self.env["sale.order"]
            .with_user(self.salesman)
            .with_context(**keys)
            .create(
                {
                    "partner_id": self.client.id,
                    "order_line": [
                        Command.create(
                            {"product_id": self.service.id, "product_uom_qty": 2}
                        )
                    ],
                }
            )
        )
        for order in orders:
            self.assertFalse(order.freelance_rules_exemption)
            self.assertTrue(order.deposit_required)
            self.assertTrue(order.work_gate_required)
            self.assertFalse(order.deposit_invoice_retry_at)

    def test_salesperson_cannot_lift_a_suspension(self):
        order = self._confirm(self._create_order(user=self.salesman))
        order.with_user(self.manager)._open_work_gate_early("Trusted client")
        order._suspend_work("Invoice 3 months late")
        self.assertEqual(order.work_gate_state, "suspended")
        before = self._gate_snapshot(order)
        message = (
            f"The work on {order.name} is suspended and resumed by the dunning "
            "reminders and the client's payments, not by hand."
        )
        attacker = order.with_user(self.salesman).with_context(**ATTACKER_CONTEXT)
        with self.assertRaisesText(AccessError, message):
            attacker.write({"work_suspended": False})
        with self.assertRaisesText(AccessError, message):
            attacker.write({"work_suspension_reason": False})
        self.assertEqual(self._gate_snapshot(order), before, "nothing changed")
        order.with_user(self.manager)._resume_work("Paid")
        self.assertEqual(order.work_gate_state, "overridden")

    def test_suspending_and_resuming_work_check_the_group(self):
        """The methods owning the suspension check who calls them, like the
        other rule methods: suspending is a dunning user's, resuming a
        dunning manager's (the reminder run's level actions run as the
        system)."""
        order = self._confirm(self._create_order(user=self.salesman))
        order.with_user(self.manager)._open_work_gate_early("Trusted client")
        employee = self._create_user("fd_plain_employee", "base.group_user")
        before = self._gate_snapshot(order)
        for user, method, message in (
            (
                employee,
                "_suspend_work",
                "Only a dunning user may suspend the work on an order.",
            ),
            (
                self.salesman,
                "_resume_work",
                "Only a dunning manager may resume suspended work.",
            ),
        ):
            with (
                self.subTest(user=user.login, method=method),
                self.assertRaisesText(AccessError, message),
            ):
                getattr(order.with_user(user), method)("Because")
        self.assertEqual(self._gate_snapshot(order), before, "nothing changed")
        order.with_user(self.salesman)._suspend_work("Invoice 3 months late")
        self.assertEqual(order.work_gate_state, "suspended")
        before = self._gate_snapshot(order)
        with self.assertRaisesText(
            AccessError, "Only a dunning manager may resume suspended work."
        ):
            order.with_user(self.salesman)._resume_work("Paid, says the client")
        self.assertEqual(self._gate_snapshot(order), before, "nothing changed")
        order.with_user(self.manager)._resume_work("Paid")
        self.assertEqual(order.work_gate_state, "overridden")

    def test_salesperson_cannot_sign_in_the_clients_place(self):
        order = self._create_order(user=self.salesman)
        before = self._gate_snapshot(order)
        message = (
            f"The signature of {order.name} is given by the client online, or "
            "recorded with the Record Signed Copy action."
        )
        attachment = self.env["ir.attachment"].create(
            {"name": "fake.pdf", "datas": base64.b64encode(b"%PDF-1.4 fake")}
        )
        attacker = order.with_user(self.salesman).with_context(**ATTACKER_CONTEXT)
        with self.assertRaisesText(AccessError, message):
            attacker.write({"signed_copy_id": attachment.id})
        with self.assertRaisesText(AccessError, message):
            attacker.write({"signature": self.SIGNATURE, "signed_by": "Client"})
        self.assertEqual(self._gate_snapshot(order), before, "nothing changed")
        self.assertFalse(order.signed_by)
        # A quotation is not born signed either.
        with self.assertRaisesText(AccessError, "is given by the client online"):
            self.env["sale.order"].with_user(self.salesman).create(
                {"partner_id": self.client.id, "signature": self.SIGNATURE}
            )

    def test_a_quotation_is_born_without_decisions(self):
        Order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .with_context(**ATTACKER_CONTEXT)
        )
        count = Order.sudo().search_count([])
        with self.assertRaisesText(
            AccessError,
            "Only a dunning manager may open the work gate of a new quotation early",
        ):
            Order.create(
                {
                    "partner_id": self.client.id,
                    "work_gate_override_date": "2026-01-01 00:00:00",
                    "work_gate_override_reason": "Trusted",
                }
            )
        with self.assertRaisesText(
            AccessError,
            "Only a dunning manager may waive the deposit of a new quotation",
        ):
            Order.create({"partner_id": self.client.id, "deposit_required": False})
        order = self._create_order(user=self.salesman)
        with self.assertRaisesText(
            AccessError,
            "Only a dunning manager may waive the deposit of a new quotation",
        ):
            order.with_user(self.salesman).copy({"deposit_required": False})
        self.assertEqual(Order.sudo().search_count([]), count + 1)

    def test_odoo_flows_on_the_signature_still_work(self):
        order = self._create_order(user=self.salesman)
        order.action_quotation_sent()
        self._sign(order)  # the portal, as superuser
        self.assertTrue(order.signature)
        # Back to draft clears the signature (Odoo's action_draft), by the user.
        order.with_user(self.salesman).action_cancel()
        order.with_user(self.salesman).action_draft()
        self.assertFalse(order.signature)
        self.assertEqual(order.work_gate_state, "waiting_signature")
        # A duplicate gets the rules afresh and its own installments.
        copy = order.with_user(self.salesman).copy()
        self.assertTrue(copy.deposit_required)
        self.assertTrue(copy.work_gate_required)
        self.assertEqual(copy.installment_ids.mapped("percent"), [50.0, 50.0])
        self.assertFalse(copy.installment_ids & order.installment_ids)
        # The salesperson records the copy the client signed.
        order.with_user(self.salesman)._record_signed_copy(
            "Jane Client", "2026-01-05", base64.b64encode(b"%PDF-1.4 signed")
        )
        self.assertTrue(order.signed_copy_id)
        self.assertEqual(order.work_gate_state, "waiting_deposit")

    def test_waived_deposit_is_not_copied(self):
        order = self._create_order(user=self.salesman)
        order.with_user(self.manager)._waive_deposit("Long-standing client")
        self.assertFalse(order.deposit_required)
        copy = order.with_user(self.salesman).copy()
        self.assertTrue(copy.deposit_required, "a waiver is for one quotation")


@tagged("post_install", "-at_install")
class TestOrderInstallmentsLocked(FreelanceDunningCommon):
    """Installments are the addon's: nobody edits, adds or removes one."""

    def _installments_snapshot(self, orders):
        installments = orders.sudo().installment_ids
        installments.invalidate_recordset()
        return installments.read(["order_id", "percent", "trigger", "invoice_id"])

    def test_salesperson_cannot_lower_or_remove_the_deposit(self):
        own = self._create_order(user=self.salesman)
        foreign = self._create_order(user=self.manager)
        with self.assertRaises(AccessError):
            foreign.with_user(self.salesman).read(["name"])
        paid_elsewhere = self._confirm(
            self._create_order(partner=self._create_client("Other client"))
        )
        paid_elsewhere.with_user(self.manager)._open_work_gate_early("Trusted")
        other_invoice = paid_elsewhere.deposit_invoice_ids
        self.assertTrue(other_invoice)
        before = self._installments_snapshot(own | foreign)
        deposit_amount = own.deposit_amount
        Installment = (
            self.env["freelance.order.installment"]
            .with_user(self.salesman)
            .with_context(**ATTACKER_CONTEXT)
        )
        for order in (own, foreign):
            deposit = order.sudo().installment_ids.filtered("is_deposit")
            balance = order.sudo().installment_ids - deposit
            attacker = deposit.with_user(self.salesman).with_context(**ATTACKER_CONTEXT)
            attacks = [
                lambda a=attacker: a.write({"percent": 1.0}),
                lambda a=attacker: a.write({"trigger": "delivery"}),
                lambda a=attacker: a.write({"invoice_id": other_invoice.id}),
                lambda a=attacker: a.unlink(),
                lambda a=attacker, b=balance: (a | b.with_user(a.env.user)).write(
                    {"percent": 0.0}
                ),
                lambda o=order: Installment.create(
                    {"order_id": o.id, "percent": -50.0, "trigger": "delivery"}
                ),
                lambda o=order: (
                    o.with_user(self.salesman)
                    .with_context(**ATTACKER_CONTEXT)
                    .write({"installment_ids": [Command.clear()]})
                ),
            ]
            # The installments' own refusal, word for word; writing the order's
            # installments is refused by the order (Odoo's refusal when the
            # salesperson may not change it).
            messages = [INSTALLMENTS_REFUSED] * (len(attacks) - 1) + [
                (
                    f"These fields of {order.name} follow the payment schedule, the "
                    "payments and the company's settings, and cannot be written: "
                    "Installments."
                )
                if order == own
                else "doesn't have 'write' access to:\n- Sales Order (sale.order)"
            ]
            for index, (attack, message) in enumerate(
                zip(attacks, messages, strict=True)
            ):
                with (
                    self.subTest(order=order.name, attack=index),
                    self.assertRaisesText(AccessError, message),
                ):
                    attack()
        # The installments' own refusal, word for word.
        with self.assertRaisesText(AccessError, INSTALLMENTS_REFUSED):
            own.installment_ids.with_user(self.salesman).write({"percent": 1.0})
        with self.assertRaisesText(AccessError, INSTALLMENTS_REFUSED):
            own.installment_ids.with_user(self.manager).unlink()
        with self.assertRaisesText(AccessError, INSTALLMENTS_REFUSED):
            own.installment_ids.sudo().write({"percent": 1.0})
        # Through the invoice's side of the link too.
        with self.assertRaisesText(AccessError, INSTALLMENTS_REFUSED):
            other_invoice.with_user(self.salesman).write(
                {"installment_ids": [Command.link(own.installment_ids[0].id)]}
            )
        self.assertEqual(
            self._installments_snapshot(own | foreign), before, "nothing changed"
        )
        self.assertEqual(own.deposit_percent, 50.0)
        self.assertEqual(own.deposit_amount, deposit_amount)

    def test_the_addon_still_writes_them(self):
        order = self._create_order(user=self.salesman)
        # A schedule chosen on the quotation copies its installments.
        order.with_user(self.salesman).payment_schedule_id = self.schedule_100
        self.assertEqual(order.installment_ids.mapped("percent"), [100.0])
        order.with_user(self.salesman).payment_schedule_id = self.schedule_50_25_25
        self.assertEqual(order.installment_ids.mapped("percent"), [50.0, 25.0, 25.0])
        # Confirmation invoices the deposit and links it.
        self._confirm(order)
        self.assertTrue(order.installment_ids.filtered("is_deposit").invoice_id)
        # A waiver removes them, for a dunning manager.
        quote = self._create_order(user=self.salesman)
        quote.with_user(self.manager)._waive_deposit("Friend")
        self.assertFalse(quote.installment_ids)


@tagged("post_install", "-at_install")
class TestOnlinePaymentOfBlacklistedClients(FreelanceDunningCommon):
    """Online payment of a quotation follows the company's blacklist policy."""

    def _blacklist(self, partner):
        self.env["freelance.client.blacklist.wizard"].with_user(self.manager).create(
            {"partner_id": partner.id, "reason": "late_payer", "note": "Paid late"}
        ).action_apply()

    def test_refuse_policy_refuses_the_transaction(self):
        order = self._sign(self._create_order(quantity=2))
        order.require_payment = True
        self._blacklist(self.client)
        self.assertEqual(self.company.blacklist_policy, "refuse")
        self.assertFalse(order._has_to_be_paid())
        self.currency = order.currency_id
        count = self.env["payment.transaction"].search_count([])
        with self.assertRaisesText(
            ValidationError,
            f"{order.name} cannot be paid online: contact {self.company.name}.",
        ):
            self._create_transaction(
                flow="redirect",
                amount=600.0,
                sale_order_ids=[order.id],
                partner_id=self.client.id,
                reference="BL-REFUSED",
            )
        self.assertEqual(self.env["payment.transaction"].search_count([]), count)
        self.assertIn(order.state, ("draft", "sent"))

    def test_full_upfront_policy_asks_the_whole_amount(self):
        order = self._sign(self._create_order(quantity=2))  # 1200, deposit 600
        order.require_payment = True
        self.assertEqual(order._get_prepayment_required_amount(), 600.0)
        self.company.blacklist_policy = "full_upfront"
        self._blacklist(self.client)
        self.assertEqual(order.deposit_percent, 50.0, "a quotation written before")
        self.assertEqual(order._get_prepayment_required_amount(), order.amount_total)
        self.assertEqual(
            order._get_default_payment_link_values()["amount"], order.amount_total
        )
        self.assertTrue(order._has_to_be_paid())
        self.currency = order.currency_id
        half = self._create_transaction(
            flow="redirect",
            amount=600.0,
            sale_order_ids=[order.id],
            state="done",
            partner_id=self.client.id,
            reference="BL-HALF",
        )
        half._post_process()
        self.assertIn(order.state, ("draft", "sent"), "the deposit is not enough")
        rest = self._create_transaction(
            flow="redirect",
            amount=order.amount_total - 600.0,
            sale_order_ids=[order.id],
            state="done",
            partner_id=self.client.id,
            reference="BL-REST",
        )
        rest._post_process()
        self.assertFalse(order._has_to_be_paid())
        self.assertFalse(order._blacklist_error_message(), "paid in full upfront")

    def test_prepayment_fields_do_not_lower_the_deposit(self):
        """Odoo's prepayment fields are the salesperson's to write: the client
        still pays the whole deposit online before the quotation confirms."""
        order = self._sign(self._create_order(quantity=2, user=self.salesman))
        order.with_user(self.salesman).write(
            {"require_payment": True, "prepayment_percent": 0.01}
        )
        self.assertEqual(order.deposit_amount, 600.0)
        self.assertEqual(order._get_prepayment_required_amount(), 600.0)
        self.assertEqual(order._get_default_payment_link_values()["amount"], 600.0)
        self.assertTrue(order._has_to_be_paid())
        self.currency = order.currency_id
        cent = self._create_transaction(
            flow="redirect",
            amount=12.0,
            sale_order_ids=[order.id],
            state="done",
            partner_id=self.client.id,
            reference="ONE-PERCENT",
        )
        cent._post_process()
        self.assertIn(order.state, ("draft", "sent"), "1% confirms nothing")
        self.assertTrue(order._has_to_be_paid())
        rest = self._create_transaction(
            flow="redirect",
            amount=588.0,
            sale_order_ids=[order.id],
            state="done",
            partner_id=self.client.id,
            reference="THE-REST",
        )
        rest._post_process()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.deposit_state, "paid")

    def test_payment_of_a_client_in_good_standing(self):
        order = self._sign(self._create_order(quantity=2))
        order.require_payment = True
        self.currency = order.currency_id
        tx = self._create_transaction(
            flow="redirect",
            amount=600.0,
            sale_order_ids=[order.id],
            state="done",
            partner_id=self.client.id,
            reference="GOOD-CLIENT",
        )
        tx._post_process()
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.deposit_state, "paid")


@tagged("post_install", "-at_install")
class TestInternalFieldsHiddenFromPortal(FreelanceDunningCommon):
    def test_portal_user_cannot_read_reasons_on_own_order(self):
        portal = self._create_portal_user("fd_rule_portal")
        order = self._confirm(self._create_order(partner=portal.partner_id))
        order.with_user(self.manager)._open_work_gate_early("Cousin of the boss")
        own = order.with_user(portal)
        own.read(["name", "work_gate_state", "deposit_state"])
        for fname in (
            "work_gate_override_reason",
            "work_gate_override_user_id",
            "work_gate_override_date",
            "work_gate_reason",
            "work_suspension_reason",
            "partner_blacklist_reason",
            "signed_copy_id",
        ):
            with (
                self.subTest(field=fname),
                self.assertRaisesText(AccessError, "You do not have enough rights"),
            ):
                own.read([fname])
        self.assertEqual(
            order.with_user(self.manager).work_gate_override_reason,
            "Cousin of the boss",
            "the team reads it",
        )
