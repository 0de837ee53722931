from markupsafe import Markup

from odoo import fields, models
from odoo.exceptions import UserError


class FreelanceSignedCopy(models.TransientModel):
    """Record the copy of a quotation that the client signed on paper or by email."""

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

    def action_record(self):
        self.ensure_one()
        order = self.order_id
        if order.state not in ("draft", "sent"):
            raise UserError(
                self.env._(
                    "%(order)s is no longer a quotation: its signature cannot change.",
                    order=order.name,
                )
            )
        if order._is_signed():
            raise UserError(
                self.env._("%(order)s is already signed.", order=order.name)
            )
        if not self.signed_file:
            raise UserError(self.env._("Attach the signed copy of the quotation."))
        if self.signed_on > fields.Date.context_today(self):
            raise UserError(self.env._("The signature date cannot be in the future."))
        attachment = self.env["ir.attachment"].create(
            {
                "name": self.signed_filename or f"{order.name} - signed.pdf",
                "datas": self.signed_file,
                "res_model": "sale.order",
                "res_id": order.id,
            }
        )
        order.write(
            {
                "signed_copy_id": attachment.id,
                "signed_by": self.signed_by,
                "signed_on": fields.Datetime.to_datetime(self.signed_on),
            }
        )
        order.message_post(
            body=Markup("%s")
            % self.env._(
                "Signed copy recorded: signed by %(name)s on %(date)s.",
                name=self.signed_by,
                date=fields.Date.to_string(self.signed_on),
            ),
            attachment_ids=attachment.ids,
            subtype_xmlid="mail.mt_note",
        )
        return {"type": "ir.actions.act_window_close"}
