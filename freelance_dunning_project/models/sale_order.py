from odoo import api, fields, models

from odoo.addons.freelance_dunning.models.cursor_permission import (
    has_cursor_permission,
)

from .sale_order_line import ORDER_FROM_PROJECT


class SaleOrder(models.Model):
    _inherit = "sale.order"

    freelance_rules_exemption = fields.Selection(
        selection_add=[("project", "Order created from a project or task")],
        ondelete={"project": "set null"},
    )

    @api.model
    def _freelance_rules_exemption_at_creation(self, vals):
        """An order sale_project creates from a task or a project (the line's
        form opened there) is for work already under way: Odoo confirms it when
        the task or project is saved. Only a project user runs that flow; the
        context key that opens the form proves nothing on its own."""
        if has_cursor_permission(self.env, ORDER_FROM_PROJECT, [self.env.uid]) and (
            self.env.su or self.env.user.has_group("project.group_project_user")
        ):
            return "project"
        return super()._freelance_rules_exemption_at_creation(vals)

    def _start_work(self):
        """Create the projects and tasks Odoo held back while the gate was closed."""
        result = super()._start_work()
        for order in self:
            order.order_line.sudo().with_company(
                order.company_id
            )._timesheet_service_generation()
        return result

    def action_create_project(self):
        self._check_work_open(self.env._("Creating a project"))
        return super().action_create_project()
