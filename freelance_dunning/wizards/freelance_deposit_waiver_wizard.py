from odoo import fields, models


class FreelanceDepositWaiver(models.TransientModel):
    """Waive the deposit of quotations, with a written reason kept in their chatter.

    The rule is the quotations': sale.order._waive_deposit.
    """

    _name = "freelance.deposit.waiver.wizard"
    _description = "Waive a Quotation's Deposit"

    order_ids = fields.Many2many(
        comodel_name="sale.order",
        string="Quotations",
        required=True,
        default=lambda self: self.env.context.get("active_ids"),
    )
    reason = fields.Text(
        required=True,
        help="Why no deposit is asked: kept in the quotation's history.",
    )

    def action_waive(self):
        self.ensure_one()
        self.order_ids._waive_deposit(self.reason)
        return {"type": "ir.actions.act_window_close"}
