from odoo.tests import HttpCase, tagged

from odoo.addons.freelance_dunning.tests.common import FreelanceDunningCommon


@tagged("post_install", "-at_install", "fd_http")
class TestProjectTour(FreelanceDunningCommon, HttpCase):
    """The freelancer's path from a quotation to a started project, in Chromium."""

    def test_freelancer_quote_signed_copy_deposit_project(self):
        self.service.write({"service_tracking": "task_in_project"})
        freelancer = self._create_user(
            "fd_freelancer",
            "sales_team.group_sale_salesman,account.group_account_invoice,"
            "project.group_project_user,freelance_dunning.group_dunning_user",
        )
        self.start_tour(
            "/odoo/action-sale.action_quotations_with_onboarding/new",
            "freelance_dunning_quote_to_project",
            login=freelancer.login,
        )
        order = self.env["sale.order"].search([("partner_id", "=", self.client.id)])
        self.assertEqual(len(order), 1)
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.invoice_ids, "issued right after the click")
        # What the scheduled action woken up by Confirm does.
        self.env.ref(
            "freelance_dunning.ir_cron_issue_deposit_invoices"
        ).method_direct_trigger()
        self.assertEqual(order.deposit_invoice_ids.state, "posted")
        self.start_tour(
            f"/odoo/action-sale.action_quotations_with_onboarding/{order.id}",
            "freelance_dunning_deposit_to_project",
            login=freelancer.login,
        )
        self.assertEqual(order.user_id, freelancer)
        self.assertEqual(order.state, "sale")
        self.assertEqual(order.signed_copy_id.name, "signed-quote.pdf")
        self.assertEqual(order.signed_by, "Alex Martin")
        self.assertEqual(order.deposit_state, "paid")
        self.assertEqual(order.work_gate_state, "cleared")
        self.assertTrue(
            order.order_line.task_id, "the task exists once the deposit is paid"
        )

    def test_task_with_inline_order_line_saves(self):
        """sale_project's flow: a task's Sales Order Item created inline; the
        task saves and its new order is confirmed as Odoo does."""
        self.service.write({"service_tracking": "task_in_project"})
        project = self.env["project.project"].create(
            {
                "name": "Brightside retainer",
                "allow_billable": True,
                "partner_id": self.client.id,
                "company_id": self.company.id,
            }
        )
        task = self.env["project.task"].create(
            {
                "name": "Fix the contact form",
                "project_id": project.id,
                "partner_id": self.client.id,
            }
        )
        freelancer = self._create_user(
            "fd_freelancer",
            "sales_team.group_sale_salesman,project.group_project_user",
        )
        self.start_tour(
            f"/odoo/action-project.action_view_all_task/{task.id}",
            "freelance_dunning_task_inline_order_line",
            login=freelancer.login,
        )
        order = task.sale_line_id.order_id
        self.assertTrue(order, "the task got its Sales Order Item")
        self.assertEqual(order.freelance_rules_exemption, "project")
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.invoice_ids, "no deposit invoice")
