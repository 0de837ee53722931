from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..models.res_partner import is_dunning_manager


class FreelanceDepositWaiver(models.TransientModel):
    """Waive the deposit of quotations, with a written reason kept in their chatter."""

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
        if not is_dunning_manager(self.env):
            raise AccessError(self.env._("Only a dunning manager may waive a deposit."))
        if not self.reason or not self.reason.strip():
            raise UserError(self.env._("Write down why the deposit is waived."))
        confirmed = self.order_ids.filtered(lambda o: o.state not in ("draft", "sent"))
        if confirmed:
            raise UserError(
                self.env._(
                    "The deposit of a confirmed order cannot be waived (%(orders)s).",
                    orders=", ".join(confirmed.mapped("name")),
                )
            )
        self.order_ids.deposit_required = False
        for order in self.order_ids:
            order.message_post(
                body=Markup("%s<br/>%s")
                % (
                    self.env._("Deposit waived by %(user)s.", user=self.env.user.name),
                    self.reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return {"type": "ir.actions.act_window_close"}
