from odoo import models


class AccountAnalyticLine(models.Model):
    _inherit = "account.analytic.line"

    def _get_gated_sale_orders(self):
        """The sales orders these timesheets would be logged against."""
        lines = self.sudo()
        return (
            lines.so_line.order_id
            | lines.task_id.sale_line_id.order_id
            | lines.task_id.sale_order_id
            | lines.project_id.sale_line_id.order_id
        )

    def _check_can_create(self):
        # No hour before the deposit: whoever logs it, even with sudo rights
        # on the project, the order's gate decides.
        result = super()._check_can_create()
        self.filtered("project_id")._get_gated_sale_orders()._check_work_open(
            self.env._("Logging time")
        )
        return result

    def write(self, vals):
        result = super().write(vals)
        if {"task_id", "project_id", "so_line"} & set(vals):
            # Moving hours onto the task of a closed order is logging them there.
            self.filtered("project_id")._get_gated_sale_orders()._check_work_open(
                self.env._("Logging time")
            )
        return result
