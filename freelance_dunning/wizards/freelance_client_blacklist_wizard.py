from odoo import fields, models

from ..models.res_partner import BLACKLIST_REASONS


class FreelanceClientBlacklist(models.TransientModel):
    """Blacklist a client with a reason, or lift its blacklist with a reason.

    The rules (who may, what is required, the chatter) are the client's:
    res.partner._set_client_blacklist and _lift_client_blacklist.
    """

    _name = "freelance.client.blacklist.wizard"
    _description = "Blacklist a Client"

    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Client", required=True
    )
    lift = fields.Boolean(help="Lift the blacklist instead of setting it.")
    reason = fields.Selection(selection=BLACKLIST_REASONS)
    note = fields.Text(help="What happened: kept on the client.")
    lift_reason = fields.Text(string="Why Lift It")
    company_ids = fields.Many2many(
        comodel_name="res.company",
        string="Companies",
        default=lambda self: self.env.company,
        help="The companies whose blacklist this decides: a manager of several "
        "companies may share it on purpose.",
    )

    def action_apply(self):
        self.ensure_one()
        if self.lift:
            self.partner_id._lift_client_blacklist(
                self.lift_reason, companies=self.company_ids
            )
        else:
            self.partner_id._set_client_blacklist(
                self.reason, self.note, companies=self.company_ids
            )
        return {"type": "ir.actions.act_window_close"}
