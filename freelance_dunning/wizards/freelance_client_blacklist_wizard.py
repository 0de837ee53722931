from odoo import fields, models
from odoo.exceptions import UserError

from ..models.res_partner import BLACKLIST_REASONS


class FreelanceClientBlacklist(models.TransientModel):
    """Blacklist a client with a reason, or lift its blacklist with a reason."""

    _name = "freelance.client.blacklist.wizard"
    _description = "Blacklist a Client"

    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Client", required=True
    )
    lift = fields.Boolean(help="Lift the blacklist instead of setting it.")
    reason = fields.Selection(selection=BLACKLIST_REASONS)
    note = fields.Text(help="What happened: kept on the client.")
    lift_reason = fields.Text(string="Why Lift It")

    def action_apply(self):
        self.ensure_one()
        partner = self.partner_id.commercial_partner_id
        if self.lift:
            if not (self.lift_reason or "").strip():
                raise UserError(self.env._("Write down why the blacklist is lifted."))
            partner.with_context(
                client_blacklist_lift_reason=self.lift_reason.strip()
            ).write({"client_blacklisted": False})
        else:
            if not self.reason:
                raise UserError(self.env._("Choose why the client is blacklisted."))
            partner.write(
                {
                    "client_blacklisted": True,
                    "client_blacklist_reason": self.reason,
                    "client_blacklist_note": self.note,
                }
            )
        return {"type": "ir.actions.act_window_close"}
