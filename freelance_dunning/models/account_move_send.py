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
