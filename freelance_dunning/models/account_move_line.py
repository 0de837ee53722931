from odoo import fields, models


class AccountMoveLine(models.Model):
    _inherit = "account.move.line"

    dunning_level_id = fields.Many2one(
        comodel_name="freelance.dunning.level",
        string="Reminder Level",
        copy=False,
        index="btree_not_null",
        help="The last reminder level sent for this receivable line.",
    )
    dunning_last_date = fields.Date(string="Last Reminder", copy=False)
