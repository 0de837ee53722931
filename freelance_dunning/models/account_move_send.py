from odoo import api, models


class AccountMoveSend(models.AbstractModel):
    _inherit = "account.move.send"

    @api.model
    def _get_default_sending_settings(self, move, from_cron=False, **custom_settings):
        """Honour the sending methods an invoice was queued with.

        Odoo's queue (``_cron_account_move_send``) reads only the author from
        ``sending_data`` and takes the client's usual sending method
        (``invoice_sending_method``, e.g. download only). The invoices the
        company emails as soon as they are posted are queued with
        ``sending_methods: ["email"]`` (``account.move._queue_send_at_once``):
        they are emailed whatever the client's usual method.
        """
        queued_methods = (
            from_cron
            and "sending_methods" not in custom_settings
            and (move.sending_data or {}).get("sending_methods")
        )
        if queued_methods:
            custom_settings["sending_methods"] = set(queued_methods)
        return super()._get_default_sending_settings(
            move, from_cron=from_cron, **custom_settings
        )

    @api.model
    def _hook_if_success(self, moves_data):
        """Invoices emailed again after their email failed (by the queue, or
        by hand with *Send*) are sent, unless the mail server refuses again
        (``mail.mail._postprocess_sent_message``, after the commit). Odoo
        marks an invoice sent only when it makes its PDF, and these reuse
        theirs: marked sent here. Only the failed (or queued by the addon,
        ``send_at_once_state``) invoices actually emailed
        (email among the sending methods, and it applies): one only
        downloaded or posted stays failed, and Odoo's own sending of other
        invoices is left as it is."""
        for move, move_data in moves_data.items():
            if move.send_at_once_state not in ("failed", "pending"):
                continue
            if "email" not in move_data[
                "sending_methods"
            ] or not self._is_applicable_to_move("email", move, **move_data):
                continue
            if move.send_at_once_state == "pending":
                # Queued by the addon: the queue records the result after.
                if not move.is_move_sent:
                    move.is_move_sent = True
                continue
            move.write(
                {
                    "is_move_sent": True,
                    "send_at_once_state": "sent",
                    "send_at_once_error": False,
                    "send_at_once_retry_at": False,
                }
            )
        return super()._hook_if_success(moves_data)
