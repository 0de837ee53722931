from markupsafe import Markup

from odoo import models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    def _get_started_work_summary(self):
        """Odoo created the deliveries at confirmation; the gate only held
        their validation: list those still to deliver."""
        summary = super()._get_started_work_summary()
        pickings = self.sudo().picking_ids.filtered(
            lambda picking: picking.state not in ("done", "cancel")
        )
        if pickings:
            summary.append(
                Markup("%s %s")
                % (
                    self.env._("Deliveries to validate:"),
                    Markup(", ").join(p._get_html_link() for p in pickings),
                )
            )
        return summary
