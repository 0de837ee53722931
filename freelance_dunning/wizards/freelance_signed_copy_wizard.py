from odoo import api, fields, models

from ..models.value_checks import check_values

SIGNED_ON_BOUNDS = {"signed_on": {}}


class FreelanceSignedCopy(models.TransientModel):
    """Record the copy of a quotation that the client signed on paper or by email.

    The rule is the quotation's: sale.order._record_signed_copy.
    """

    _name = "freelance.signed.copy.wizard"
    _description = "Record a Signed Quotation"

    order_id = fields.Many2one(
        comodel_name="sale.order",
        required=True,
        default=lambda self: self.env.context.get("active_id"),
    )
    signed_file = fields.Binary(string="Signed Copy", required=True)
    signed_filename = fields.Char()
    signed_by = fields.Char(required=True)
    signed_on = fields.Date(required=True, default=fields.Date.context_today)

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, SIGNED_ON_BOUNDS)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, vals, SIGNED_ON_BOUNDS)
        return super().write(vals)

    def action_record(self):
        self.ensure_one()
        order = self.order_id
        order._record_signed_copy(
            self.signed_by, self.signed_on, self.signed_file, self.signed_filename
        )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "title": self.env._("Signed copy recorded"),
                "message": self.env._(
                    "%(order)s is signed by %(name)s. %(next)s",
                    order=order.name,
                    name=self.signed_by,
                    next=order._get_next_step_after_signature(),
                ),
                "sticky": False,
                "next": {"type": "ir.actions.act_window_close"},
            },
        }
