from odoo import fields, models


class AccountMove(models.Model):
    _inherit = "account.move"

    installment_ids = fields.One2many(
        comodel_name="sale.order.installment",
        inverse_name="invoice_id",
        string="Order Installments",
        readonly=True,
        help="The installments of a sales order's payment schedule this invoice bills.",
    )
