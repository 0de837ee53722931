from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged

from odoo.addons.freelance_dunning.tests.common import FreelanceDunningCommon
from odoo.addons.freelance_dunning_project.models.sale_order_line import (
    INLINE_LINE_FORM,
)


@tagged("post_install", "-at_install")
class TestRulesScopeProject(FreelanceDunningCommon):
    """sale_project's orders for work under way keep Odoo's flow (issue 17)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service.write({"service_tracking": "task_in_project"})
        cls.company.work_gate_required = True
        cls.project = cls.env["project.project"].create(
            {
                "name": "Brightside retainer",
                "allow_billable": True,
                "partner_id": cls.client.id,
                "company_id": cls.company.id,
            }
        )
        cls.task = cls.env["project.task"].create(
            {
                "name": "Fix the contact form",
                "project_id": cls.project.id,
                "partner_id": cls.client.id,
            }
        )
        cls.project_salesman = cls._create_user(
            "fd_project_salesman",
            "sales_team.group_sale_salesman,project.group_project_user",
        )
        # Odoo lets a project administrator set a project's Sales Order Item.
        cls.project_manager = cls._create_user(
            "fd_project_manager",
            "sales_team.group_sale_salesman,project.group_project_manager",
        )

    def _inline_line(self, user, **context):
        """The task form's "Create and edit" of a Sales Order Item: sale_project's
        line form, whose defaults create the order."""
        lines = (
            self.env["sale.order.line"]
            .with_user(user)
            .with_context(
                form_view_ref=INLINE_LINE_FORM,
                default_partner_id=self.client.id,
                default_company_id=self.company.id,
                **context,
            )
        )
        with Form(lines, view=INLINE_LINE_FORM) as line_form:
            line_form.product_id = self.service
        return line_form.record

    def test_task_with_inline_line_confirms_as_odoo(self):
        line = self._inline_line(self.project_salesman)
        order = line.order_id
        self.assertEqual(order.freelance_rules_exemption, "project")
        self.assertFalse(order.deposit_required)
        self.assertFalse(order.work_gate_required)
        self.assertFalse(order.installment_ids)
        self.assertEqual(order.state, "draft")
        # Saving the task confirms the order (sale_project), unsigned, with no
        # deposit, and the work is open.
        self.task.with_user(self.project_salesman).sale_line_id = line
        self.assertEqual(order.state, "sale")
        self.assertFalse(order.deposit_invoice_ids)
        self.assertFalse(order.invoice_ids)
        self.assertEqual(order.work_gate_state, "cleared")
        self.assertEqual(self.task.sale_line_id, line)

    def test_project_with_inline_line_confirms_as_odoo(self):
        line = self._inline_line(self.project_manager, link_to_project=self.project.id)
        order = line.order_id
        self.assertEqual(order.freelance_rules_exemption, "project")
        self.assertEqual(self.project.sale_line_id, line)
        self.assertEqual(order.state, "sale", "confirmed when the project got it")
        self.assertFalse(order.invoice_ids)

    def test_task_linked_to_a_team_quotation_keeps_the_rules(self):
        """A task linked to a quotation the team made: the quotation must be
        signed first, Odoo's confirm-on-save is refused with the reason."""
        order = self._create_order(user=self.project_salesman)
        self.assertTrue(order.work_gate_required)
        with self.assertRaisesText(UserError, "must be signed before it is confirmed"):
            self.env["project.task"].with_user(self.project_salesman).create(
                {
                    "name": "Design",
                    "project_id": self.project.id,
                    "partner_id": self.client.id,
                    "sale_line_id": order.order_line.id,
                }
            )
        self.assertEqual(order.state, "draft")

    def test_no_exemption_without_project_rights_or_by_context(self):
        """The context key opening sale_project's form proves nothing: a
        salesperson without project rights gets a quotation with the rules,
        and a quotation created with the key stays the team's."""
        line = self._inline_line(self.salesman)
        self.assertFalse(line.order_id.freelance_rules_exemption)
        self.assertTrue(line.order_id.deposit_required)
        self.assertTrue(line.order_id.work_gate_required)
        order = (
            self.env["sale.order"]
            .with_user(self.project_salesman)
            .with_context(form_view_ref=INLINE_LINE_FORM, link_to_project=1)
            .create({"partner_id": self.client.id})
        )
        self.assertFalse(order.freelance_rules_exemption)
        self.assertTrue(order.deposit_required)

    def test_exemption_cannot_be_written(self):
        line = self._inline_line(self.project_salesman)
        for order, value in (
            (line.order_id, False),
            (self._create_order(user=self.project_salesman), "project"),
        ):
            with (
                self.subTest(value=value),
                self.assertRaisesText(AccessError, "follows the flow that created it"),
            ):
                order.with_user(self.project_salesman).freelance_rules_exemption = value
            self.assertEqual(
                order.freelance_rules_exemption, "project" if not value else False
            )
