from odoo import api, fields, models


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

    is_offered = fields.Boolean(
        string="Offered",
        help="Given for free: printed at its real price with a 100% discount.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            if vals.get("is_offered"):
                vals["discount"] = 100.0
        return super().create(vals_list)

    def write(self, vals):
        if vals.get("is_offered"):
            vals = {**vals, "discount": 100.0}
        return super().write(vals)

    @api.onchange("is_offered")
    def _onchange_is_offered(self):
        if self.is_offered:
            self.discount = 100.0
