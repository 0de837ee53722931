from odoo import api, models

from odoo.addons.freelance_dunning.models.cursor_permission import (
    cursor_permission,
    has_cursor_permission,
)

# sale_project creating an order from a task or a project (see default_get).
ORDER_FROM_PROJECT = "freelance_dunning_project.order_from_project"
# sale_project's form for an order line created from a task or a project.
INLINE_LINE_FORM = "sale_project.sale_order_line_view_form_editable"
# Orders whose projects and tasks this bridge creates while it is uninstalled
# (see sale.order._create_held_projects_at_uninstall), kept on the cursor.
RELEASING_PROJECTS = "freelance_dunning_project.releasing_projects"


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    @api.model
    def default_get(self, fields):
        """sale_project creates the order of a line added from a task or a
        project here; it confirms it when the task or project is saved. That
        order is for work already under way: the deposit and the work gate do
        not apply (sale.order._freelance_rules_exemption_at_creation)."""
        if self.env.context.get("form_view_ref") != INLINE_LINE_FORM:
            return super().default_get(fields)
        with cursor_permission(self.env, ORDER_FROM_PROJECT, [self.env.uid]):
            return super().default_get(fields)

    def _timesheet_service_generation(self):
        """Generate projects and tasks only for orders whose work gate is open.

        Called by Odoo at confirmation and when a line is added to a confirmed
        order; the lines held back here get their project when the gate opens
        (sale.order._start_work), which is idempotent like Odoo's own call.
        """
        open_lines = self.filtered(
            lambda line: (
                line.order_id._is_work_open()
                or has_cursor_permission(
                    self.env, RELEASING_PROJECTS, line.order_id.ids
                )
            )
        )
        return super(SaleOrderLine, open_lines)._timesheet_service_generation()
