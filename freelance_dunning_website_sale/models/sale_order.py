from odoo import SUPERUSER_ID, api, fields, models


class SaleOrder(models.Model):
    _inherit = "sale.order"

    freelance_rules_exemption = fields.Selection(
        selection_add=[("web_shop", "Web shop checkout")],
        ondelete={"web_shop": "set null"},
    )

    @api.model
    def _freelance_rules_exemption_at_creation(self, vals):
        """A web-shop cart keeps Odoo's checkout: the client accepts the terms
        and pays online, which stand for the signature and the deposit; once
        paid, Odoo confirms, delivers and invoices it.

        The shop creates its carts as the superuser (website.sale_get_order);
        a quotation a user creates with a website set (backend, RPC) is the
        team's, and the rules apply to it.
        """
        if vals.get("website_id") and self.env.uid == SUPERUSER_ID:
            return "web_shop"
        return super()._freelance_rules_exemption_at_creation(vals)
