from datetime import timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError

from .cursor_permission import has_cursor_permission
from .freelance_payment_schedule_installment import INSTALLMENT_TRIGGERS

# Same key as sale.order._writing_installments.
INSTALLMENTS_WRITING = "freelance_dunning.order_installments_writing"


class FreelanceOrderInstallment(models.Model):
    """One installment of a quotation's payment schedule and the invoice issued for it.

    Installments are copied from the schedule while the quotation is a draft and
    frozen once it is confirmed; the ones triggered at signature are the deposit.
    Only the addon writes them (sale.order._writing_installments): the copy from
    the schedule and the invoicing. Nobody creates, edits or deletes one by hand,
    whatever the context: the deposit and the gate rest on them.
    """

    _name = "freelance.order.installment"
    _description = "Sales Order Installment"
    _order = "order_id, sequence, id"
    _check_company_auto = True

    order_id = fields.Many2one(
        comodel_name="sale.order",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="order_id.company_id", store=True)
    currency_id = fields.Many2one(related="order_id.currency_id")
    sequence = fields.Integer(default=10)
    name = fields.Char(compute="_compute_name")
    percent = fields.Float(string="Percentage", required=True)
    trigger = fields.Selection(selection=INSTALLMENT_TRIGGERS, required=True)
    days_after_signature = fields.Integer()
    is_deposit = fields.Boolean(
        string="Deposit",
        compute="_compute_is_deposit",
        store=True,
        precompute=True,
        help="Installments due at signature form the deposit (acompte).",
    )
    amount = fields.Monetary(
        compute="_compute_amount",
        store=True,
        help="Amount including taxes, in the quotation's currency.",
    )
    date_planned = fields.Date(
        string="Planned Date",
        compute="_compute_date_planned",
        store=True,
        help="For installments on a date: the day their invoice is issued.",
    )
    invoice_id = fields.Many2one(
        comodel_name="account.move",
        readonly=True,
        copy=False,
        index="btree_not_null",
        check_company=True,
    )
    amount_paid = fields.Monetary(compute="_compute_payment", store=True)
    state = fields.Selection(
        selection=[
            ("pending", "To invoice"),
            ("invoiced", "Invoiced"),
            ("partial", "Partly paid"),
            ("paid", "Paid"),
        ],
        compute="_compute_payment",
        store=True,
    )

    @api.depends("trigger")
    def _compute_is_deposit(self):
        for installment in self:
            installment.is_deposit = installment.trigger == "signature"

    @api.depends("is_deposit", "sequence", "order_id.installment_ids")
    def _compute_name(self):
        for installment in self:
            siblings = installment.order_id.installment_ids.sorted("sequence")
            if installment.is_deposit:
                installment.name = self.env._("Deposit")
            else:
                position = (
                    list(siblings).index(installment) + 1
                    if installment in siblings
                    else 0
                )
                installment.name = self.env._(
                    "Installment %(position)s of %(count)s",
                    position=position,
                    count=len(siblings),
                )

    @api.depends("percent", "order_id.amount_total", "order_id.installment_ids.percent")
    def _compute_amount(self):
        for order in self.order_id:
            installments = order.installment_ids.sorted("sequence")
            remaining = order.amount_total
            for index, installment in enumerate(installments):
                amount = order.currency_id.round(
                    order.amount_total * installment.percent / 100
                )
                if index == len(installments) - 1:
                    # The last installment takes the rounding remainder so that
                    # the schedule always adds up to the quotation total.
                    amount = remaining
                remaining -= amount
                if installment.invoice_id:
                    continue  # an issued invoice fixes the amount
                installment.amount = amount
        for installment in self.filtered(lambda i: not i.order_id):
            installment.amount = 0.0

    @api.depends(
        "trigger", "days_after_signature", "order_id.state", "order_id.date_order"
    )
    def _compute_date_planned(self):
        for installment in self:
            order = installment.order_id
            if order.state != "sale":
                installment.date_planned = False
            elif installment.trigger == "signature":
                installment.date_planned = order.date_order.date()
            elif installment.trigger == "date":
                installment.date_planned = order.date_order.date() + timedelta(
                    days=installment.days_after_signature
                )
            else:
                installment.date_planned = False

    @api.depends(
        "invoice_id.state",
        "invoice_id.amount_total",
        "invoice_id.amount_residual",
        "invoice_id.payment_state",
    )
    def _compute_payment(self):
        for installment in self:
            invoice = installment.invoice_id
            if (
                not invoice
                or invoice.state != "posted"
                or invoice.payment_state == "reversed"
            ):
                # A credit note cancels the invoice: nothing was paid against it.
                installment.amount_paid = 0.0
                installment.state = "pending" if not invoice else "invoiced"
                continue
            installment.amount_paid = invoice.amount_total - invoice.amount_residual
            if invoice.payment_state in ("paid", "in_payment"):
                installment.state = "paid"
            elif invoice.payment_state == "partial":
                installment.state = "partial"
            else:
                installment.state = "invoiced"

    # ------------------------------------------------------------------
    # Written only by the addon
    # ------------------------------------------------------------------

    def _check_installments_writing(self, order_ids):
        if not has_cursor_permission(self.env, INSTALLMENTS_WRITING, order_ids):
            raise AccessError(
                self.env._(
                    "The installments of a quotation follow its payment schedule "
                    "and are invoiced by the addon: choose another payment schedule "
                    "on the quotation, or ask a dunning manager to waive its "
                    "deposit."
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_installments_writing(
            {vals.get("order_id") for vals in vals_list} or {False}
        )
        return super().create(vals_list)

    def write(self, vals):
        order_ids = set(self.sudo().order_id.ids)
        if "order_id" in vals:
            order_ids.add(vals["order_id"])
        self._check_installments_writing(order_ids)
        return super().write(vals)

    def unlink(self):
        self._check_installments_writing(set(self.sudo().order_id.ids))
        return super().unlink()
