import logging

from odoo import api, models
from odoo.exceptions import ValidationError

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    @api.model_create_multi
    def create(self, vals_list):
        """No online payment of a quotation whose client is refused business.

        Every online payment of a quotation (the order page's Pay button, the
        ``/my/orders/<id>/transaction`` route, a payment link) creates its
        transaction here, whoever calls the route.
        """
        transactions = super().create(vals_list)
        for tx in transactions:
            for order in tx.sale_order_ids.sudo():
                if (
                    order.state in ("draft", "sent")
                    and order._blacklist_refuses_business()
                ):
                    raise ValidationError(
                        self.env._(
                            "%(order)s cannot be paid online: contact %(company)s.",
                            order=order.name,
                            company=order.company_id.name,
                        )
                    )
        return transactions

    def _post_process(self):
        """Let Odoo process the payment, then email and open what it paid.

        When a client pays the deposit online before the order is confirmed, the
        deposit invoice is issued at confirmation, linked to the transaction and
        reconciled by Odoo; it is emailed here, once paid, and the work gate of
        the order opens. What Odoo invoices for the payment is issued even while
        the gate is closed. Nothing here may raise: a payment must never be lost.
        """
        # What Odoo invoices for a payment received online passes the gate.
        with self.sale_order_ids.sudo()._allow_invoicing_behind_gate():
            result = super()._post_process()
        for tx in self.filtered(lambda t: t.state == "done"):
            try:
                with self.env.cr.savepoint():
                    tx._send_paid_installment_invoices()
                    tx.sale_order_ids.sudo()._start_work_if_gate_open()
            except Exception:
                _logger.exception("Could not finish the deposit of %s", tx.reference)
        return result

    def _send_paid_installment_invoices(self):
        self.ensure_one()
        invoices = self.invoice_ids.filtered(
            lambda inv: inv.state == "posted" and not inv.is_move_sent
        )
        installments = invoices.sudo().installment_ids
        for order in installments.order_id:
            order._send_installment_invoices(
                installments.filtered(lambda i, o=order: i.order_id == o).invoice_id
            )

    def _check_amount_and_confirm_order(self):
        """Never let a payment link confirm a quotation its client has not signed.

        The payment is kept (and reconciled with the deposit invoice once the
        quotation is signed and confirmed); only the confirmation waits.
        """
        unsigned = self.filtered(
            lambda tx: (
                len(tx.sale_order_ids) == 1
                and tx.sale_order_ids.state in ("draft", "sent")
                and (
                    (
                        tx.sale_order_ids.work_gate_required
                        and not tx.sale_order_ids._is_signed()
                    )
                    or tx.sale_order_ids._blacklist_error_message()
                )
            )
        )
        for tx in unsigned:
            # The same words for an integrator reading the log (and for
            # tools/odoo_suites.py, which groups Odoo's tests by them).
            _logger.info(
                "Rule held: a quotation paid online before the client signed it "
                "is not confirmed, the payment is kept [%s, %s]",
                tx.sale_order_ids.name,
                tx.reference,
            )
            tx.sale_order_ids.message_post(
                body=self.env._(
                    "Payment %(reference)s received; the order will be confirmed "
                    "once the client has signed it.",
                    reference=tx.reference,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return super(
            PaymentTransaction, self - unsigned
        )._check_amount_and_confirm_order()
