from odoo import api, fields, models
from odoo.exceptions import AccessError

from .addon_writes import DUNNING_HISTORY_WRITING, is_addon_writing

# The level a receivable line reached: the dunning engine's to write.
LEVEL_REACHED_FIELDS = ("dunning_level_id", "dunning_last_date")


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

    is_offered = fields.Boolean(
        string="Offered",
        help="Given for free: printed at its real price with a 100% discount.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        if any(vals.get(fname) for vals in vals_list for fname in LEVEL_REACHED_FIELDS):
            check_level_reached_writing(self, "create")
        for vals in vals_list:
            if vals.get("is_offered"):
                vals["discount"] = 100.0
        return super().create(vals_list)

    def write(self, vals):
        if any(fname in vals for fname in LEVEL_REACHED_FIELDS):
            check_level_reached_writing(self, "write")
        if vals.get("is_offered"):
            vals = {**vals, "discount": 100.0}
        return super().write(vals)

    @api.onchange("is_offered")
    def _onchange_is_offered(self):
        if self.is_offered:
            self.discount = 100.0
