import logging

from odoo import models

_logger = logging.getLogger(__name__)


class PaymentTransaction(models.Model):
    _inherit = "payment.transaction"

    def _post_process(self):
        """Email the installment invoices that an online payment has just paid.

        When a client pays the deposit online before the order is confirmed, the
        deposit invoice is issued at confirmation, linked to the transaction and
        reconciled by Odoo; it is emailed here, once paid. Nothing here may
        raise: a payment must never be lost.
        """
        result = super()._post_process()
        for tx in self.filtered(lambda t: t.state == "done"):
            invoices = tx.invoice_ids.filtered(
                lambda inv: inv.state == "posted" and not inv.is_move_sent
            )
            installments = (
                self.env["sale.order.installment"]
                .sudo()
                .search([("invoice_id", "in", invoices.ids)])
            )
            for order in installments.order_id:
                try:
                    with self.env.cr.savepoint():
                        order._send_installment_invoices(
                            installments.filtered(
                                lambda i, o=order: i.order_id == o
                            ).invoice_id
                        )
                except Exception:
                    _logger.exception(
                        "Could not email the installment invoices of %s", order.name
                    )
        return result
