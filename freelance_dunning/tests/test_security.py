from odoo.exceptions import AccessError
from odoo.fields import Command
from odoo.tests import tagged

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestSecurity(FreelanceDunningCommon):
    def test_groups(self):
        manager_group = self.env.ref("freelance_dunning.group_dunning_manager")
        user_group = self.env.ref("freelance_dunning.group_dunning_user")
        self.assertIn(user_group, manager_group.implied_ids)
        self.assertTrue(self.salesman.has_group("freelance_dunning.group_dunning_user"))
        self.assertFalse(
            self.salesman.has_group("freelance_dunning.group_dunning_manager")
        )
        self.assertTrue(
            self.env.ref("base.user_admin").has_group(
                "freelance_dunning.group_dunning_manager"
            )
        )

    def test_only_managers_configure_schedules(self):
        Schedule = self.env["freelance.payment.schedule"]
        self.assertTrue(
            Schedule.with_user(self.salesman).search([]), "users read schedules"
        )
        with self.assertRaisesText(
            AccessError, "not allowed to create 'Payment Schedule'"
        ):
            Schedule.with_user(self.salesman).create(
                {"name": "Mine", "installment_ids": [Command.create({"percent": 100})]}
            )
        with self.assertRaisesText(
            AccessError, "not allowed to modify 'Payment Schedule'"
        ):
            self.schedule_100.with_user(self.salesman).name = "Renamed"
        schedule = Schedule.with_user(self.manager).create(
            {"name": "Manager's", "installment_ids": [Command.create({"percent": 100})]}
        )
        self.assertEqual(schedule.company_id, self.company)

    def test_schedules_are_per_company(self):
        other = self.setup_other_company(name="Agency B")["company"]
        foreign = self._create_schedule("Foreign", [(100, "signature")], company=other)
        visible = (
            self.env["freelance.payment.schedule"].with_user(self.salesman).search([])
        )
        self.assertNotIn(foreign, visible)
        self.assertIn(self.schedule_100, visible)
        order = self._create_order()
        order_other = (
            self.env["sale.order"]
            .with_company(other)
            .create({"partner_id": self.client.id, "company_id": other.id})
        )
        installments = (
            self.env["freelance.order.installment"].with_user(self.salesman).search([])
        )
        self.assertIn(order.installment_ids[0], installments)
        self.assertFalse(installments & order_other.installment_ids)

    def test_portal_user_sees_only_own_documents(self):
        portal = self._create_portal_user("fd_portal")
        own = self._create_order(partner=portal.partner_id)
        self._confirm(own)
        other = self._create_order()
        self._confirm(other)
        Order = self.env["sale.order"].with_user(portal)
        self.assertEqual(Order.search([]), own)
        with self.assertRaisesText(
            AccessError, "doesn't have 'read' access to:\n- Sales Order (sale.order)"
        ):
            other.with_user(portal).read(["name"])
        Move = self.env["account.move"].with_user(portal)
        self.assertEqual(Move.search([]), own.invoice_ids)
        with self.assertRaisesText(
            AccessError,
            "doesn't have 'read' access to:\n- Journal Entry (account.move)",
        ):
            other.invoice_ids.with_user(portal).read(["name"])
        with self.assertRaisesText(AccessError, "(freelance.order.installment)"):
            self.env["freelance.order.installment"].with_user(portal).search([])
        with self.assertRaisesText(AccessError, "(freelance.payment.schedule)"):
            self.env["freelance.payment.schedule"].with_user(portal).search([])
