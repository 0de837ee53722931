from odoo import api, models


class MailThread(models.AbstractModel):
    _inherit = "mail.thread"

    @api.model
    def message_route(
        self, message, message_dict, model=None, thread_id=None, custom_values=None
    ):
        """A reply to a reminder's email lands on the reminder, not on the
        client the email was posted on.

        Odoo routes a reply by its In-Reply-To/References headers to the
        thread of the message it answers (here the client, where the reminder
        is posted, ``_post_email``), whatever address it was sent to: the
        catchall alias of the reply-to when an alias domain is configured,
        else the company's address the reply-to falls back to (read by an
        incoming mail server). That route is moved to the reminder whose email
        it is (``freelance.dunning.reminder.message_update``).
        """
        routes = super().message_route(
            message,
            message_dict,
            model=model,
            thread_id=thread_id,
            custom_values=custom_values,
        )
        parent_id = message_dict.get("parent_id")
        if not parent_id or not routes:
            return routes
        reminder = (
            self.env["freelance.dunning.reminder"]
            .sudo()
            .search([("mail_message_id", "=", parent_id)], limit=1)
        )
        if not reminder:
            return routes
        return [
            (
                ("freelance.dunning.reminder", reminder.id, *route[2:])
                if route[0] == "res.partner" and route[1] == reminder.partner_id.id
                else route
            )
            for route in routes
        ]

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
