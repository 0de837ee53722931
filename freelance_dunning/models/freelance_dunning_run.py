from odoo import fields, models


class FreelanceDunningRun(models.Model):
    """The scheduled run of one company on one day: where it stands, what failed."""

    _name = "freelance.dunning.run"
    _inherit = ["freelance.company.bound.mixin"]
    _description = "Dunning Run"
    _order = "date desc, id desc"
    _rec_name = "date"
    _check_company_auto = True

    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    date = fields.Date(required=True, index=True)
    last_partner_id = fields.Integer(
        help="Clients are processed by id; the next batch starts after this one."
    )
    partner_count = fields.Integer(string="Clients Processed")
    reminder_count = fields.Integer(string="Reminders")
    error_log = fields.Text(string="Failures")

    _sql_constraints = [
        (
            "company_date_unique",
            "UNIQUE(company_id, date)",
            "One run per company and day.",
        ),
    ]

    def _get_company_move_refusal(self):
        # The run's progress (last client, counts) is that company's day.
        return self.env._(
            "A reminder run records one company's day: it cannot move to another "
            "company."
        )
