from odoo import api, fields, models

from ..models.value_checks import check_values

UNTIL_BOUNDS = {"until": {}}


class FreelanceDunningPause(models.TransientModel):
    """Mark invoices disputed or record a promise to pay: reminders wait a while.

    The rule is the invoices': account.move._pause_dunning.
    """

    _name = "freelance.dunning.pause.wizard"
    _description = "Pause the Payment Reminders"

    move_ids = fields.Many2many(
        comodel_name="account.move", string="Invoices", required=True
    )
    reason = fields.Selection(
        selection=[("disputed", "Disputed"), ("promise", "Promise to pay")],
        required=True,
        default="disputed",
    )
    until = fields.Date(
        required=True,
        default=lambda self: fields.Date.add(fields.Date.context_today(self), days=15),
        help="Reminders resume by themselves the day after.",
    )
    note = fields.Text()

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, UNTIL_BOUNDS)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, vals, UNTIL_BOUNDS)
        return super().write(vals)

    def action_pause(self):
        self.ensure_one()
        self.move_ids._pause_dunning(self.reason, self.until, self.note)
        return {"type": "ir.actions.act_window_close"}
