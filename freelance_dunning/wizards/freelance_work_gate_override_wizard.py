from odoo import fields, models


class FreelanceWorkGateOverride(models.TransientModel):
    """Open an order's work gate before its deposit is paid, with a written reason.

    The rule is the order's: sale.order._open_work_gate_early.
    """

    _name = "freelance.work.gate.override.wizard"
    _description = "Open the Work Gate Early"

    order_id = fields.Many2one(
        comodel_name="sale.order",
        required=True,
        default=lambda self: self.env.context.get("active_id"),
    )
    reason = fields.Text(required=True)

    def action_open(self):
        self.ensure_one()
        self.order_id._open_work_gate_early(self.reason)
        return {"type": "ir.actions.act_window_close"}
