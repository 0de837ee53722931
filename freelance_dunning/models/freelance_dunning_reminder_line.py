from odoo import api, fields, models
from odoo.exceptions import AccessError

from .addon_writes import DUNNING_HISTORY_WRITING, is_addon_writing
from .freelance_company_bound_mixin import check_company_batched

# What became of a reminder, and of each of its lines.
REMINDER_STATES = [
    ("waiting", "Waiting validation"),
    ("sent", "Sent"),
    ("failed", "Failed"),
    ("skipped", "Skipped"),
]


class FreelanceDunningReminderLine(models.Model):
    """What happened to one receivable line at one level on one channel.

    The history of dunning: written by the dunning engine only (created with
    its reminder, marked sent, failed or skipped by the reminder's own
    methods), never by a user's create, write or unlink. A partial unique
    index makes sending the same line twice at the same level on the same
    channel impossible, even for two workers at once.
    """

    _name = "freelance.dunning.reminder.line"
    _inherit = ["freelance.company.bound.mixin"]
    _description = "Dunning History"
    _order = "date desc, id desc"
    _check_company_auto = True

    reminder_id = fields.Many2one(
        comodel_name="freelance.dunning.reminder",
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    move_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Receivable Line",
        required=True,
        ondelete="cascade",
        index=True,
        check_company=True,
    )
    move_id = fields.Many2one(
        related="move_line_id.move_id", string="Invoice", store=True, index=True
    )
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Client", index=True, check_company=True
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    currency_id = fields.Many2one(comodel_name="res.currency", required=True)
    level_id = fields.Many2one(
        comodel_name="freelance.dunning.level",
        required=True,
        ondelete="restrict",
        check_company=True,
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
    amount_residual = fields.Monetary(
        string="Amount Due",
        help="What the client owes on the line: its residual less the open "
        "credit notes and unreconciled payments imputed on it.",
    )
    amount_credited = fields.Monetary(
        string="Credits Deducted",
        help="The client's open credit notes and unreconciled payments imputed "
        "on the line, the oldest debts first: not claimed.",
    )
    interest = fields.Monetary(string="Late Interest")
    indemnity = fields.Monetary(string="Recovery Indemnity")
    rate_missing = fields.Char(
        string="Missing Rates",
        help="Why the late interest could not be computed: a half-year without "
        "reference rates. The reminder waits until they are entered.",
    )
    # "Rehearsed": sent to the freelancer during a rehearsal (the reminder's
    # ``rehearsal``): the client was not told, so it is no "Sent" history: the
    # level may be sent again for real (the unique index counts sent and
    # waiting lines only), and no formal notice dates from it.
    state = fields.Selection(
        selection=[*REMINDER_STATES, ("rehearsed", "Rehearsed")],
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

    @api.model_create_multi
    def create(self, vals_list):
        self._check_history_writing("create")
        return super().create(vals_list)

    def write(self, vals):
        self._check_history_writing("write")
        return super().write(vals)

    def _check_company(self, fnames=None):
        # A run creates thousands of lines at once: checked per company.
        return check_company_batched(self, fnames, super()._check_company)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_engine(self):
        self._check_history_writing("unlink")

    def action_open_reminder(self):
        """The reminder of this line, with its email as the client read it."""
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "res_model": "freelance.dunning.reminder",
            "res_id": self.reminder_id.id,
            "view_mode": "form",
            "views": [(False, "form")],
            "target": "current",
        }

    def _get_company_move_refusal(self):
        return self.env._(
            "The dunning history stays in the company of its invoices: it "
            "cannot move to another company."
        )

    def _check_history_writing(self, operation):
        """The history is the engine's: refuse anyone else, whatever the
        context or the rights (see ``addon_writes``); Odoo's own refusal
        first for those without the right at all."""
        if not is_addon_writing(self.env, DUNNING_HISTORY_WRITING):
            self.check_access(operation)
            raise AccessError(
                self.env._(
                    "The dunning history is written by the reminders only: run, "
                    "validate or skip a reminder, or pause the invoice's "
                    "reminders, instead of changing its history."
                )
            )

    def init(self):
        self.env.cr.execute(
            """
            CREATE UNIQUE INDEX IF NOT EXISTS freelance_dunning_reminder_line_once
                ON freelance_dunning_reminder_line (move_line_id, level_id, channel)
             WHERE state IN ('sent', 'waiting')
            """
        )
