from odoo import api, fields, models


class SaleOrderLine(models.Model):
    _inherit = "sale.order.line"

    is_offered = fields.Boolean(
        string="Offered",
        help="Given for free: printed at its real price with a 100% discount, so "
        "the client sees what was offered.",
    )

    @api.depends("is_offered")
    def _compute_discount(self):
        result = super()._compute_discount()
        for line in self.filtered("is_offered"):
            line.discount = 100.0
        return result

    def _get_offered_value(self):
        """The real price of the offered lines, taxes excluded."""
        return sum(
            line.price_unit * line.product_uom_qty
            for line in self.filtered("is_offered")
        )

    def _prepare_invoice_line(self, **optional_values):
        values = super()._prepare_invoice_line(**optional_values)
        if self.is_offered:
            # The invoice keeps the gift visible too.
            values.update({"is_offered": True, "discount": 100.0})
        return values
