from markupsafe import Markup

from odoo import api, fields, models

from odoo.addons.freelance_dunning.models.cursor_permission import (
    cursor_permission,
    has_cursor_permission,
)

from .sale_order_line import ORDER_FROM_PROJECT, RELEASING_PROJECTS


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

    def _get_started_work_summary(self):
        summary = super()._get_started_work_summary()
        order = self.sudo()
        order.invalidate_recordset(["project_ids", "tasks_ids"])
        if order.project_ids:
            summary.append(
                Markup("%s %s")
                % (
                    self.env._("Projects:"),
                    Markup(", ").join(p._get_html_link() for p in order.project_ids),
                )
            )
        if order.tasks_ids:
            summary.append(
                Markup("%s %s")
                % (
                    self.env._("Tasks:"),
                    Markup(", ").join(t._get_html_link() for t in order.tasks_ids),
                )
            )
        return summary

    @api.model
    def _create_held_projects_at_uninstall(self):
        """This bridge alone is being uninstalled: Odoo will create the
        projects and tasks of the orders it confirms from now on, and nothing
        would create those of the orders the gate holds now. They get them
        at once; their gate (signature, deposit, invoicing) stays as it is."""
        held = self.search(
            [
                ("state", "=", "sale"),
                ("work_gate_required", "=", True),
                ("work_started_on", "=", False),
            ]
        )
        for order in held:
            with cursor_permission(self.env, RELEASING_PROJECTS, order.ids):
                order.order_line.sudo().with_company(
                    order.company_id
                )._timesheet_service_generation()
            body = self.env._(
                "Freelance Dunning - Projects is uninstalled: the projects and "
                "tasks of this order are created now, as Odoo does when an order "
                "is confirmed."
            )
            work = order._get_started_work_summary()
            if work:
                body = Markup("%s<br/>%s") % (body, Markup("<br/>").join(work))
            order.message_post(body=body, subtype_xmlid="mail.mt_note")
        return held

    def action_create_project(self):
        self._check_work_open(self.env._("Creating a project"))
        return super().action_create_project()
