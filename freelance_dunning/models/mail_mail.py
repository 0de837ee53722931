from datetime import timedelta

from odoo import fields, models


class MailMail(models.Model):
    _inherit = "mail.mail"

    refused_invoice_pending = fields.Boolean(
        string="Invoice Refusal to Record",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="The mail server refused this invoice email while another "
        "transaction held the invoice: the next pass of the sending queue "
        "records the failure on the invoice.",
    )

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
        refused = self._refused_invoice_mails(success_pids)
        if refused:
            # Before Odoo deletes the mails: one whose invoice cannot be
            # written now is kept, marked, for the next pass of the queue.
            refused._record_refused_invoices(failure_reason)
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

    def _record_refused_invoices(self, failure_reason=False):
        """Record on their invoices the refusal of these invoice emails
        (``account.move._fail_email_delivery``). The invoice is locked, waiting
        for the transaction that holds it; when it cannot be (changed by
        another transaction since this one began), the mail is kept and
        marked, and the next pass of the sending queue records it: a refusal
        is never lost."""
        error = self.env._("The mail server refused the email.")
        pending = self.browse()
        for mail in self:
            reason = failure_reason or mail.failure_reason
            move = self.env["account.move"].sudo().browse(mail.res_id).exists()
            if move and not move._fail_email_delivery(
                f"{error}\n{reason}" if reason else error
            ):
                pending |= mail
        (self - pending).filtered("refused_invoice_pending").write(
            {"refused_invoice_pending": False}
        )
        if pending:
            pending.sudo().write(
                {"refused_invoice_pending": True, "auto_delete": False}
            )
            self.env.ref("account.ir_cron_account_move_send")._trigger(
                at=fields.Datetime.now() + timedelta(minutes=1)
            )

    def _refused_invoice_mails(self, success_pids):
        """The mails of an invoice's own sending to its client that failed:
        the mail carries the invoice's PDF (its stored
        ``invoice_pdf_report_id``, compared by content: Odoo attaches a copy),
        the client (the invoice's partner or its company) is among its
        recipients, and the mail server did not take the client's copy
        (``success_pids``). A follower's refused copy, or any other message
        posted on the invoice, leaves the invoice as it is."""
        success = set(success_pids or ())
        mails = self.filtered(
            lambda mail: (
                mail.model == "account.move"
                and mail.res_id
                and (mail.state == "exception" or mail.failure_type)
            )
        )
        if not mails:
            return mails
        moves = (
            self.env["account.move"].sudo().browse(set(mails.mapped("res_id"))).exists()
        )
        moves = {move.id: move for move in moves}
        refused = self.browse()
        for mail in mails:
            move = moves.get(mail.res_id)
            if not move or move.move_type not in ("out_invoice", "out_refund"):
                continue
            clients = move.partner_id | move.commercial_partner_id
            not_told = (mail.recipient_ids & clients).filtered(
                lambda partner: partner.id not in success
            )
            pdf = move.invoice_pdf_report_id
            if (
                not_told
                and pdf
                and pdf.checksum in mail.attachment_ids.mapped("checksum")
            ):
                refused |= mail
        return refused
