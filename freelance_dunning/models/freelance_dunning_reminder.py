import json
import logging
import re
from collections import defaultdict
from datetime import timedelta

from markupsafe import Markup
from werkzeug.urls import url_encode

from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import email_normalize, format_amount, format_date, formatLang

from .account_move_line import LEVEL_WRITE_KEY
from .addon_writes import DUNNING_HISTORY_WRITING, addon_writing, is_addon_writing
from .freelance_company_bound_mixin import check_company_batched
from .freelance_dunning_reminder_line import REMINDER_STATES
from .freelance_reference_rate import MissingReferenceRate
from .late_interest import half_year_start, next_half_year_start
from .res_partner import CLIENT_PAGE_VALIDITY_DAYS, MANAGER_GROUP, is_dunning_user
from .row_locks import lock_skip_locked

_logger = logging.getLogger(__name__)


class FreelanceDunningReminder(models.Model):
    """One reminder to one client in one run: every overdue invoice at its level.

    Created by the dunning engine only (``_create_reminders``) and written by
    its own methods only (validate, skip, a failed delivery): a user's create,
    write or unlink is refused whatever the context (``addon_writes``). A
    waiting reminder may be deleted by a manager; a sent, failed or skipped
    one is history.
    """

    _name = "freelance.dunning.reminder"
    # A thread: the client's email replies land here (``message_update``).
    _inherit = ["freelance.company.bound.mixin", "mail.thread", "mail.activity.mixin"]
    _description = "Payment Reminder"
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Client",
        required=True,
        index=True,
        check_company=True,
    )
    company_id = fields.Many2one(comodel_name="res.company", required=True, index=True)
    currency_id = fields.Many2one(comodel_name="res.currency", required=True)
    date = fields.Date(required=True, index=True)
    level_id = fields.Many2one(
        comodel_name="freelance.dunning.level",
        required=True,
        check_company=True,
        help="The highest level among the invoices of the reminder.",
    )
    line_ids = fields.One2many(
        comodel_name="freelance.dunning.reminder.line",
        inverse_name="reminder_id",
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
    # "Sending": validated or sent by hand, its letter, its invoices' PDFs and
    # its email are being prepared in the background (_cron_send_queued).
    state = fields.Selection(
        selection=[REMINDER_STATES[0], ("queued", "Sending"), *REMINDER_STATES[1:]],
        required=True,
        default="waiting",
        index=True,
    )
    error = fields.Text()
    superseded_by_id = fields.Many2one(
        comodel_name="freelance.dunning.reminder",
        string="Sent Again As",
        compute="_compute_superseded_by_id",
        search="_search_superseded_by_id",
        help="A failed reminder whose client was sent a later reminder of the "
        "same invoices (those still due): the client was told since.",
    )
    rate_missing = fields.Char(
        string="Missing Rates",
        compute="_compute_rate_missing",
        store=True,
        help="The late interest falls in a half-year without reference rates: "
        "the reminder waits for them and for its validation.",
    )
    actions_done = fields.Boolean(
        string="Level Actions Done",
        readonly=True,
        help="The level's actions (suspension, activities, blacklist, penalty "
        "invoice) ran: once the email was delivered, or at once without email.",
    )
    # What the level's actions did, so that a bounce undoes exactly that.
    suspended_order_ids = fields.Many2many(
        comodel_name="sale.order",
        relation="freelance_dunning_reminder_suspended_order_rel",
        string="Orders Suspended",
        readonly=True,
        check_company=True,
        help="The orders whose work the level suspended.",
    )
    action_activity_ids = fields.Many2many(
        comodel_name="mail.activity",
        relation="freelance_dunning_reminder_activity_rel",
        string="Activities Planned",
        readonly=True,
        help="The phone calls and other activities the level planned.",
    )
    penalty_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Penalty Invoice",
        readonly=True,
        check_company=True,
        help="The penalty invoice the level issued.",
    )
    client_blacklisted = fields.Boolean(
        readonly=True,
        help="The level blacklisted the client.",
    )
    payment_deadline = fields.Date(compute="_compute_payment_deadline")
    mail_message_id = fields.Many2one(
        comodel_name="mail.message", string="Email", readonly=True
    )
    letter_id = fields.Many2one(comodel_name="ir.attachment", readonly=True)
    user_id = fields.Many2one(
        comodel_name="res.users",
        string="Sending User",
        help="Empty: the scheduled action.",
    )
    sent_by = fields.Char(
        compute="_compute_sent_by",
        help="The person who sent the reminder, or the scheduled run.",
    )
    pdf_missing_move_ids = fields.Many2many(
        comodel_name="account.move",
        relation="freelance_dunning_reminder_pdf_missing_rel",
        string="Sent Without PDF",
        readonly=True,
        help="Invoices whose PDF could not be made: the reminder went without it.",
    )
    # The level's texts with their placeholders filled in, in the client's
    # language: what the email template and the letter print.
    email_subject = fields.Char(compute="_compute_texts")
    email_intro = fields.Html(
        string="Email Text Before the Invoices",
        compute="_compute_texts",
        sanitize=False,
    )
    email_closing = fields.Html(
        string="Email Text After the Invoices",
        compute="_compute_texts",
        sanitize=False,
    )
    letter_title = fields.Char(compute="_compute_texts")
    letter_intro = fields.Html(
        string="Letter Text Before the Invoices",
        compute="_compute_texts",
        sanitize=False,
    )
    letter_closing = fields.Html(
        string="Letter Text After the Invoices",
        compute="_compute_texts",
        sanitize=False,
    )
    # What the client receives, for the accountant: the email rendered by the
    # sending's own rendering before it goes, the message posted once it went.
    preview_subject = fields.Char(string="Subject to Send", compute="_compute_preview")
    preview_body = fields.Html(
        string="Email to Send", compute="_compute_preview", sanitize=False
    )
    preview_error = fields.Char(compute="_compute_preview")
    has_letter = fields.Boolean(
        string="Sends a Letter",
        compute="_compute_preview",
        help="The reminder's level prints a letter for one of its invoices.",
    )
    sent_subject = fields.Char(string="Subject Sent", compute="_compute_sent_email")
    sent_body = fields.Html(
        string="Email Sent", compute="_compute_sent_email", sanitize=False
    )
    skipped_user_id = fields.Many2one(
        comodel_name="res.users", string="Skipped By", readonly=True
    )
    skipped_date = fields.Datetime(string="Skipped On", readonly=True)
    # The client's email reply (``message_update``): the client's next
    # reminders wait until a dunning user marks it handled.
    reply_state = fields.Selection(
        selection=[("replied", "Client Replied"), ("handled", "Reply Handled")],
        string="Client's Reply",
        readonly=True,
        index=True,
        copy=False,
        help="The client answered this reminder by email: the client's next "
        "reminders wait until a dunning user marks the reply handled.",
    )
    reply_date = fields.Datetime(string="Client Replied On", readonly=True, copy=False)
    reply_handled_user_id = fields.Many2one(
        comodel_name="res.users", string="Reply Handled By", readonly=True, copy=False
    )
    reply_handled_date = fields.Datetime(
        string="Reply Handled On", readonly=True, copy=False
    )
    reply_activity_id = fields.Many2one(
        comodel_name="mail.activity", readonly=True, copy=False
    )
    rehearsal = fields.Boolean(
        readonly=True,
        copy=False,
        index=True,
        help="Sent while the company rehearsed its reminders: the email went to "
        "the freelancer, not the client, and the level's actions did not run. "
        "When the rehearsal ends, the invoices go back to the level the client "
        "was really told.",
    )
    missed_promise_ids = fields.One2many(
        comodel_name="freelance.dunning.promise",
        inverse_name="missed_reminder_id",
        string="Missed Promises",
        readonly=True,
        help="The client's promises to pay missed since the last reminder: "
        "this reminder says so.",
    )

    @api.depends("user_id.name", "state")
    def _compute_sent_by(self):
        for reminder in self:
            if reminder.user_id:
                reminder.sent_by = reminder.user_id.name
            elif reminder.state in ("sent", "failed"):
                reminder.sent_by = self.env._("Scheduled run")
            else:
                reminder.sent_by = False

    @api.depends("partner_id.display_name", "date", "level_id.name")
    def _compute_name(self):
        for message in self:
            message.name = self.env._(
                "%(level)s to %(client)s on %(date)s",
                level=message.level_id.name or "",
                client=message.partner_id.display_name or "",
                date=message.date or "",
            )

    @api.depends("line_ids.move_line_id")
    def _compute_move_line_ids(self):
        for message in self:
            message.move_line_ids = message.line_ids.move_line_id

    @api.depends(
        "line_ids.amount_residual",
        "line_ids.interest",
        "line_ids.indemnity",
        "line_ids.move_line_id",
    )
    def _compute_totals(self):
        for message in self:
            # One figure per line, whatever the number of channels.
            per_line = {}
            for event in message.line_ids:
                per_line[event.move_line_id] = event
            events = list(per_line.values())
            message.amount_residual = sum(e.amount_residual for e in events)
            message.interest = sum(e.interest for e in events)
            message.indemnity = sum(e.indemnity for e in events)
            message.amount_total = (
                message.amount_residual + message.interest + message.indemnity
            )

    def _compute_superseded_by_id(self):
        """The first reminder sent after this failed one to the same client
        in the same company, on every invoice of it still due (on any of
        them when all are paid since)."""
        failed = self.filtered(
            lambda reminder: reminder.state == "failed" and reminder.id
        )
        (self - failed).superseded_by_id = False
        if not failed:
            return
        later = self.sudo().search(
            [
                ("partner_id", "in", failed.partner_id.ids),
                ("company_id", "in", failed.company_id.ids),
                ("state", "=", "sent"),
                ("rehearsal", "=", False),
                ("id", ">", min(failed.ids)),
            ],
            order="id",
        )
        for reminder in failed:
            invoices = reminder.sudo().line_ids.move_id
            due = invoices.filtered(
                lambda move: not move.currency_id.is_zero(move.amount_residual)
            )
            superseded = next(
                (
                    candidate
                    for candidate in later
                    if candidate.id > reminder.id
                    and candidate.partner_id == reminder.partner_id
                    and candidate.company_id == reminder.company_id
                    and (
                        due <= candidate.line_ids.move_id
                        if due
                        else invoices & candidate.line_ids.move_id
                    )
                ),
                None,
            )
            reminder.superseded_by_id = superseded.id if superseded else False

    def _search_superseded_by_id(self, operator, value):
        """Only "is set" and "is not set" (the filters and the dashboard):
        failed reminders are few, computed in Python."""
        if operator not in ("=", "!=") or value not in (False, None):
            raise UserError(
                self.env._(
                    "Search failed reminders only by whether they were sent again."
                )
            )
        failed = self.search([("state", "=", "failed")])
        superseded = failed.filtered("superseded_by_id")
        if operator == "=":
            return [("id", "not in", superseded.ids)]
        return [("id", "in", superseded.ids)]

    @api.depends("line_ids.rate_missing")
    def _compute_rate_missing(self):
        for reminder in self:
            reminder.rate_missing = next(
                (msg for msg in reminder.line_ids.mapped("rate_missing") if msg), False
            )

    @api.depends("date", "level_id.payment_deadline_days")
    def _compute_payment_deadline(self):
        for message in self:
            message.payment_deadline = message.date and fields.Date.add(
                message.date, days=message.level_id.payment_deadline_days
            )

    @api.depends(
        "level_id.email_subject",
        "level_id.email_intro",
        "level_id.email_closing",
        "level_id.letter_title",
        "level_id.letter_intro",
        "level_id.letter_closing",
        "level_id.letter_registered",
        "level_id.is_formal_notice",
        "line_ids.channel",
        "missed_promise_ids",
        "partner_id.name",
        "partner_id.lang",
        "partner_id.client_status",
        "company_id.name",
        "company_id.recovery_indemnity_amount",
        "company_id.late_interest_margin",
        "company_id.contractual_interest_rate",
        "date",
        "line_ids.date_maturity",
        "amount_residual",
        "interest",
        "indemnity",
        "amount_total",
        "payment_deadline",
    )
    def _compute_texts(self):
        html_fields = ("email_intro", "email_closing", "letter_intro", "letter_closing")
        # The half-years' rates, read once for the batch ({interest_rate}).
        rate_at = self.env["freelance.reference.rate"]._get_rates_by_half_year()
        for reminder in self:
            level = reminder.level_id.with_context(lang=reminder._get_mail_lang())
            values = reminder._get_text_values(rate_at=rate_at)
            for fname in ("email_subject", "letter_title", *html_fields):
                reminder[fname] = level._fill_placeholders(
                    level[fname], values, html=fname in html_fields
                )
            missed = reminder.with_context(
                lang=reminder._get_mail_lang()
            )._get_missed_promise_text()
            if missed:
                for fname in ("email_intro", "letter_intro"):
                    reminder[fname] = (reminder[fname] or Markup()) + missed

    def _get_missed_promise_text(self):
        """The paragraph saying the client missed a promise to pay (in the
        context's language), or an empty string."""
        self.ensure_one()
        promises = self.sudo().missed_promise_ids
        if not promises:
            return ""
        lang = self.env.context.get("lang")
        paragraphs = Markup()
        for promise in promises.sorted("date"):
            paragraphs += Markup("<p>%s</p>") % self.env._(
                "You promised to pay %(invoices)s by %(date)s, and we have not "
                "received the payment: the reminders have resumed.",
                invoices=", ".join(promise.move_ids.mapped("name")),
                date=format_date(self.env, promise.date, lang_code=lang),
            )
        return paragraphs

    def _compute_preview(self):
        for reminder in self:
            channels = set(reminder.line_ids.mapped("channel"))
            reminder.has_letter = "letter" in channels
            reminder.preview_subject = False
            reminder.preview_body = False
            reminder.preview_error = False
            if reminder.state != "waiting" or "email" not in channels:
                continue
            try:
                rendered = reminder._render_preview()
            except Exception as error:  # noqa: BLE001 - shown, never hidden
                reminder.preview_error = self.env._(
                    "The email cannot be rendered: %(error)s", error=str(error)
                )
                continue
            reminder.preview_subject = rendered["subject"]
            reminder.preview_body = rendered["body_html"]

    def _render_preview(self):
        """The subject and body this waiting reminder's email would have if
        sent now: the sending's own rendering (``_render_emails``, else
        ``_render_email``), nothing written.

        The links to pay online need each invoice's portal token: the engine
        gives them one when it creates the reminder; an invoice still without
        (a reminder of an older version) is rendered under a savepoint rolled
        back, so that reading a reminder never writes.
        """
        self.ensure_one()
        if self.line_ids.move_id.filtered(lambda move: not move.access_token):
            with self.env.cr.savepoint() as savepoint:
                rendered = self._render_preview_now()
                # The tokens given for the rendering are dropped, unwritten.
                savepoint.close(rollback=True)
            return rendered
        return self._render_preview_now()

    def _render_preview_now(self):
        rendered = (
            self._uses_mail_batch()
            and self.env["freelance.dunning.mail.batch"]._render_emails(self)
        ) or {}
        return rendered.get(self.id) or self._render_email()

    @api.depends("mail_message_id")
    def _compute_sent_email(self):
        for reminder in self:
            message = reminder.mail_message_id.sudo()
            reminder.sent_subject = message.subject
            reminder.sent_body = message.body

    def _get_text_values(self, rate_at=None):
        """{placeholder: plain text} of this reminder, in its client's language.

        The settings (indemnity, interest margin) are read from the company, so
        that the texts never carry them as literals.

        :param rate_at: the reference rates by half-year
            (``freelance.reference.rate._get_rates_by_half_year``), when
            already read for a batch
        """
        self.ensure_one()
        lang = self._get_mail_lang()
        company = self.company_id

        def amount(value, currency=self.currency_id):
            return format_amount(self.env, value, currency, lang_code=lang)

        def number(value):
            # As many decimals as the setting has (10 -> "10", 10.5 -> "10,5"
            # in French), with the language's separators.
            digits = len(f"{value:.4f}".rstrip("0").partition(".")[2])
            return formatLang(self.with_context(lang=lang).env, value, digits=digits)

        # The indemnity is set in euros (Code de commerce, D441-5), as the
        # engine reads it.
        indemnity_amount = amount(
            company.recovery_indemnity_amount,
            # No exists() query per reminder, as env.ref would make.
            self.env["res.currency"].browse(
                self.env["ir.model.data"]._xmlid_to_res_id("base.EUR")
            ),
        )
        interest_rate = self._get_interest_rate_text(number, lang, rate_at)
        return {
            "client": self.partner_id.name or "",
            "salutation": self.with_context(lang=lang)._get_salutation(),
            "company": company.name or "",
            "level": self.level_id.with_context(lang=lang).name or "",
            "deadline": format_date(self.env, self.payment_deadline, lang_code=lang),
            "total": amount(self.amount_total),
            "amount_due": amount(self.amount_residual),
            "interest": amount(self.interest),
            "indemnity": amount(self.indemnity),
            "indemnity_amount": indemnity_amount,
            "interest_margin": number(company.late_interest_margin),
            "interest_rate": interest_rate,
            **self.with_context(lang=lang)._get_legal_text_values(
                indemnity_amount, interest_rate
            ),
        }

    def _get_salutation(self):
        """The formal opening of a letter to this reminder's client, in the
        context's language: the person's name, or "Dear Sir or Madam," for a
        company (whose name is no one to greet)."""
        self.ensure_one()
        partner = self.partner_id
        if partner.is_company or not partner.name:
            return self.env._("Dear Sir or Madam,")
        # {name}, not %(name)s: a language whose formal letters open without
        # the name (French: "Madame, Monsieur,") translates it without it.
        return self.env._("Dear {name},").replace("{name}", partner.name)

    def _get_legal_text_values(self, indemnity_amount, interest_rate):
        """The sentences the law words differently for a professional and a
        consumer, or by channel: {placeholder: plain text}, in the context's
        language.

        - ``penalty_terms``: what late payment costs this client: interest from
          the day after the due date and the fixed indemnity for a
          professional (Code de commerce L441-10, D441-5); interest at the
          legal rate from the formal notice for a consumer (Code civil
          1231-6), and no indemnity;
        - ``penalties_included``: the penalties this reminder claims, as
          figures say (never "the indemnity" to a consumer);
        - ``notice_effect``: a consumer's formal notice makes interest run;
        - ``sending_mode``: "registered letter" only when the level's letter is
          posted so, "sent by email" when it is emailed.
        """
        self.ensure_one()
        professional = self.partner_id._is_professional_client()
        if professional:
            # The rate(s) actually applied, per half-year (contractual, its
            # legal floor, or the ECB rate plus the margin).
            penalty_terms = self.env._(
                "As stated in our terms, late payment bears late interest from "
                "the day after each due date at %(rate)s, and a fixed indemnity "
                "for recovery costs of %(indemnity)s per invoice (articles "
                "L441-10 and D441-5 of the French Code de commerce).",
                rate=interest_rate,
                indemnity=indemnity_amount,
            )
        else:
            penalty_terms = self.env._(
                "From the formal notice, any amount still unpaid bears late "
                "interest at the legal interest rate (article 1231-6 of the French "
                "Code civil)."
            )
        if self.interest and self.indemnity:
            penalties_included = self.env._(
                ", including the late interest and the fixed indemnity for "
                "recovery costs,"
            )
        elif self.interest:
            penalties_included = self.env._(", including the late interest,")
        elif self.indemnity:
            penalties_included = self.env._(
                ", including the fixed indemnity for recovery costs,"
            )
        else:
            penalties_included = ""
        notice_effect = ""
        if self.level_id.is_formal_notice and not professional:
            notice_effect = self.env._(
                "From the date of this formal notice, the amount due bears late "
                "interest at the legal interest rate (article 1231-6 of the French "
                "Code civil)."
            )
        channels = set(self.line_ids.mapped("channel"))
        if self.level_id.letter_registered and "letter" in channels:
            sending_mode = (
                self.env._(
                    "Registered letter with acknowledgement of receipt; a copy is "
                    "sent by email."
                )
                if "email" in channels
                else self.env._("Registered letter with acknowledgement of receipt.")
            )
        elif "email" in channels:
            sending_mode = self.env._("Sent by email.")
        else:
            sending_mode = ""
        return {
            "penalty_terms": penalty_terms,
            "penalties_included": penalties_included,
            "notice_effect": notice_effect,
            "sending_mode": sending_mode,
        }

    def _get_interest_rate_half_years(self):
        """The half-years whose rates this reminder's interest was computed at:
        from the first day late interest runs on one of its invoices (the day
        after the due date; for a consumer, after the formal notice) to the
        reminder's date; the reminder's own half-year when it claims none."""
        self.ensure_one()
        events = self.line_ids.filtered(lambda event: event.interest)
        starts = []
        if events:
            business = self.partner_id._is_professional_client()
            if business:
                starts = events.mapped("date_maturity")
            else:
                notices = self.env["freelance.dunning.engine"]._get_formal_notice_dates(
                    events.move_line_id
                )
                starts = [day for day in notices.values() if day]
        first = half_year_start(
            fields.Date.add(min(starts), days=1) if starts else self.date
        )
        half_years = []
        while first <= self.date:
            half_years.append(first)
            first = next_half_year_start(first)
        return half_years

    def _get_interest_rate_text(self, number, lang, rate_at=None):
        """The yearly rate(s) of late interest this reminder names, per
        half-year, with what each is (ECB rate plus the margin, the contractual
        rate, the legal floor instead of it, the legal interest rate): never a
        rate the company does not apply.

        :param number: formats a number in the client's language
        :param rate_at: the reference rates by half-year, when already read
        """
        self.ensure_one()
        env = self.with_context(lang=lang).env
        company = self.company_id
        if not self.date:
            return ""
        Rate = env["freelance.reference.rate"]
        rate_at = rate_at or Rate._get_rates_by_half_year()
        business = self.partner_id._is_professional_client()
        applied = Rate._get_applied_rate_function(
            company, business=business, rate_at=rate_at
        )
        parts = []
        half_years = self._get_interest_rate_half_years()
        for start in half_years:
            try:
                rate, basis = applied(start)
            except MissingReferenceRate:
                # Only a waiting reminder meets it: it is not sent so.
                return env._("the rate set in our terms")
            if basis == "ecb":
                what = env._(
                    "ECB main refinancing rate of %(ecb)s%% plus %(margin)s points",
                    ecb=number(rate_at(start).ecb_rate),
                    margin=number(company.late_interest_margin),
                )
            elif basis == "contractual":
                what = env._("our contractual rate")
            elif basis == "floor":
                what = env._(
                    "three times the legal interest rate, which is above our "
                    "contractual rate of %(contractual)s%%",
                    contractual=number(company.contractual_interest_rate),
                )
            else:
                what = env._("legal interest rate")
            if len(half_years) == 1:
                parts.append(
                    env._(
                        "%(rate)s%% a year (%(what)s)",
                        rate=number(round(rate, 2)),
                        what=what,
                    )
                )
            else:
                parts.append(
                    env._(
                        "%(rate)s%% a year from %(date)s (%(what)s)",
                        rate=number(round(rate, 2)),
                        date=format_date(env, start, lang_code=lang),
                        what=what,
                    )
                )
        return "; ".join(parts)

    def _get_lines_summary(self):
        """Per receivable line: the figures printed in the email and the letter."""
        self.ensure_one()
        summary = []
        seen = set()
        for event in self.line_ids.sorted(lambda e: (e.date_maturity, e.id)):
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
                    "amount_credited": event.amount_credited,
                    "interest": event.interest,
                    "indemnity": event.indemnity,
                    "pay_url": invoice.get_base_url() + invoice.get_portal_url(),
                }
            )
        return summary

    def _get_client_page_url(self):
        """The link of the client's page (issue 21) this reminder carries, in
        its email and as a QR code on its letter: signed for its client and
        company, valid for CLIENT_PAGE_VALIDITY_DAYS from the reminder's date,
        so that the email and the letter of one reminder carry the same link."""
        self.ensure_one()
        client = self.partner_id.commercial_partner_id.sudo()
        valid_until = fields.Date.add(
            self.date or fields.Date.context_today(self), days=CLIENT_PAGE_VALIDITY_DAYS
        )
        token = client._freelance_client_page_token(self.company_id, valid_until)
        return f"{self.get_base_url()}/dues/{token}"

    # ------------------------------------------------------------------
    # Written by the engine only
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        if not is_addon_writing(self.env, DUNNING_HISTORY_WRITING):
            # Odoo's refusal first for those without the right at all.
            self.check_access("create")
            raise AccessError(
                self.env._(
                    "Payment reminders are created by the dunning run only: run "
                    "the reminders for the client instead."
                )
            )
        # A reminder is a thread for the client's replies only: no "created"
        # note, no follower added by the run.
        reminders = super(
            FreelanceDunningReminder,
            self.with_context(mail_create_nolog=True, mail_create_nosubscribe=True),
        ).create(vals_list)
        reminders = reminders.with_env(self.env)
        reminders._link_missed_promises()
        # The preview of a reminder awaiting validation renders its links to
        # pay online: their tokens are given now, not when it is read.
        waiting = reminders.filtered(lambda r: r.state == "waiting")
        invoices = waiting.line_ids.move_id.filtered(lambda m: not m.access_token)
        for invoice in invoices.sudo().with_context(tracking_disable=True):
            invoice._portal_ensure_token()
        return reminders

    def _check_company(self, fnames=None):
        # A run creates its reminders together: checked per company.
        return check_company_batched(self, fnames, super()._check_company)

    def _link_missed_promises(self):
        """Each new reminder says which of its invoices' promises to pay were
        missed and not yet mentioned by a reminder that reached the client."""
        if not self:
            return
        # Looked up for all of them at once; a promise goes to the first
        # reminder of its client naming one of its invoices, as when each
        # reminder looked for its own in turn.
        candidates = self.env["freelance.dunning.promise"]._missed_to_announce(
            self.company_id, self.partner_id, self.line_ids.move_id
        )
        for reminder in self:
            if not candidates:
                return
            moves = reminder.line_ids.move_id
            missed = candidates.filtered(
                lambda promise, r=reminder, m=moves: (
                    promise.company_id == r.company_id
                    and promise.partner_id == r.partner_id
                    and promise.move_ids & m
                )
            )
            if missed:
                missed._protected_write({"missed_reminder_id": reminder.id})
                candidates -= missed

    def write(self, vals):
        if not is_addon_writing(self.env, DUNNING_HISTORY_WRITING):
            self.check_access("write")
            raise AccessError(
                self.env._(
                    "A payment reminder is written by the dunning run only: "
                    "validate or skip a waiting reminder with its buttons; a "
                    "reminder sent stays as it was sent."
                )
            )
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_history(self):
        if not is_addon_writing(self.env, DUNNING_HISTORY_WRITING) and any(
            reminder.state != "waiting" for reminder in self
        ):
            raise AccessError(
                self.env._(
                    "A payment reminder sent, failed or skipped is part of the "
                    "dunning history: it cannot be deleted."
                )
            )

    def _get_company_move_refusal(self):
        return self.env._(
            "A payment reminder stays in the company that sent it, with its "
            "history: run the reminders of the other company instead."
        )

    def _write_history(self, values):
        """Write these reminders and their history lines (the engine's
        private path, see ``addon_writes``).

        :param values: {field: value} written on both
        """
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            self.write(values)
            self.line_ids.write(
                {
                    fname: value
                    for fname, value in values.items()
                    if fname in self.line_ids._fields
                }
            )

    # ------------------------------------------------------------------
    # Sending
    # ------------------------------------------------------------------

    def _check_validation_rights(self):
        if not is_dunning_user(self.env):
            raise AccessError(
                self.env._(
                    "Only a dunning user may validate or skip payment reminders."
                )
            )
        self.check_access("write")

    def action_validate(self):
        """Send reminders waiting for an accountant's validation.

        What is sent is what the engine plans today for the reminder's
        invoices (levels reached, amounts, interest, indemnity), never what
        the reminder held: a reminder whose invoices owe nothing any more, or
        reach no level today, is skipped with the reason.

        The click returns at once: the reminders are planned again here, then
        queued ("Sending"); their letters, PDFs and emails are made in the
        background (``_cron_send_queued``), which tells the accountant when
        they are sent or failed.
        """
        waiting = self.filtered(lambda m: m.state == "waiting")
        self._check_validation_rights()
        if not waiting:
            raise UserError(
                self.env._("These reminders are not waiting for validation.")
            )
        to_send = waiting._plan_again()
        to_send._queue_sending()
        skipped = waiting - to_send
        messages = skipped.mapped("error")
        if to_send:
            messages.insert(
                0,
                self.env._(
                    "The payment reminders are being sent in the background "
                    "(%(count)s): you will be told here when they are sent.",
                    count=len(to_send),
                ),
            )
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if skipped else "info",
                "message": "\n".join(messages),
                "next": {"type": "ir.actions.client", "tag": "soft_reload"},
            },
        }

    def _plan_again(self):
        """Plan these waiting reminders again, for today, as a run would
        (``freelance.dunning.engine._plan``) on their own invoices: their
        history lines are replaced by the engine's. Those with nothing to send
        are skipped with the reason; those whose interest falls in a half-year
        without reference rates keep waiting, the reason in ``error``.

        :return: the reminders to send
        """
        engine = self.env["freelance.dunning.engine"]
        today = fields.Date.context_today(self)
        to_send = self.browse()
        for reminder in self:
            company = reminder.company_id
            plan = engine.with_company(company)._plan(
                company,
                today,
                lines=reminder.line_ids.move_line_id,
                exclude_reminders=reminder,
            )
            items = plan.get((reminder.partner_id, reminder.currency_id))
            if not items and not company._reminders_by_this_addon():
                # The company's reminders are another tool's now.
                reminder._skip(
                    self.env._(
                        "%(reminder)s was skipped: %(reason)s",
                        reminder=reminder.display_name,
                        reason=company._reminders_by_other_tool_message(),
                    )
                )
                continue
            if not items:
                reminder._skip(
                    self.env._(
                        "%(reminder)s was skipped: its invoices are paid, paused, "
                        "covered by the client's credit notes or payments, or "
                        "reach no reminder level today.",
                        reminder=reminder.display_name,
                    )
                )
                continue
            missing = next(
                (f["rate_missing"] for _l, _lv, f in items if f.get("rate_missing")),
                False,
            )
            values = engine._prepare_reminder_values(
                company,
                reminder.partner_id,
                reminder.currency_id,
                today,
                items,
                self.env.user,
            )
            with addon_writing(self.env, DUNNING_HISTORY_WRITING):
                # Replaced, not deleted by the user: the engine's right.
                reminder.line_ids.sudo().unlink()
                reminder.write(
                    {
                        fname: values[fname]
                        for fname in ("date", "level_id", "user_id", "line_ids")
                    }
                )
                # The interest of a half-year without rates is never guessed:
                # the reminder keeps waiting, with today's figures and the
                # reason; the others go on.
                reminder.error = missing and self.env._(
                    "%(reminder)s was not sent, it waits for the reference rates: "
                    "%(reason)s",
                    reminder=reminder.display_name,
                    reason=missing,
                )
            if not missing:
                to_send |= reminder
        return to_send

    def action_resend(self):
        """Send again failed reminders (their banner's button), in the
        background like Validate and Send: a new reminder for each client,
        planned today on its invoices as a run would be, is queued; the failed
        one stays in the history as it failed.

        The click validates no more than the failed reminder: a new reminder
        whose level needs a validation, or is higher than the failed
        reminder's, waits for validation (with its preview), and the user is
        told which.
        """
        self._check_validation_rights()
        not_failed = self.filtered(lambda reminder: reminder.state != "failed")
        if not_failed:
            raise UserError(
                self.env._(
                    "Only failed reminders can be sent again: %(reminders)s",
                    reminders=", ".join(not_failed.mapped("display_name")),
                )
            )
        superseded = self.filtered("superseded_by_id")
        if superseded:
            raise UserError(
                self.env._(
                    "These reminders were already sent again: %(reminders)s",
                    reminders=", ".join(
                        self.env._(
                            "%(failed)s as %(again)s",
                            failed=reminder.display_name,
                            again=reminder.superseded_by_id.display_name,
                        )
                        for reminder in superseded
                    ),
                )
            )
        # The highest level failed, per client and currency.
        ceilings = {}
        for failed in self:
            key = (failed.partner_id, failed.currency_id)
            rank = (failed.level_id.sequence, failed.level_id.days)
            ceilings[key] = max(ceilings.get(key, rank), rank)

        def validated(reminder):
            ceiling = ceilings.get((reminder.partner_id, reminder.currency_id))
            levels = reminder.line_ids.level_id
            return bool(
                ceiling
                and levels
                and not any(levels.mapped("needs_validation"))
                and all((level.sequence, level.days) <= ceiling for level in levels)
            )

        today = fields.Date.context_today(self)
        engine = self.env["freelance.dunning.engine"]
        created = self.browse()
        for company, reminders in self.grouped("company_id").items():
            created |= engine.with_company(company)._run(
                company,
                today,
                partners=reminders.partner_id,
                user=self.env.user,
                queue=True,
                validated=validated,
            )
        if not created:
            raise UserError(
                self.env._(
                    "Nothing to send again today: the invoices of these reminders "
                    "are paid, paused or reach no reminder level, or another "
                    "reminder was sent since."
                )
            )
        queued = created.filtered(lambda reminder: reminder.state == "queued")
        waiting = created - queued
        messages = []
        if queued:
            messages.append(
                self.env._(
                    "The payment reminders are being sent in the background "
                    "(%(count)s): you will be told here when they are sent.",
                    count=len(queued),
                )
            )
        for reminder in waiting:
            if reminder.rate_missing:
                messages.append(
                    self.env._(
                        "%(reminder)s was not sent, it waits for the reference "
                        "rates: %(reason)s",
                        reminder=reminder.display_name,
                        reason=reminder.rate_missing,
                    )
                )
            else:
                messages.append(
                    self.env._(
                        "%(reminder)s was not sent, it waits for your validation: "
                        "its level needs one, or is higher than the failed "
                        "reminder's.",
                        reminder=reminder.display_name,
                    )
                )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "freelance_dunning.freelance_dunning_reminder_action"
        )
        action["domain"] = [("id", "in", created.ids)]
        action["context"] = {}
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning" if waiting else "info",
                "message": "\n".join(messages),
                "sticky": bool(waiting),
                "next": action,
            },
        }

    def action_skip(self):
        """Drop reminders waiting for validation: the invoices stay at their level."""
        waiting = self.filtered(lambda m: m.state == "waiting")
        self._check_validation_rights()
        waiting._skip()
        return True

    def _skip(self, reason=False):
        self._write_history(
            {
                "state": "skipped",
                "user_id": self.env.uid,
                "error": reason,
                "skipped_user_id": self.env.uid,
                "skipped_date": fields.Datetime.now(),
            }
        )

    def action_preview_letter(self):
        """Open the letter this reminder would print, without storing it: the
        stored letter is the one sent (``_render_letter``)."""
        self.ensure_one()
        self._check_validation_rights()
        context = json.dumps({"report_pdf_no_attachment": True})
        return {
            "type": "ir.actions.act_url",
            "url": f"/report/pdf/freelance_dunning.report_dunning_letter/{self.id}"
            f"?{url_encode({'context': context})}",
            "target": "new",
        }

    def action_open_client_postpone(self):
        """The wizard postponing every reminder of this reminder's client."""
        self.ensure_one()
        self._check_validation_rights()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Postpone the Client's Reminders"),
            "res_model": "freelance.dunning.postpone.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.partner_id.commercial_partner_id.id,
                "default_company_id": self.company_id.id,
                "default_reminder_id": self.id,
            },
        }

    def _send(self, user=None):
        """Deliver on every channel, record the result, run the level actions.

        The reminders go together: their emails are rendered in one pass and
        queued in one batch, and the history, the lines and the level actions
        are written per group. A reminder that cannot be delivered (no email
        address, a template or a letter that fails) is marked failed alone.

        What is sent is dated the day it is sent: a reminder planned on
        another day (a run for a past date) is planned again for today first
        (``_plan_again``): its date, deadline, levels, amounts, interest and
        indemnity are those of the sending day. A queued reminder that
        ``_plan_again`` keeps from going (its interest falls in a half-year
        without reference rates) goes back to waiting, with the reason in its
        ``error``: never left "Sending" with nobody able to act on it.
        """
        today = fields.Date.context_today(self)
        stale = self.filtered(
            lambda m: m.state in ("waiting", "queued") and m.date != today
        )
        if stale:
            to_send = stale._plan_again()
            (stale - to_send).filtered(lambda m: m.state == "queued")._write_history(
                {"state": "waiting"}
            )
            return ((self - stale) | to_send)._send(user=user)
        # Rehearsal or not is the company's setting when the reminder goes.
        rehearsing = self.filtered("company_id.dunning_rehearsal")
        rehearsing.filtered(lambda m: not m.rehearsal)._write_history(
            {"rehearsal": True}
        )
        (self - rehearsing).filtered("rehearsal")._write_history({"rehearsal": False})
        rendered = self._render_emails()
        emails = {}
        delivered = self.browse()
        for message in self:
            try:
                email = message._prepare_delivery(rendered.get(message.id))
            except Exception as error:  # noqa: BLE001 - recorded, never lost
                message._fail_delivery(error, user)
                continue
            delivered |= message
            if email:
                emails[message] = email
        try:
            with self.env.cr.savepoint():
                self._post_emails(emails)
        except Exception:  # noqa: BLE001 - done again reminder by reminder
            _logger.info("Reminder emails queued one by one", exc_info=True)
            for message, email in emails.items():
                try:
                    with self.env.cr.savepoint():
                        self._post_emails({message: email})
                except Exception as error:  # noqa: BLE001 - recorded, never lost
                    message._fail_delivery(error, user)
                    delivered -= message
        delivered._send_sms()
        delivered._write_history(
            {"state": "sent", "user_id": user.id if user else False}
        )
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            delivered.filtered("rehearsal").line_ids.write({"state": "rehearsed"})
        delivered._advance_lines()
        # The level's actions wait for the email: they run when the mail
        # server takes it (mail.mail._postprocess_sent_message), never for a
        # client who was not told. Letters and calls need no wait.
        delivered.filtered(lambda m: not m.mail_message_id)._run_level_actions()
        if delivered.mail_message_id:
            self._trigger_mail_queue()

    def _queue_sending(self):
        """Queue these reminders for the background sending: they read
        "Sending" until ``_cron_send_queued`` sends them (the letter, the
        invoices' PDFs and the email take seconds each). Who validated them is
        their ``user_id``, set by the run or ``_plan_again``."""
        if not self:
            return
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            self.write({"state": "queued", "error": False})
        self.env.ref(
            "freelance_dunning.ir_cron_send_queued_reminders"
        ).sudo()._trigger()

    @api.model
    def _cron_send_queued(self, batch_size=100):
        """Send the queued reminders ("Sending"), a batch per call.

        Each reminder is locked without waiting (``lock_skip_locked``): one
        another worker holds is left to it, and the queue is woken up again
        in a minute. A reminder is sent only while still queued, in the
        transaction that marks it sent: a second run, or a run on two workers
        at once, sends nothing twice. Each sender's reminders are sent as
        that user, and the user is told the result (``_notify_sending``).
        Odoo's cron runner commits after each call and calls again while
        reminders remain.
        """
        queued = self.search(
            [("state", "=", "queued")], order="id", limit=batch_size + 1
        )
        remaining = max(len(queued) - batch_size, 0)
        queued = queued[:batch_size]
        # None: changed by another transaction since this one began.
        locked_ids = lock_skip_locked(queued) or set()
        locked = queued.filtered(lambda reminder: reminder.id in locked_ids)
        if locked != queued:
            remaining += len(queued - locked)
            self.env.ref("freelance_dunning.ir_cron_send_queued_reminders")._trigger(
                at=fields.Datetime.now() + timedelta(minutes=1)
            )
        locked.invalidate_recordset(["state"])
        locked = locked.filtered(lambda reminder: reminder.state == "queued")
        for (user, company), reminders in locked.grouped(
            lambda reminder: (reminder.user_id, reminder.company_id)
        ).items():
            reminders._send_queued(user, company)
        self.env["ir.cron"]._notify_progress(done=len(locked), remaining=remaining)

    def _send_queued(self, user, company):
        """Send queued reminders of one sender and company, then tell the
        sender. A failure of the whole sending marks them failed with the
        error (the next run sends their invoices again): nothing is lost."""
        sender = self.with_company(company).with_context(mail_notify_force_send=False)
        if user:
            sender = sender.with_user(user)
        try:
            with self.env.cr.savepoint():
                sender._send(user=user or None)
        except Exception as error:  # noqa: BLE001 - recorded, never lost
            _logger.exception("Queued reminders %s could not be sent", self.ids)
            self.invalidate_recordset()
            self._mark_failed(
                self.env._(
                    "The reminder could not be sent: %(error)s", error=str(error)
                ),
                user=user or None,
            )
        self.invalidate_recordset(["state"])
        self._notify_sending(user)

    def _notify_sending(self, user):
        """Tell the sender what became of the reminders sent in the
        background (a notification in their browser)."""
        if not user:
            return
        sent = self.filtered(lambda reminder: reminder.state == "sent")
        failed = self.filtered(lambda reminder: reminder.state == "failed")
        others = self - sent - failed
        # In the sender's language, not the scheduled action's.
        env = self.with_context(lang=user.lang or self.env.lang).env
        if failed:
            message = env._(
                "Payment reminders that could not be sent: %(failed)s of "
                "%(count)s. Open the failed reminders to see why.",
                failed=len(failed),
                count=len(self),
            )
        elif others:
            message = env._(
                "Payment reminders sent: %(sent)s of %(count)s; the others were "
                "skipped or wait: open them to see why.",
                sent=len(sent),
                count=len(self),
            )
        else:
            message = env._("Payment reminders sent: %(count)s.", count=len(self))
        user._bus_send(
            "simple_notification",
            {
                "type": "warning" if failed or others else "success",
                "title": env._("Payment reminders"),
                "message": message,
                "sticky": bool(failed),
            },
        )

    def _fail_delivery(self, error, user=None):
        _logger.warning("Reminder %s could not be sent: %s", self.display_name, error)
        self._mark_failed(str(error), user=user)

    def _render_emails(self):
        """Subject and body of the emails of these reminders rendered ahead, in
        one pass, when they go in batch: {reminder id: {subject, body_html}}.

        On Odoo's path, or for a template that fails in the batch, each
        reminder renders its own (``_render_email``), so that an error is
        recorded on the reminder it belongs to.
        """
        # The links to pay online carry each invoice's portal token: the
        # invoices Odoo emailed have one, the others get it here in one pass.
        invoices = self.line_ids.move_id.filtered(lambda move: not move.access_token)
        for invoice in invoices.sudo().with_context(tracking_disable=True):
            invoice._portal_ensure_token()
        if not self._uses_mail_batch():
            return {}
        return self.env["freelance.dunning.mail.batch"]._render_emails(self)

    @api.model
    def _uses_mail_batch(self):
        """Whether the reminders' emails go in batch (the default) or one by
        one through Odoo's ``message_post`` (system parameter
        ``freelance_dunning.reminder_email_path`` set to ``odoo``)."""
        path = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("freelance_dunning.reminder_email_path", "batch")
        )
        return path != "odoo"

    def _get_mail_template(self):
        return self.level_id.mail_template_id or self.env.ref(
            "freelance_dunning.mail_template_dunning_reminder"
        )

    def _get_mail_lang(self):
        return self.partner_id.lang or self.env.lang

    def _prepare_delivery(self, rendered=None):
        """Print the letter and check the email of one reminder.

        :return: what its email needs ({rendered, recipients, letters}), or
            None when it has no email
        """
        self.ensure_one()
        channels = set(self.line_ids.mapped("channel"))
        letters = self.env["ir.attachment"]
        if "letter" in channels or ("email" in channels and not rendered):
            with self.env.cr.savepoint():
                if "letter" in channels:
                    letters = self._render_letter()
                if "email" in channels and not rendered:
                    rendered = self._render_email()
        if "email" not in channels:
            return None
        recipients = self._get_recipients()
        if not recipients:
            raise UserError(
                self.env._(
                    "%(client)s has no email address.", client=self.partner_id.name
                )
            )
        if self.rehearsal:
            rendered = self._mark_rehearsal(rendered)
        return {"rendered": rendered, "recipients": recipients, "letters": letters}

    def _mark_rehearsal(self, rendered):
        """The email of a rehearsal: "[Rehearsal]" before its subject and a
        banner above its text, in the language of the email."""
        env = self.with_context(lang=self._get_mail_lang()).env
        banner = Markup(
            '<div style="border:2px solid #d9822b;padding:8px;margin-bottom:12px">'
            "<strong>%s</strong> %s</div>"
        ) % (
            env._("Rehearsal:"),
            env._(
                "this is the email %(client)s would receive. It was sent to you "
                "only: the client received nothing.",
                client=self.partner_id.display_name,
            ),
        )
        return dict(
            rendered,
            subject=env._("[Rehearsal] %(subject)s", subject=rendered["subject"]),
            body_html=banner + Markup(rendered["body_html"] or ""),
        )

    def _render_email(self):
        """Subject and body of one reminder's email.

        The addon's own template calls a method of the reminder: Odoo renders
        templates in restricted mode for users who may not edit them, which
        forbids that, so the trusted template is rendered as superuser.
        """
        self.ensure_one()
        return (
            self._get_mail_template()
            .sudo()
            .with_context(lang=self._get_mail_lang())
            ._generate_template(self.ids, ["subject", "body_html"])[self.id]
        )

    def _send_sms(self):
        # A rehearsal texts nobody: the freelancer reads its email.
        for message in self.filtered(lambda m: not m.rehearsal):
            channels = message.line_ids.mapped("channel")
            if "sms" in channels and hasattr(message.partner_id, "_message_sms"):
                message.partner_id._message_sms(
                    body=self.env._(
                        "%(company)s: %(amount)s overdue. Pay online from the email "
                        "we sent.",
                        company=message.company_id.name,
                        amount=message._format(message.amount_total),
                    )
                )

    def _format(self, amount):
        return format_amount(self.env, amount, self.currency_id)

    def _get_letter_filename(self):
        """The stored letter's file name (the report's ``attachment``): the
        client, the date and the reminder, never translated, so a reprint in
        another language finds the letter that was sent."""
        self.ensure_one()
        client = re.sub(r"[^\w.-]+", "-", self.partner_id.name or "").strip("-")
        return f"{client}-{fields.Date.to_string(self.date)}-{self.id}.pdf"

    def _render_letter(self):
        """Print the reminder's letter, stored by the report itself.

        The report's ``attachment`` setting stores the PDF on the reminder and
        ``attachment_use`` reprints that same file: one letter per reminder.
        """
        self.ensure_one()
        report = self.env.ref("freelance_dunning.action_report_dunning_letter")
        content, report_type = self.env["ir.actions.report"]._render_qweb_pdf(
            report, self.ids
        )
        letter = report.retrieve_attachment(self)
        if not letter and report_type != "pdf":
            # Under tests Odoo renders HTML instead of a PDF and stores nothing.
            letter = self.env["ir.attachment"].create(
                {
                    "name": self._get_letter_filename(),
                    "raw": content,
                    "res_model": self._name,
                    "res_id": self.id,
                    "mimetype": "application/pdf",
                }
            )
        if not letter:
            raise UserError(
                self.env._(
                    "The letter of %(reminder)s could not be stored: check that "
                    "you may add attachments to reminders.",
                    reminder=self.display_name,
                )
            )
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            self.letter_id = letter
        return letter

    def _post_emails(self, emails):
        """Post the reminders' emails on their clients.

        :param emails: {reminder: {rendered, recipients, letters}}

        Each email is a message in the client's chatter, signed by whoever
        sends it (accountants may not edit contacts: it is posted as the
        company's communication), with the client's invoices attached and
        Odoo's light email layout. It joins Odoo's mail queue: the mail
        scheduler sends it right after the commit; a rolled back run sends
        nothing. By default all go in one batch
        (``freelance.dunning.mail.batch``), else one by one through Odoo's
        ``message_post`` (``_uses_mail_batch``).
        """
        if not emails:
            return
        reminders = self.browse([reminder.id for reminder in emails])
        pdfs = reminders._get_invoice_attachments()
        # A rehearsal is posted on the reminder, not on the client: none of the
        # client's followers is notified of it.
        rehearsals = {r: e for r, e in emails.items() if r.rehearsal}
        emails = {r: e for r, e in emails.items() if not r.rehearsal}
        messages = {
            reminder: reminder._post_email(email, pdfs[reminder], thread=reminder)
            for reminder, email in rehearsals.items()
        }
        if self._uses_mail_batch():
            messages.update(
                self.env["freelance.dunning.mail.batch"]._post_emails(emails, pdfs)
            )
        else:
            messages.update(
                {
                    reminder: reminder._post_email(email, pdfs[reminder])
                    for reminder, email in emails.items()
                }
            )
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            for reminder, message in messages.items():
                reminder.mail_message_id = message

    def _post_email(self, email, pdfs, thread=None):
        """Post one reminder's email on its client through Odoo's mail API.

        :param email: {rendered, recipients, letters}
        :param pdfs: the PDFs of its invoices
        :param thread: where to post it instead of the client (a rehearsal:
            the reminder itself)
        :return: the mail.message
        """
        self.ensure_one()
        author = self._get_mail_author()
        return (
            (thread or self.partner_id)
            .sudo()
            # Queued like the batch's: the mail scheduler sends it after the
            # commit (_trigger_mail_queue), one worker at a time.
            .with_context(
                mail_create_nosubscribe=True,
                mail_notify_force_send=False,
                # A rehearsal goes to the freelancer, who may be the author
                # (validating the reminder): Odoo skips the author otherwise.
                mail_notify_author=bool(thread),
            )
            .message_post(
                body=email["rendered"]["body_html"],
                subject=email["rendered"]["subject"],
                message_type="comment",
                subtype_xmlid="mail.mt_comment",
                author_id=author.id,
                email_from=author.email_formatted,
                partner_ids=email["recipients"].ids,
                attachment_ids=(pdfs | email["letters"]).ids,
                email_layout_xmlid="mail.mail_notification_light",
                record_company_id=self.company_id.id,
                force_email_company=self.company_id,
                force_email_lang=self._get_mail_lang(),
            )
        )

    def _get_mail_author(self):
        """Who signs the reminder: the accountant who sends it, else the user
        running the sending; the company itself when that is the scheduled
        action (OdooBot, the superuser), never a robot's address."""
        user = self.user_id or self.env.user
        if user._is_superuser() or not user._is_internal():
            # The company, if it has an address to send from; else its
            # dunning responsible; else, as before, the user running it.
            for author in (
                self.company_id.partner_id,
                self.company_id.dunning_responsible_id.partner_id,
            ):
                if author.email:
                    return author
        return user.partner_id

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

    def _get_invoice_attachments(self):
        """{reminder: the PDFs of its invoices}, for all these reminders.

        The PDF Odoo kept when it sent an invoice is the document the client
        received: it is attached as it is, not copied. The others are
        rendered together, in one pass, and kept on the client; if that pass
        fails, each is rendered alone, and an invoice whose PDF still fails is
        left out: its reminder goes without it and names it
        (``pdf_missing_move_ids``).
        """
        invoices = self.line_ids.move_id
        missing = invoices.filtered(lambda invoice: not invoice.invoice_pdf_report_id)
        raw = {}
        failed = self.env["account.move"]
        if missing:
            try:
                raw = self._render_invoice_pdfs(missing)
            except Exception:  # noqa: BLE001 - rendered again one by one
                _logger.info("Invoice PDFs rendered one by one", exc_info=True)
                for invoice in missing:
                    try:
                        raw.update(self._render_invoice_pdfs(invoice))
                    except Exception as error:  # noqa: BLE001 - sent without it
                        _logger.warning(
                            "The PDF of %s could not be made: %s",
                            invoice.display_name,
                            error,
                        )
                        failed |= invoice
        rendered = {}
        made = missing - failed
        if made:
            # Kept on the client, as Odoo keeps a posted message's files: the
            # accountant may not edit contacts.
            files = (
                self.env["ir.attachment"]
                .sudo()
                .create(
                    [
                        {
                            "name": f"{invoice._get_report_base_filename()}.pdf",
                            "raw": raw[invoice.id],
                            "res_model": "res.partner",
                            "res_id": invoice.commercial_partner_id.id,
                            "mimetype": "application/pdf",
                        }
                        for invoice in made
                    ]
                )
            )
            rendered = dict(zip(made, files, strict=True))
        if failed:
            with addon_writing(self.env, DUNNING_HISTORY_WRITING):
                for reminder in self:
                    reminder.pdf_missing_move_ids = reminder.line_ids.move_id & failed
        return {
            reminder: self.env["ir.attachment"].union(
                *(
                    rendered.get(invoice) or invoice.invoice_pdf_report_id
                    for invoice in reminder.line_ids.move_id
                    if invoice not in failed
                )
            )
            for reminder in self
        }

    def _render_invoice_pdfs(self, invoices):
        """{invoice id: its PDF} (the report's HTML under tests without
        ``force_report_rendering``), rendered in one pass; raises if any
        fails, nothing written."""
        report = "account.account_invoices"
        Report = self.env["ir.actions.report"]
        with self.env.cr.savepoint():
            content, report_type = Report._pre_render_qweb_pdf(report, invoices.ids)
            by_id = Report._get_splitted_report(report, content, report_type)
        if set(invoices.ids) - set(by_id):
            raise UserError(
                self.env._(
                    "The invoices' PDF could not be split per invoice: %(invoices)s",
                    invoices=", ".join(invoices.mapped("display_name")),
                )
            )
        return by_id

    def _get_recipients(self):
        """Who receives the reminder: the invoices' contacts, else the client;
        in a rehearsal the freelancer (the company's dunning responsible, else
        the company's address) instead."""
        if self.rehearsal:
            responsible = self.company_id._get_dunning_responsible().partner_id
            return responsible.filtered("email") or self.company_id.partner_id.filtered(
                "email"
            )
        contacts = self.line_ids.move_id.partner_id.filtered("email")
        return contacts or self.partner_id.filtered("email")

    def _mark_failed(self, error, user=None):
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            self.write(
                {
                    "state": "failed",
                    "error": error,
                    "user_id": user.id if user else False,
                }
            )
            self.line_ids.write({"state": "failed", "error": error})

    def _undo_delivery(self, error):
        """The email of sent reminders failed: undo their level's actions,
        mark them failed and put their lines back at the level they had, so
        the next run sends it again."""
        for message in self:
            notes = message._undo_level_actions(error)
            # Still signed by who sent it (empty: the scheduled run).
            message._mark_failed("\n".join([error, *notes]), user=message.user_id)
            for line in message.line_ids.move_line_id:
                previous = self.env["freelance.dunning.reminder.line"].search(
                    [("move_line_id", "=", line.id), ("state", "=", "sent")],
                    order="date desc, id desc",
                    limit=1,
                )
                with addon_writing(self.env, DUNNING_HISTORY_WRITING):
                    line.sudo().write(
                        {
                            "dunning_level_id": previous.level_id.id,
                            "dunning_last_date": previous.date,
                        }
                    )

    def _undo_level_actions(self, reason):
        """The client was not told after all (the email bounced, or failed
        after the level's actions ran, for every recipient): undo what these
        actions did. An email one of its recipients received keeps them.

        The work the level suspended resumes and the blacklist it set is
        lifted, through their owning methods and with the reason; the
        activities it planned and still open are cancelled. A penalty invoice
        still in draft is deleted; a posted one is an accounting document and
        is never deleted here: the client's chatter says it must be reversed
        and a dunning manager gets an activity to do it. The next delivery of
        the level runs the actions again (``actions_done``).

        :param reason: why (the delivery failure), logged with each undo
        :return: what could not be undone, for the reminder's error
        """
        self.ensure_one()
        if not self.actions_done or self.sudo()._reached_a_recipient():
            return []
        reminder = self.sudo()
        _logger.info("Level actions of %s undone: %s", reminder.display_name, reason)
        why = self.env._(
            "%(reminder)s was not delivered (%(reason)s)",
            reminder=reminder.display_name,
            reason=reason,
        )
        reminder.suspended_order_ids.filtered("work_suspended")._resume_work(why)
        reminder.action_activity_ids.filtered("active").unlink()
        if reminder.client_blacklisted:
            reminder.partner_id._lift_client_blacklist(
                why, companies=reminder.company_id
            )
        notes = []
        penalty = reminder.penalty_move_id
        if penalty.state == "draft":
            # Its invoices get a penalty again when the level is delivered.
            with addon_writing(self.env, DUNNING_HISTORY_WRITING):
                reminder.env["account.move"].search(
                    [("dunning_penalty_move_id", "=", penalty.id)]
                ).dunning_penalty_move_id = False
            try:
                with self.env.cr.savepoint():
                    penalty.unlink()
            except UserError:
                # A draft that consumed a number in its journal's sequence
                # cannot be deleted: cancelled instead, as Odoo allows.
                penalty.button_cancel()
        elif penalty.state == "posted":
            note = self.env._(
                "The penalty invoice %(invoice)s was posted before the email "
                "bounced: reverse it by hand with a credit note if the client "
                "is not to pay it.",
                invoice=penalty.name,
            )
            notes.append(note)
            reminder.partner_id.commercial_partner_id.message_post(
                body=self.env._("%(why)s. %(note)s", why=why, note=note),
                subtype_xmlid="mail.mt_note",
            )
            # The activity is written in its reader's language.
            manager = reminder._get_dunning_manager()
            env = self.with_context(lang=manager.lang or self.env.lang).env
            penalty.activity_schedule(
                "mail.mail_activity_data_todo",
                summary=env._("Reverse the penalty invoice"),
                note=env._(
                    "The penalty invoice %(invoice)s was posted before the email "
                    "bounced: reverse it by hand with a credit note if the client "
                    "is not to pay it.",
                    invoice=penalty.name,
                ),
                user_id=manager.id,
            )
        reminder._record_level_actions(
            {
                "actions_done": False,
                "suspended_order_ids": [fields.Command.clear()],
                "action_activity_ids": [fields.Command.clear()],
                "client_blacklisted": False,
            }
        )
        return notes

    def _reached_a_recipient(self):
        """Whether the email reached, or may still reach, one of its
        recipients: the client was told, what its level did stands."""
        self.ensure_one()
        return any(
            notification.notification_type == "email"
            and notification.notification_status
            not in ("bounce", "exception", "canceled")
            for notification in self.mail_message_id.notification_ids
        )

    def _get_activity_user(self):
        """Who acts on this reminder's activities (a phone call): the client's
        salesperson, else the company's dunning responsible; never OdooBot,
        who runs the nightly reminders."""
        self.ensure_one()
        return self.company_id._get_activity_user(self.partner_id)

    def _get_dunning_manager(self):
        """Who reverses what a level did by hand (a credit note): the accountant
        who sent the reminder, else the company's dunning responsible, else its
        first dunning manager; each only if a dunning manager who may issue
        credit notes (a responsible who is a salesperson may not)."""
        self.ensure_one()
        managers = (
            self.env.ref(MANAGER_GROUP)
            .sudo()
            .users.filtered(self.company_id._is_assignable_user)
        )
        invoicing = self.env.ref("account.group_account_invoice").sudo().users
        refunders = (managers & invoicing).sorted("id")
        for user in (self.user_id, self.company_id.dunning_responsible_id):
            if user and user in refunders:
                return user
        return refunders[:1] or managers.sorted("id")[:1] or self.env.user

    def _advance_lines(self):
        """The lines reach their level; the next run starts from there."""
        line_ids = defaultdict(dict)
        for event in self.line_ids:
            line_ids[(event.level_id.id, event.date)][event.move_line_id.id] = None
        for (level_id, date), ids in line_ids.items():
            group = self.env["account.move.line"].browse(list(ids))
            # Neither amounts nor accounts change: the invoices need none of
            # Odoo's synchronization of their lines (taxes, terms, balance),
            # which would cost more than the whole reminder.
            with addon_writing(self.env, DUNNING_HISTORY_WRITING):
                group.sudo().with_context(
                    tracking_disable=True,
                    skip_invoice_sync=True,
                    skip_invoice_line_sync=True,
                    check_move_validity=False,
                    **{LEVEL_WRITE_KEY: True},
                ).write({"dunning_level_id": level_id, "dunning_last_date": date})

    def _run_level_actions(self):
        """Each level's actions, once for all the reminders that reached it,
        once the client was told (see ``_send``).

        Suspending orders, scheduling activities, blacklisting and issuing the
        penalty invoice are the company's actions, whoever sends the reminders:
        they run as superuser, for what the engine planned. A reminder runs
        them once (``actions_done``); a level whose actions another reminder
        ran for the same invoices does not run them again. An email that
        bounces or fails afterwards undoes them (``_undo_level_actions``): the
        retry that reaches the client runs them again, once.
        """
        # A rehearsal suspends, blacklists, calls and bills nothing.
        todo = self.filtered(
            lambda m: m.state == "sent" and not m.actions_done and not m.rehearsal
        )
        if not todo:
            return
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            todo.sudo().write({"actions_done": True})
        done_before = todo._get_levels_acted_on()
        todo = todo.sudo()
        reached = defaultdict(list)
        for message in todo:
            for level in message.line_ids.level_id:
                lines = message.line_ids.filtered(lambda e, lv=level: e.level_id == lv)
                if all((e.move_line_id.id, level.id) in done_before for e in lines):
                    continue
                for action in level._get_level_actions():
                    reached[(action, level)].append(message.id)
        for (action, level), message_ids in reached.items():
            getattr(todo.browse(message_ids), action)(level)

    def _get_levels_acted_on(self):
        """{(receivable line id, level id)} whose actions other reminders ran."""
        earlier = (
            self.env["freelance.dunning.reminder.line"]
            .sudo()
            .search_fetch(
                [
                    ("move_line_id", "in", self.line_ids.move_line_id.ids),
                    ("reminder_id.actions_done", "=", True),
                    ("reminder_id", "not in", self.ids),
                ],
                ["move_line_id", "level_id"],
            )
        )
        return {(e.move_line_id.id, e.level_id.id) for e in earlier}

    def _run_level_actions_delivered(self):
        """The emails of these reminders left: run their levels' actions.

        Called by the mail scheduler after sending: an action that fails is
        logged and never makes the sent email look failed.
        """
        for reminder in self:
            try:
                with self.env.cr.savepoint():
                    reminder._run_level_actions()
            except Exception:  # noqa: BLE001 - the email was sent all the same
                _logger.exception(
                    "The level actions of %s failed", reminder.display_name
                )

    def _schedule_activities(self, act_type_xmlid, texts):
        """Schedule an activity on each reminder's client, through Odoo's
        ``activity_schedule``; each reminder keeps those it planned
        (``action_activity_ids``).

        :param texts: function(reminder) -> (summary, note), called with the
            reminder in the language of the user who gets the activity (the
            nightly run is not that person)
        """
        scheduled = self.env["mail.activity"]
        for message in self:
            user = message._get_activity_user()
            summary, note = texts(message.with_context(lang=user.lang or self.env.lang))
            activity = (
                message.partner_id.activity_schedule(
                    act_type_xmlid,
                    summary=summary,
                    note=note,
                    user_id=user.id or self.env.uid,
                )
                or self.env["mail.activity"]
            )
            message._record_level_actions(
                {"action_activity_ids": [fields.Command.link(a.id) for a in activity]}
            )
            scheduled |= activity
        return scheduled

    def _record_level_actions(self, values):
        """Keep on these reminders what their level's actions did (the
        engine's private path): a bounce undoes exactly that."""
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            self.sudo().write(values)

    # Level actions --------------------------------------------------------

    def _dunning_action_suspend_work(self, level):
        # The running orders of all the clients, found in one search; only
        # those of the reminder's company are its to suspend.
        orders = defaultdict(lambda: self.env["sale.order"])
        for order in self.partner_id._get_running_orders():
            orders[(order.partner_id.commercial_partner_id, order.company_id)] |= order
        for message in self:
            client_orders = orders[
                (message.partner_id.commercial_partner_id, message.company_id)
            ]
            if client_orders:
                invoices = ", ".join(message.line_ids.move_id.mapped("name"))
                suspended = client_orders._suspend_work(
                    self.env._(
                        "%(level)s for %(invoices)s",
                        level=level.name,
                        invoices=invoices,
                    )
                )
                message._record_level_actions(
                    {
                        "suspended_order_ids": [
                            fields.Command.link(order.id) for order in suspended
                        ]
                    }
                )

    def _dunning_action_blacklist(self, level):
        for message in self:
            partner = message.partner_id
            if hasattr(partner, "_dunning_blacklist"):
                client = partner.commercial_partner_id.with_company(level.company_id)
                before = client.client_blacklisted
                partner._dunning_blacklist(level)
                if not before and client.client_blacklisted:
                    message._record_level_actions({"client_blacklisted": True})
        self._schedule_activities(
            "mail.mail_activity_data_todo",
            lambda message: (
                message.env._("Start the recovery"),
                message.env._(
                    "%(level)s sent: %(amount)s remain unpaid. Consider the "
                    "simplified recovery procedure or an injonction de payer.",
                    level=level.with_env(message.env).name,
                    amount=message._format(message.amount_total),
                ),
            ),
        )

    def _dunning_action_phone_call(self, level):
        self._schedule_activities(
            "mail.mail_activity_data_call",
            lambda message: (
                message.env._(
                    "Call about %(amount)s overdue",
                    amount=message._format(message.amount_total),
                ),
                Markup("%s") % level.with_env(message.env).name,
            ),
        )

    def _dunning_action_penalty_invoice(self, level):
        """Invoice late interest and indemnity, without VAT, once per invoice."""
        for message in self:
            penalty = message._issue_penalty_invoice(level)
            if penalty:
                message._record_level_actions({"penalty_move_id": penalty.id})

    def _issue_penalty_invoice(self, level):
        """The penalty invoice of the level's invoices in this reminder: the
        late interest of each installment no penalty invoice bills yet, as the
        reminder stated it (so an installment reminded after its invoice got
        a penalty invoice is billed too), and the indemnity of each invoice
        whose indemnity no penalty invoice bills yet. The interest running
        after a penalty invoice is billed once the installment is paid
        (``_get_late_payment_claims``). With the level's *Include Invoices
        Paid Late*, the client's invoices paid late are billed in the same
        penalty invoice."""
        self.ensure_one()
        Move = self.env["account.move"]
        events = {}
        for event in self.line_ids.filtered(lambda e: e.level_id == level):
            events.setdefault(event.move_line_id, event)
        lines = self.env["account.move.line"].union(*events)
        billed_interest, billed_indemnity = Move._get_penalties_billed(lines.move_id)
        # The client's open credits imputed as the reminder's figures impute
        # them: the labels' bases are those that give the amounts.
        credits, _net = self.env["freelance.dunning.engine"]._get_open_credits(
            self.company_id, lines
        )
        claims, cache = [], {"credits": credits}
        for line, event in events.items():
            claim = line.id not in billed_interest and Move._prepare_interest_claim(
                line, event.date, event.interest, None, cache
            )
            if claim:
                claims.append(claim)
            if event.indemnity and line.move_id.id not in billed_indemnity:
                billed_indemnity.add(line.move_id.id)
                claims.append(
                    {
                        "kind": "indemnity",
                        "invoice": line.move_id,
                        "line": line,
                        "amount": event.indemnity,
                        "date_to": event.date,
                    }
                )
        if level.penalty_invoice_paid_late:
            # An invoice without rates for a half-year of its delay is left
            # out (said on the client), never the level's other actions.
            skipped = []
            claims += Move._get_late_payment_claims(
                self.partner_id, self.company_id, self.currency_id, self.date, skipped
            )
            if skipped:
                self.partner_id.commercial_partner_id.message_post(
                    body=self.env._(
                        "%(reminder)s: %(skipped)s",
                        reminder=self.display_name,
                        skipped=Move._describe_penalties_skipped(skipped),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        return Move._create_penalty_invoice(
            self.partner_id, self.company_id, self.currency_id, claims
        )

    # ------------------------------------------------------------------
    # The client's replies
    # ------------------------------------------------------------------

    def message_update(self, msg_dict, update_vals=None):
        """An email answering this reminder, routed here by Odoo's mail
        gateway (``mail.thread.message_route`` through the addon's
        ``MailThread.message_route``: a reply to the reminder's email).

        A reply from the client (any address of the client's company) marks
        the reminder replied and pauses the client's next reminders
        (``freelance.dunning.engine._get_line_domain``) until a dunning user
        marks it handled. Any other sender's email lands on the reminder too,
        without pausing anything: a stranger does not stop the chase.
        """
        result = super().message_update(msg_dict, update_vals=update_vals)
        # Only Odoo's mail gateway (it calls this as superuser): a user calling
        # the method over RPC pauses nothing.
        if not self.env.su:
            return result
        for reminder in self:
            if reminder._is_client_address(msg_dict.get("email_from")):
                reminder._mark_client_replied(msg_dict.get("date"))
        return result

    def _is_client_address(self, email_from):
        """Whether ``email_from`` is the address of the reminder's client or
        of one of its contacts (archived included), or of a recipient of the
        reminder."""
        self.ensure_one()
        email = email_normalize(email_from or "")
        if not email:
            return False
        client = self.partner_id.commercial_partner_id
        return bool(
            self.env["res.partner"]
            .sudo()
            .with_context(active_test=False)
            .search_count(
                [
                    "|",
                    ("id", "child_of", client.id),
                    ("id", "in", self.sudo().mail_message_id.partner_ids.ids),
                    ("email_normalized", "=", email),
                ],
                limit=1,
            )
        )

    def _mark_client_replied(self, date=None):
        """The client replied: mark the reminder, tell whoever follows the
        client up (an activity on the reminder)."""
        self.ensure_one()
        reminder = self.sudo()
        values = {
            "reply_state": "replied",
            "reply_date": date or fields.Datetime.now(),
            "reply_handled_user_id": False,
            "reply_handled_date": False,
        }
        if not reminder.reply_activity_id:
            user = reminder._get_activity_user()
            lang = user.lang or self.env.lang
            activity = reminder.with_context(lang=lang).activity_schedule(
                "mail.mail_activity_data_todo",
                summary=self.with_context(lang=lang).env._(
                    "%(client)s replied to a payment reminder",
                    client=reminder.partner_id.display_name,
                ),
                note=self.with_context(lang=lang).env._(
                    "The client's next reminders wait until the reply is marked "
                    "handled on the reminder."
                ),
                user_id=user.id or SUPERUSER_ID,
            )
            values["reply_activity_id"] = activity.id
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            reminder.write(values)

    def action_mark_reply_handled(self):
        """A dunning user dealt with the client's reply: the client's
        reminders go on at the next run."""
        self._check_validation_rights()
        replied = self.filtered(lambda r: r.reply_state == "replied")
        if not replied:
            raise UserError(self.env._("No client's reply waits on these reminders."))
        activities = replied.sudo().reply_activity_id
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            replied.sudo().write(
                {
                    "reply_state": "handled",
                    "reply_handled_user_id": self.env.uid,
                    "reply_handled_date": fields.Datetime.now(),
                    "reply_activity_id": False,
                }
            )
        # Rights checked above: whoever handles it closes the activity, even
        # one planned for the salesperson.
        if activities.exists():
            activities.exists().sudo().action_feedback(
                feedback=self.env._("Reply marked handled.")
            )
        return True

    @api.model
    def _get_replied_clients(self, company):
        """The clients of ``company`` whose reply waits to be handled."""
        return (
            self.sudo()
            .search([("company_id", "=", company.id), ("reply_state", "=", "replied")])
            .partner_id.commercial_partner_id
        )

    # ------------------------------------------------------------------
    # Rehearsal
    # ------------------------------------------------------------------

    @api.model
    def _end_rehearsal(self, company):
        """The company's rehearsal is over: each invoice rehearsed goes back to
        the level its client was really told (the last reminder sent to the
        client), or to none; the reminders waiting or queued for them are
        skipped. The next real run starts from there."""
        Event = self.env["freelance.dunning.reminder.line"].sudo()
        rehearsed = Event.search(
            [("company_id", "=", company.id), ("state", "=", "rehearsed")]
        ).move_line_id
        told = Event.search(
            [("move_line_id", "in", rehearsed.ids), ("state", "=", "sent")],
            order="date desc, id desc",
        )
        last = {}
        for event in told:
            last.setdefault(event.move_line_id.id, event)
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            for line in rehearsed.sudo().with_context(
                tracking_disable=True,
                skip_invoice_sync=True,
                skip_invoice_line_sync=True,
                check_move_validity=False,
            ):
                event = last.get(line.id)
                line.write(
                    {
                        "dunning_level_id": event.level_id.id if event else False,
                        "dunning_last_date": event.date if event else False,
                    }
                )
        # Reminders planned from the rehearsal's levels are planned again by
        # the next run, from the levels the clients were told.
        pending = self.sudo().search(
            [
                ("company_id", "=", company.id),
                ("state", "in", ("waiting", "queued")),
                ("line_ids.move_line_id", "in", rehearsed.ids),
            ]
        )
        pending._skip(
            self.env._(
                "Planned during the rehearsal: the next run plans it again from "
                "the level the client was really told."
            )
        )
