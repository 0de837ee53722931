from odoo import models


class MailMail(models.Model):
    _inherit = "mail.mail"

    def _postprocess_sent_message(
        self, success_pids, failure_reason=False, failure_type=None
    ):
        """A reminder whose email the mail server refused is failed at once:
        its invoices go back to their level, and the next run sends it again.
        A reminder whose email the mail server took runs its level's actions
        (suspension, activities, blacklist, penalty invoice), once. An
        invoice whose email was refused is not sent: its banner shows the
        error and it is retried (``account.move._fail_email_delivery``)."""
        failed_mails = self.filtered(lambda mail: mail.state == "exception")
        failed = failed_mails.mail_message_id
        # Read before Odoo deletes the mails sent (auto_delete). Reminders are
        # posted on clients: other mails cost no query here.
        delivered = self.filtered(
            lambda mail: mail.state == "sent" and mail.model == "res.partner"
        ).mail_message_id
        failure_reason = failure_reason or failed_mails[:1].failure_reason
        # An invoice's email (it carries its PDF) the mail server refused.
        failed_invoice_ids = {
            mail.res_id
            for mail in failed_mails
            if mail.model == "account.move"
            and mail.res_id
            and any(
                attachment.mimetype == "application/pdf"
                for attachment in mail.attachment_ids
            )
        }
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
        if failed_invoice_ids:
            invoices = (
                self.env["account.move"]
                .sudo()
                .browse(failed_invoice_ids)
                .exists()
                .filtered(lambda move: move.move_type in ("out_invoice", "out_refund"))
            )
            error = self.env._("The mail server refused the email.")
            invoices._fail_email_delivery(
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
