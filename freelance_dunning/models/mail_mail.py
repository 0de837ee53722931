from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        """A reminder whose email the mail server refused is failed at once:
        its invoices go back to their level, and the next run sends it again.
        A reminder whose email the mail server took runs its level's actions
        (suspension, activities, blacklist, penalty invoice), once."""
        failed_mails = self.filtered(lambda mail: mail.state == "exception")
        failed = failed_mails.mail_message_id
        # Read before Odoo deletes the mails sent (auto_delete). Reminders are
        # posted on clients: other mails cost no query here.
        delivered = self.filtered(
            lambda mail: mail.state == "sent" and mail.model == "res.partner"
        ).mail_message_id
        failure_reason = failure_reason or failed_mails[:1].failure_reason
        result = super()._postprocess_sent_message(
            success_pids, failure_reason=failure_reason, failure_type=failure_type
        )
        if failed:
            reminders = (
                self.env["freelance.dunning.reminder"]
                .sudo()
                .search([("mail_message_id", "in", failed.ids), ("state", "=", "sent")])
            )
            error = self.env._("The email could not be delivered.")
            reminders._undo_delivery(
                f"{error}\n{failure_reason}" if failure_reason else error
            )
        if delivered:
            self.env["freelance.dunning.reminder"].sudo().search(
                [
                    ("mail_message_id", "in", delivered.ids),
                    ("state", "=", "sent"),
                    ("actions_done", "=", False),
                ]
            )._run_level_actions_delivered()
        return result
