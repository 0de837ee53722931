from odoo import models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    def _routing_handle_bounce(self, email_message, message_dict):
        """A reminder's email bounced after the mail server took it: the
        client was not told. Odoo marks the notifications bounced; the
        reminder is failed as if the server had refused the email (its level's
        actions undone, its invoices back at their level), and the next run
        sends it again."""
        result = super()._routing_handle_bounce(email_message, message_dict)
        bounced_message = message_dict.get("bounced_message")
        bounced_email = message_dict.get("bounced_email")
        if bounced_message and bounced_email:
            reminders = (
                self.env["freelance.dunning.reminder"]
                .sudo()
                .search(
                    [
                        ("mail_message_id", "in", bounced_message.ids),
                        ("state", "=", "sent"),
                    ]
                )
            )
            reminders._undo_delivery(
                self.env._("The email to %(email)s bounced.", email=bounced_email)
            )
        return result
