from odoo import api, fields, models
from odoo.exceptions import ValidationError


class SaleAdvancePaymentInv(models.TransientModel):
    _inherit = "sale.advance.payment.inv"

    freelance_installment_id = fields.Many2one(
        comodel_name="freelance.order.installment",
        string="Installment",
        help="The installment of the order's payment schedule that this down "
        "payment invoices (set by the addon when it invoices the schedule).",
    )

    @api.constrains("freelance_installment_id", "sale_order_ids")
    def _check_freelance_installment(self):
        for wizard in self:
            installment = wizard.freelance_installment_id
            if installment and installment.order_id not in wizard.sale_order_ids:
                raise ValidationError(
                    self.env._(
                        "The installment invoiced must belong to the order invoiced "
                        "(%(order)s).",
                        order=", ".join(wizard.sale_order_ids.mapped("name")),
                    )
                )

    def _get_installment(self):
        return self.freelance_installment_id

    def create_invoices(self):
        # The invoice button of the order: while the gate is closed, only the
        # schedule's invoices (issued by the addon itself) are allowed.
        self.sale_order_ids.filtered(
            lambda o: o.work_gate_state in ("waiting_signature", "waiting_deposit")
        )._check_work_open(self.env._("Invoicing"))
        return super().create_invoices()

    def _get_down_payment_description(self, order):
        """Name deposit invoices "acompte" in French, as the law asks for.

        An unqualified advance counts as "arrhes" for consumers (which let the
        client walk away); the word "acompte" makes the order firm.
        """
        installment = self._get_installment()
        if not installment:
            return super()._get_down_payment_description(order)
        env = self.with_context(lang=order.partner_id.lang or self.env.lang).env
        percent = f"{installment.percent:g}"
        if installment.is_deposit:
            return env._(
                "Deposit of %(percent)s%% on order %(order)s",
                percent=percent,
                order=order.name,
            )
        name = installment.with_env(env).name
        return env._(
            "%(installment)s (%(percent)s%%) on order %(order)s",
            installment=name,
            percent=percent,
            order=order.name,
        )

    def _prepare_invoice_values(self, order, so_lines, accounts):
        values = super()._prepare_invoice_values(order, so_lines, accounts)
        if self._get_installment().is_deposit:
            # A deposit is due on receipt, whatever the order's payment terms.
            values["invoice_payment_term_id"] = False
        return values
