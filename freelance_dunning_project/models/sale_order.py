from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

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
