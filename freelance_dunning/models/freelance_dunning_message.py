import logging

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools import format_amount

_logger = logging.getLogger(__name__)


class FreelanceDunningMessage(models.Model):
    """One reminder to one client in one run: every overdue invoice at its level."""

    _name = "freelance.dunning.message"
    _description = "Payment Reminder"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    partner_id = fields.Many2one(
        comodel_name="res.partner", string="Client", required=True, index=True
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    currency_id = fields.Many2one(comodel_name="res.currency", required=True)
    date = fields.Date(required=True, index=True)
    level_id = fields.Many2one(
        comodel_name="freelance.dunning.level",
        required=True,
        help="The highest level among the invoices of the reminder.",
    )
    tone = fields.Selection(related="level_id.tone")
    event_ids = fields.One2many(
        comodel_name="freelance.dunning.event",
        inverse_name="message_id",
        string="History",
    )
    move_line_ids = fields.Many2many(
        comodel_name="account.move.line",
        string="Receivable Lines",
        compute="_compute_move_line_ids",
    )
    amount_residual = fields.Monetary(
        string="Amount Due", compute="_compute_totals", store=True
    )
    interest = fields.Monetary(
        string="Late Interest", compute="_compute_totals", store=True
    )
    indemnity = fields.Monetary(
        string="Recovery Indemnity", compute="_compute_totals", store=True
    )
    amount_total = fields.Monetary(
        string="Total Due", compute="_compute_totals", store=True
    )
    state = fields.Selection(
        selection=[
            ("waiting", "Waiting validation"),
            ("sent", "Sent"),
            ("failed", "Failed"),
            ("skipped", "Skipped"),
        ],
        required=True,
        default="waiting",
        index=True,
    )
    error = fields.Text()
    payment_deadline = fields.Date(compute="_compute_payment_deadline")
    mail_message_id = fields.Many2one(
        comodel_name="mail.message", string="Email", readonly=True
    )
    letter_id = fields.Many2one(comodel_name="ir.attachment", readonly=True)
    user_id = fields.Many2one(
        comodel_name="res.users", string="Sent By", help="Empty: the scheduled action."
    )

    @api.depends("partner_id", "date", "level_id")
    def _compute_name(self):
        for message in self:
            message.name = self.env._(
                "%(level)s to %(client)s on %(date)s",
                level=message.level_id.name or "",
                client=message.partner_id.display_name or "",
                date=message.date or "",
            )

    @api.depends("event_ids.move_line_id")
    def _compute_move_line_ids(self):
        for message in self:
            message.move_line_ids = message.event_ids.move_line_id

    @api.depends(
        "event_ids.amount_residual",
        "event_ids.interest",
        "event_ids.indemnity",
        "event_ids.move_line_id",
    )
    def _compute_totals(self):
        for message in self:
            # One figure per line, whatever the number of channels.
            per_line = {}
            for event in message.event_ids:
                per_line[event.move_line_id] = event
            events = list(per_line.values())
            message.amount_residual = sum(e.amount_residual for e in events)
            message.interest = sum(e.interest for e in events)
            message.indemnity = sum(e.indemnity for e in events)
            message.amount_total = (
                message.amount_residual + message.interest + message.indemnity
            )

    @api.depends("date", "level_id.payment_deadline_days")
    def _compute_payment_deadline(self):
        for message in self:
            message.payment_deadline = message.date and fields.Date.add(
                message.date, days=message.level_id.payment_deadline_days
            )

    def _get_lines_summary(self):
        """Per receivable line: the figures printed in the email and the letter."""
        self.ensure_one()
        summary = []
        seen = set()
        for event in self.event_ids.sorted(lambda e: (e.date_maturity, e.id)):
            if event.move_line_id.id in seen:
                continue
            seen.add(event.move_line_id.id)
            invoice = event.move_id
            summary.append(
                {
                    "invoice": invoice,
                    "level": event.level_id,
                    "date_maturity": event.date_maturity,
                    "days_late": event.days_late,
                    "amount_residual": event.amount_residual,
                    "interest": event.interest,
                    "indemnity": event.indemnity,
                    "pay_url": invoice.get_base_url() + invoice.get_portal_url(),
                }
            )
        return summary

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def action_validate(self):
        """Send reminders waiting for an accountant's validation."""
        waiting = self.filtered(lambda m: m.state == "waiting")
        if not waiting:
            raise UserError(
                self.env._("These reminders are not waiting for validation.")
            )
        waiting._send(user=self.env.user)
        return True

    def action_skip(self):
        """Drop reminders waiting for validation: the invoices stay at their level."""
        for message in self.filtered(lambda m: m.state == "waiting"):
            message.write({"state": "skipped", "user_id": self.env.uid})
            message.event_ids.write({"state": "skipped", "user_id": self.env.uid})
        return True

    def _send(self, user=None):
        """Deliver on every channel, record the result, run the level actions."""
        rendered = self._render_emails()
        for message in self:
            try:
                with self.env.cr.savepoint():
                    message._deliver(rendered.get(message.id))
            except Exception as error:  # noqa: BLE001 - recorded, never lost
                _logger.warning(
                    "Reminder %s could not be sent: %s", message.display_name, error
                )
                message._mark_failed(str(error), user=user)
                continue
            message.write({"state": "sent", "user_id": user.id if user else False})
            message.event_ids.write(
                {"state": "sent", "user_id": user.id if user else False}
            )
            message._advance_lines()
            # Suspending orders, scheduling activities and issuing the penalty
            # invoice are the company's actions, whoever runs the reminders.
            message.sudo()._run_level_actions()
        if self.mail_message_id:
            self._trigger_mail_queue()

    def _render_emails(self):
        """Subject and body of the emails of these reminders, rendered in one
        pass per template and language: {reminder id: {subject, body_html}}.

        A template that fails here is rendered again per reminder, so that the
        error is recorded on the reminder it belongs to.
        """
        # The links to pay online carry each invoice's portal token: the
        # invoices Odoo emailed have one, the others get it here in one pass.
        invoices = self.event_ids.move_id.filtered(lambda move: not move.access_token)
        for invoice in invoices.sudo().with_context(tracking_disable=True):
            invoice._portal_ensure_token()
        groups = {}
        for message in self:
            if "email" in message.event_ids.mapped("channel"):
                key = (message._get_mail_template(), message._get_mail_lang())
                groups.setdefault(key, []).append(message.id)
        rendered = {}
        for (template, lang), ids in groups.items():
            try:
                with self.env.cr.savepoint():
                    # See _send_email: the trusted template is rendered as
                    # superuser.
                    rendered.update(
                        template.sudo()
                        .with_context(lang=lang)
                        ._generate_template(ids, ["subject", "body_html"])
                    )
            except Exception:  # noqa: BLE001 - rendered again one by one
                _logger.info("Reminders rendered one by one", exc_info=True)
        return rendered

    def _get_mail_template(self):
        return self.level_id.mail_template_id or self.env.ref(
            "freelance_dunning.mail_template_dunning_message"
        )

    def _get_mail_lang(self):
        return self.partner_id.lang or self.env.lang

    def _deliver(self, rendered=None):
        self.ensure_one()
        channels = set(self.event_ids.mapped("channel"))
        attachments = []
        if "letter" in channels:
            attachments.append(self._render_letter())
        if "email" in channels:
            self._send_email(attachments, rendered=rendered)
        if "sms" in channels and hasattr(self.partner_id, "_message_sms"):
            self.partner_id._message_sms(
                body=self.env._(
                    "%(company)s: %(amount)s overdue. Pay online from the email we "
                    "sent.",
                    company=self.company_id.name,
                    amount=self._format(self.amount_total),
                )
            )

    def _format(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _render_letter(self):
        self.ensure_one()
        report = "freelance_dunning.action_report_dunning_letter"
        content, _type = self.env["ir.actions.report"]._render_qweb_pdf(
            report, self.ids
        )
        attachment = self.env["ir.attachment"].create(
            {
                "name": f"{self.display_name}.pdf",
                "raw": content,
                "res_model": self._name,
                "res_id": self.id,
                "mimetype": "application/pdf",
            }
        )
        self.letter_id = attachment
        return attachment

    def _send_email(self, attachments, rendered=None):
        self.ensure_one()
        recipients = self._get_recipients()
        if not recipients:
            raise UserError(
                self.env._(
                    "%(client)s has no email address.", client=self.partner_id.name
                )
            )
        if not rendered:
            # The addon's own template calls a method of the reminder: Odoo
            # renders templates in restricted mode for users who may not edit
            # them, which forbids that, so the trusted template is rendered as
            # superuser.
            rendered = (
                self._get_mail_template()
                .sudo()
                .with_context(lang=self._get_mail_lang())
                ._generate_template(self.ids, ["subject", "body_html"])[self.id]
            )
        invoices = self.event_ids.move_id
        for invoice in invoices:
            invoice._portal_ensure_token()
        pdfs = self._get_invoice_pdfs(invoices)
        # Accountants may not edit contacts: the reminder is posted on the
        # client as the company's communication, signed by whoever sends it.
        author = self.user_id.partner_id or self.env.user.partner_id
        # The email goes through the mail queue, sent right after the commit
        # by Odoo's mail scheduler, one worker at a time, each email recorded
        # as sent as soon as the mail server took it; a rolled back run sends
        # nothing. Sending it at the commit too would let a mail scheduler
        # running at that moment send the same email a second time.
        mail_message = (
            self.partner_id.sudo()
            .with_context(mail_post_autofollow=False, mail_notify_force_send=False)
            .message_post(
                author_id=author.id,
                subject=rendered["subject"],
                body=rendered["body_html"],
                partner_ids=recipients.ids,
                attachments=pdfs,
                attachment_ids=[a.id for a in attachments],
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                email_layout_xmlid="mail.mail_notification_light",
            )
        )
        self.mail_message_id = mail_message

    def _trigger_mail_queue(self):
        """Wake the mail scheduler up: once per batch of reminders sent, and
        not at all when a wake-up is already due."""
        cron = self.env.ref("mail.ir_cron_mail_scheduler_action").sudo()
        pending = (
            self.env["ir.cron.trigger"]
            .sudo()
            .search_count(
                [("cron_id", "=", cron.id), ("call_at", "<=", fields.Datetime.now())],
                limit=1,
            )
        )
        if not pending:
            cron._trigger()

    def _get_invoice_pdfs(self, invoices):
        """[(file name, PDF)] of the invoices, in their order.

        The PDF Odoo kept when the invoice was sent is the document the client
        received: it is attached again rather than rendered anew. The others
        are rendered together, in one pass.
        """
        stored = {invoice: invoice.invoice_pdf_report_id.raw for invoice in invoices}
        missing = invoices.filtered(lambda invoice: not stored[invoice])
        if missing:
            report = "account.account_invoices"
            Report = self.env["ir.actions.report"]
            content, report_type = Report._pre_render_qweb_pdf(report, missing.ids)
            by_id = Report._get_splitted_report(report, content, report_type)
            stored.update({invoice: by_id[invoice.id] for invoice in missing})
        return [
            (f"{invoice._get_report_base_filename()}.pdf", stored[invoice])
            for invoice in invoices
        ]

    def _get_recipients(self):
        """Who receives the reminder: the invoices' contacts, else the client."""
        contacts = self.event_ids.move_id.partner_id.filtered("email")
        return contacts or self.partner_id.filtered("email")

    def _mark_failed(self, error, user=None):
        self.write(
            {"state": "failed", "error": error, "user_id": user.id if user else False}
        )
        self.event_ids.write({"state": "failed", "error": error})

    def _undo_delivery(self, error):
        """The email of sent reminders failed: mark them failed and put their
        lines back at the level they had, so the next run sends it again."""
        for message in self:
            message._mark_failed(error)
            for line in message.event_ids.move_line_id:
                previous = self.env["freelance.dunning.event"].search(
                    [("move_line_id", "=", line.id), ("state", "=", "sent")],
                    order="date desc, id desc",
                    limit=1,
                )
                line.sudo().write(
                    {
                        "dunning_level_id": previous.level_id.id,
                        "dunning_last_date": previous.date,
                    }
                )

    def _advance_lines(self):
        """The lines reach their level; the next run starts from there."""
        self.ensure_one()
        lines = {}
        for event in self.event_ids:
            key = (event.level_id.id, event.date)
            lines[key] = lines.get(key, event.move_line_id) | event.move_line_id
        for (level_id, date), group in lines.items():
            # Neither amounts nor accounts change: the invoices need none of
            # Odoo's synchronization of their lines (taxes, terms, balance),
            # which would cost more than the whole reminder.
            group.sudo().with_context(
                tracking_disable=True,
                skip_invoice_sync=True,
                skip_invoice_line_sync=True,
                check_move_validity=False,
            ).write({"dunning_level_id": level_id, "dunning_last_date": date})

    def _run_level_actions(self):
        self.ensure_one()
        levels = self.event_ids.level_id
        for level in levels:
            for action in level._get_level_actions():
                getattr(self, action)(level)

    # Level actions --------------------------------------------------------

    def _dunning_action_suspend_work(self, level):
        invoices = ", ".join(self.event_ids.move_id.mapped("name"))
        self.partner_id._suspend_work(
            self.env._(
                "%(level)s for %(invoices)s", level=level.name, invoices=invoices
            )
        )

    def _dunning_action_blacklist(self, level):
        partner = self.partner_id
        if hasattr(partner, "_dunning_blacklist"):
            partner._dunning_blacklist(level)
        partner.activity_schedule(
            "mail.mail_activity_data_todo",
            summary=self.env._("Start the recovery"),
            note=self.env._(
                "%(level)s sent: %(amount)s remain unpaid. Consider the simplified "
                "recovery procedure or an injonction de payer.",
                level=level.name,
                amount=self._format(self.amount_total),
            ),
            user_id=self.user_id.id or self.env.uid,
        )

    def _dunning_action_phone_call(self, level):
        self.partner_id.activity_schedule(
            "mail.mail_activity_data_call",
            summary=self.env._(
                "Call about %(amount)s overdue", amount=self._format(self.amount_total)
            ),
            note=Markup("%s") % level.name,
            user_id=self.user_id.id or self.env.uid,
        )

    def _dunning_action_penalty_invoice(self, level):
        """Invoice late interest and indemnity, without VAT, once per invoice."""
        lines = []
        done = set()
        for event in self.event_ids.filtered(lambda e: e.level_id == level):
            invoice = event.move_id
            if invoice.dunning_penalty_move_id or event.move_line_id.id in done:
                continue
            done.add(event.move_line_id.id)
            if event.interest:
                lines.append((event, "interest", event.interest))
            if event.indemnity:
                lines.append((event, "indemnity", event.indemnity))
        if not lines:
            return
        journal = self.env["account.journal"].search(
            [("type", "=", "sale"), ("company_id", "=", self.company_id.id)], limit=1
        )
        penalty = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_id.id,
                "company_id": self.company_id.id,
                "journal_id": journal.id,
                "currency_id": self.currency_id.id,
                "invoice_line_ids": [
                    fields.Command.create(
                        {
                            "name": (
                                self.env._(
                                    "Late interest on %(invoice)s",
                                    invoice=event.move_id.name,
                                )
                                if kind == "interest"
                                else self.env._(
                                    "Fixed indemnity for recovery costs on %(invoice)s",
                                    invoice=event.move_id.name,
                                )
                            ),
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [fields.Command.clear()],
                            "account_id": journal.default_account_id.id,
                        }
                    )
                    for event, kind, amount in lines
                ],
            }
        )
        penalty.action_post()
        for event, _kind, _amount in lines:
            event.move_id.dunning_penalty_move_id = penalty
        return penalty
