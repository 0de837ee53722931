from odoo import fields, models
from odoo.exceptions import AccessError, UserError

from ..models.res_partner import is_dunning_manager


class FreelanceWorkGateOverride(models.TransientModel):
    """Open an order's work gate before its deposit is paid, with a written reason."""

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
        if not is_dunning_manager(self.env):
            raise AccessError(
                self.env._("Only a dunning manager may open a work gate early.")
            )
        if not self.reason or not self.reason.strip():
            raise UserError(self.env._("Write down why the work starts early."))
        order = self.order_id
        if order._blacklist_refuses_business():
            raise UserError(
                self.env._(
                    "%(client)s is blacklisted: no work starts before the deposit is "
                    "paid.",
                    client=order.partner_id.commercial_partner_id.name,
                )
            )
        if order.state != "sale" or order._is_work_open():
            raise UserError(
                self.env._(
                    "The work gate of %(order)s is not waiting for a deposit.",
                    order=order.name,
                )
            )
        order.write(
            {
                "work_gate_override_reason": self.reason.strip(),
                "work_gate_override_user_id": self.env.uid,
                "work_gate_override_date": fields.Datetime.now(),
                "work_suspended": False,
            }
        )
        order.message_post(
            body=self.env._(
                "Work gate opened early by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=self.reason.strip(),
            ),
            subtype_xmlid="mail.mt_note",
        )
        order._start_work_if_gate_open()
        return {"type": "ir.actions.act_window_close"}
