from odoo import api, fields, models

from ..models.value_checks import check_values

UNTIL_BOUNDS = {"until": {}}


class FreelanceDunningPostpone(models.TransientModel):
    """Postpone every reminder of a client until a date, from one of its
    reminders; a reminder awaiting validation is skipped with the reason.

    The rule is the client's: res.partner._postpone_dunning.
    """

    _name = "freelance.dunning.postpone.wizard"
    _description = "Postpone a Client's Reminders"

    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Client",
        required=True,
        default=lambda self: self._default_partner(),
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        default=lambda self: self.env.company,
    )
    reminder_id = fields.Many2one(comodel_name="freelance.dunning.reminder")
    until = fields.Date(
        required=True,
        default=lambda self: fields.Date.add(fields.Date.context_today(self), days=15),
        help="No reminder for any invoice of the client until this date "
        "(included); they resume by themselves the day after.",
    )
    note = fields.Text()

    @api.model
    def _default_partner(self):
        """The client the wizard was opened from (its action menu, a link of
        the morning email)."""
        if self.env.context.get("active_model") == "res.partner":
            return (
                self.env["res.partner"]
                .browse(self.env.context.get("active_id"))
                .exists()
                .commercial_partner_id
            )
        return self.env["res.partner"]

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, UNTIL_BOUNDS)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, vals, UNTIL_BOUNDS)
        return super().write(vals)

    def action_postpone(self):
        self.ensure_one()
        reminder = self.reminder_id.filtered(
            lambda r: (
                r.state == "waiting"
                and r.partner_id.commercial_partner_id
                == self.partner_id.commercial_partner_id
            )
        )
        if reminder:
            # Checked before anything is written: a refusal changes nothing.
            reminder._check_validation_rights()
        self.partner_id._postpone_dunning(
            self.until, note=self.note, company=self.company_id
        )
        if reminder:
            reminder._skip(
                self.env._(
                    "%(reminder)s was skipped: the client's reminders are "
                    "postponed until %(date)s.",
                    reminder=reminder.display_name,
                    date=fields.Date.to_string(self.until),
                )
            )
        return {"type": "ir.actions.act_window_close"}
