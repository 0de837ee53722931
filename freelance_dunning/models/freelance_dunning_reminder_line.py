from odoo import fields, models


class FreelanceDunningReminderLine(models.Model):
    """What happened to one receivable line at one level on one channel.

    The history of dunning: never rewritten, except a failed delivery marked
    failed. A partial unique index makes sending the same line twice at the
    same level on the same channel impossible, even for two workers at once.
    """

    _name = "freelance.dunning.reminder.line"
    _description = "Dunning History"
    _order = "date desc, id desc"
    _check_company_auto = True

    reminder_id = fields.Many2one(
        comodel_name="freelance.dunning.reminder", ondelete="cascade", index=True
    )
    move_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Receivable Line",
        required=True,
        ondelete="cascade",
        index=True,
    )
    move_id = fields.Many2one(
        related="move_line_id.move_id", string="Invoice", store=True, index=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Client", index=True
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    currency_id = fields.Many2one(comodel_name="res.currency", required=True)
    level_id = fields.Many2one(
        comodel_name="freelance.dunning.level", required=True, ondelete="restrict"
    )
    channel = fields.Selection(
        selection=[
            ("email", "Email"),
            ("letter", "Letter"),
            ("phone", "Phone call"),
            ("sms", "SMS"),
        ],
        required=True,
    )
    date = fields.Date(required=True, index=True)
    date_maturity = fields.Date(string="Due Date")
    days_late = fields.Integer()
    amount_residual = fields.Monetary(string="Amount Due")
    interest = fields.Monetary(string="Late Interest")
    indemnity = fields.Monetary(string="Recovery Indemnity")
    state = fields.Selection(
        selection=[
            ("waiting", "Waiting validation"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("skipped", "Skipped"),
        ],
        required=True,
        index=True,
    )
    error = fields.Text()
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Done By",
        help="Empty when the scheduled action did it.",
    )
    mail_message_id = fields.Many2one(
        related="reminder_id.mail_message_id", string="Email"
    )
    letter_id = fields.Many2one(related="reminder_id.letter_id", string="Letter PDF")

    def init(self):
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS freelance_dunning_reminder_line_once
                ON freelance_dunning_reminder_line (move_line_id, level_id, channel)
             WHERE state IN ('sent', 'waiting')
            """
        )
