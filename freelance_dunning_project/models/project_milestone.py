from odoo import models


class ProjectMilestone(models.Model):
    _inherit = "project.milestone"

    def write(self, vals):
        """Invoice the order's mid-way installment when its milestone is reached."""
        newly_reached = (
            self.filtered(lambda m: not m.is_reached)
            if vals.get("is_reached")
            else self.browse()
        )
        result = super().write(vals)
        orders = newly_reached.sudo().sale_line_id.order_id.filtered(
            lambda o: o.state == "sale"
        )
        for order in orders:
            pending = order.installment_ids.filtered(
                lambda i: i.trigger == "milestone" and not i.invoice_id
            ).sorted("sequence")
            if pending:
                order._invoice_installments(pending[:1])
        return result
