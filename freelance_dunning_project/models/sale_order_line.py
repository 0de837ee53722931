from odoo import models

from odoo.addons.freelance_dunning.models.cursor_permission import (
    has_cursor_permission,
)

from .sale_order import RELEASING_PROJECTS


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

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
