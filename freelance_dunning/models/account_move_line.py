from odoo import api, fields, models
from odoo.exceptions import AccessError

from .addon_writes import DUNNING_HISTORY_WRITING, is_addon_writing
from .freelance_company_bound_mixin import check_company_batched

# The level a receivable line reached: the dunning engine's to write.
LEVEL_REACHED_FIELDS = ("dunning_level_id", "dunning_last_date")
# Context key of the run's write of the levels reached: Odoo's company check
# that follows runs per company (``AccountMoveLine._check_company``).
LEVEL_WRITE_KEY = "freelance_dunning_level_write"
# What a penalty invoice's line bills: written by the reminder that issues it.
PENALTY_SOURCE_FIELDS = (
    "dunning_penalty_kind",
    "dunning_penalty_source_move_id",
    "dunning_penalty_source_line_id",
    "dunning_penalty_date_to",
)


def check_level_reached_writing(records, operation):
    """Only the dunning engine moves an invoice up or down its ladder (see
    ``addon_writes``): a level written by hand would silence reminders, on a
    line or on the invoice (which shows its lines' highest level)."""
    if not is_addon_writing(records.env, DUNNING_HISTORY_WRITING):
        records.check_access(operation)
        raise AccessError(
            records.env._(
                "The reminder level an invoice reached is set by the dunning "
                "run only: to stop its reminders, pause them on the invoice."
            )
        )


def check_penalty_source_writing(records, operation):
    """What a penalty invoice bills is recorded by the reminder issuing it:
    written by hand, an invoice's interest or indemnity would be billed twice
    or never."""
    if not is_addon_writing(records.env, DUNNING_HISTORY_WRITING):
        records.check_access(operation)
        raise AccessError(
            records.env._(
                "Penalty invoices are issued by the payment reminders or the "
                "Invoice Late Payment Penalties action only: what their lines "
                "bill cannot be written by hand."
            )
        )


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    dunning_level_id = fields.Many2one(
        comodel_name="freelance.dunning.level",
        string="Reminder Level",
        copy=False,
        index="btree_not_null",
        check_company=True,
        help="The last reminder level sent for this receivable line.",
    )
    dunning_last_date = fields.Date(string="Last Reminder", copy=False)

    # On the lines of a penalty invoice: what each one bills, so that late
    # interest and the indemnity are invoiced once per invoice and
    # installment, from the ledger itself.
    dunning_penalty_kind = fields.Selection(
        selection=[("interest", "Late interest"), ("indemnity", "Recovery indemnity")],
        string="Penalty",
        copy=False,
        readonly=True,
    )
    dunning_penalty_source_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Penalty Of Invoice",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        help="The late invoice whose late interest or indemnity this line bills.",
    )
    dunning_penalty_source_line_id = fields.Many2one(
        comodel_name="account.move.line",
        string="Penalty Of",
        copy=False,
        readonly=True,
        index="btree_not_null",
        ondelete="set null",
        check_company=True,
        help="The receivable line (installment) of the late invoice whose late "
        "interest or indemnity this line bills.",
    )
    dunning_penalty_date_to = fields.Date(
        string="Interest Until",
        copy=False,
        readonly=True,
        help="The last day of late interest this line bills.",
    )

    is_offered = fields.Boolean(
        string="Offered",
        help="Given for free: printed at its real price with a 100% discount.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get(fname) for vals in vals_list for fname in LEVEL_REACHED_FIELDS):
            check_level_reached_writing(self, "create")
        if any(
            vals.get(fname) for vals in vals_list for fname in PENALTY_SOURCE_FIELDS
        ):
            check_penalty_source_writing(self, "create")
        for vals in vals_list:
            if vals.get("is_offered"):
                vals["discount"] = 100.0
        return super().create(vals_list)

    def write(self, vals):
        if any(fname in vals for fname in LEVEL_REACHED_FIELDS):
            check_level_reached_writing(self, "write")
        if any(fname in vals for fname in PENALTY_SOURCE_FIELDS):
            check_penalty_source_writing(self, "write")
        if vals.get("is_offered"):
            vals = {**vals, "discount": 100.0}
        return super().write(vals)

    def _check_company(self, fnames=None):
        # The run moves thousands of lines up their levels in one write
        # (freelance.dunning.reminder._advance_lines), after which Odoo checks
        # every company-checked field of every line, one line at a time: the
        # same check, per company (any mismatch runs Odoo's own).
        if self.env.context.get(LEVEL_WRITE_KEY):
            return check_company_batched(self, fnames, super()._check_company)
        return super()._check_company(fnames)

    @api.onchange("is_offered")
    def _onchange_is_offered(self):
        if self.is_offered:
            self.discount = 100.0
