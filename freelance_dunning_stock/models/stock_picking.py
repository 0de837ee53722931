from odoo import models


class StockPicking(models.Model):
    _inherit = "stock.picking"

    def _action_done(self):
        """Refuse to deliver the goods of an order whose work gate is closed.

        Checked at the last step every validation goes through (button, RPC,
        batch transfers), so no path delivers before the deposit is paid.
        """
        self.filtered(
            lambda picking: picking.picking_type_code == "outgoing"
        ).sudo().sale_id._check_work_open(self.env._("Delivering"))
        return super()._action_done()
