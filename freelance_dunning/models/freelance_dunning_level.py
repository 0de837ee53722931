import re

from markupsafe import Markup, escape

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools.mail import html_sanitize

from .value_checks import check_values

# The placeholders a level's texts may hold, replaced when a reminder is
# rendered (see freelance.dunning.reminder._get_text_values): nothing else in
# the texts is ever evaluated.
PLACEHOLDERS = (
    "client",
    "salutation",
    "company",
    "level",
    "deadline",
    "total",
    "amount_due",
    "interest",
    "indemnity",
    "indemnity_amount",
    "interest_margin",
    "penalty_terms",
    "penalties_included",
    "notice_effect",
    "sending_mode",
    "interest_rate",
)
PLACEHOLDER_PATTERN = re.compile(r"\{(\w+)\}")
# The level's own wording, rendered by the email template and the letter.
TEXT_FIELDS = (
    "email_subject",
    "email_intro",
    "email_closing",
    "letter_title",
    "letter_intro",
    "letter_closing",
)
# Odoo's default sanitizing of an Html field (odoo.fields.Html), applied to the
# translations Odoo stores as given (update_field_translations) and again when
# a level's text is rendered.
HTML_SANITIZE_OPTIONS = {
    "silent": True,
    "sanitize_tags": fields.Html.sanitize_tags,
    "sanitize_attributes": fields.Html.sanitize_attributes,
    "sanitize_style": fields.Html.sanitize_style,
    "sanitize_form": fields.Html.sanitize_form,
    "sanitize_conditional_comments": fields.Html.sanitize_conditional_comments,
    "output_method": fields.Html.sanitize_output_method,
    "strip_style": fields.Html.strip_style,
    "strip_classes": fields.Html.strip_classes,
}
# What a level accepts (see value_checks): beyond, the dates of the ladder
# leave the calendar.
LEVEL_BOUNDS = {
    "days": {"minimum": -365, "maximum": 3650},
    "payment_deadline_days": {"minimum": 0, "maximum": 365},
    "courtesy_min_days": {"minimum": 0, "maximum": 365},
    "sequence": {},
}
PLACEHOLDERS_HELP = (
    " Placeholders: {client}, {salutation} (formal opening: the person's name, "
    "or Sir or Madam for a company), {company}, {level}, {deadline} (payment "
    "deadline), "
    "{total}, {amount_due}, {interest}, {indemnity} (this reminder's amounts), "
    "{indemnity_amount} and {interest_margin} (the company's settings), "
    "{penalty_terms} (late interest and indemnity as the law sets them for this "
    'client: professional or consumer), {penalties_included} (", including the '
    'late interest and the indemnity," as far as this reminder claims them), '
    "{notice_effect} (for a consumer's formal notice: interest runs from it), "
    "{sending_mode} (how the message is sent: registered letter, email), "
    "{interest_rate} (the yearly rate(s) of late interest applied, per half-year)."
)


class FreelanceDunningLevel(models.Model):
    """One step of the escalation ladder, per company.

    ``days`` is counted from each receivable line's due date (negative: a
    courtesy notice before it). The actions a level takes are flags read by the
    dunning engine; bridges can add more (see ``_get_level_actions``). What the
    client reads is the level's own translatable text (``TEXT_FIELDS``): the
    email template and the letter render it around the invoice table, with its
    ``{placeholders}`` filled in from the reminder and the company.
    """

    _name = "freelance.dunning.level"
    _inherit = ["freelance.company.bound.mixin"]
    _description = "Dunning Level"
    _order = "company_id, sequence, days, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    days = fields.Integer(
        required=True,
        help="Days after the due date (negative: before it) from which the level "
        "applies.",
    )
    channel_email = fields.Boolean(string="Email", default=True)
    channel_letter = fields.Boolean(
        string="Letter", help="A printable PDF letter, kept in the history."
    )
    channel_phone = fields.Boolean(
        string="Phone Call", help="A phone-call activity for the accountant."
    )
    channel_sms = fields.Boolean(
        string="SMS", help="Needs Odoo's SMS addon; ignored without it."
    )
    mail_template_id = fields.Many2one(
        comodel_name="mail.template",
        string="Email Template",
        domain="[('model', '=', 'freelance.dunning.reminder')]",
    )
    add_penalties = fields.Boolean(
        string="Late Interest and Indemnity",
        help="The message states the late interest and, for business clients, the "
        "fixed recovery indemnity, net of what penalty invoices already bill.",
    )
    penalty_invoice = fields.Boolean(
        string="Issue Penalty Invoice",
        help="Invoice the late interest and the indemnity (no VAT), once per "
        "invoice and installment.",
    )
    penalty_invoice_paid_late = fields.Boolean(
        string="Include Invoices Paid Late",
        help="The penalty invoice also bills the late interest and indemnity of "
        "the client's invoices paid late and not billed yet.",
    )
    suspend_work = fields.Boolean(
        help="Close the work gate of the client's running orders."
    )
    blacklist_client = fields.Boolean(
        help="Blacklist the client (when the blacklist is available) and plan an "
        "activity to start the recovery."
    )
    needs_validation = fields.Boolean(
        help="Prepared by the scheduled run but sent only once an accountant "
        "validates it.",
    )
    is_formal_notice = fields.Boolean(
        string="Formal Notice",
        help="A mise en demeure: for consumers, late interest runs from its date.",
    )
    letter_registered = fields.Boolean(
        string="Posted as Registered Letter",
        help="The printed letter is posted as a registered letter with "
        "acknowledgement of receipt (recommended for a formal notice: it proves "
        "the date). Only then do the texts ({sending_mode}) say so; otherwise a "
        "reminder never claims to be a registered letter.",
    )
    email_subject = fields.Char(
        translate=True,
        required=True,
        default=lambda self: self._get_default_texts()["email_subject"],
        help="Subject of the reminder email." + PLACEHOLDERS_HELP,
    )
    email_intro = fields.Html(
        string="Email Text Before the Invoices",
        translate=True,
        default=lambda self: self._get_default_texts()["email_intro"],
        help="Opening of the email, before the table of invoices." + PLACEHOLDERS_HELP,
    )
    email_closing = fields.Html(
        string="Email Text After the Invoices",
        translate=True,
        default=lambda self: self._get_default_texts()["email_closing"],
        help="End of the email, after the table of invoices and the total."
        + PLACEHOLDERS_HELP,
    )
    letter_title = fields.Char(
        translate=True,
        default=lambda self: self._get_default_texts()["letter_title"],
        help="Heading of the printed letter." + PLACEHOLDERS_HELP,
    )
    letter_intro = fields.Html(
        string="Letter Text Before the Invoices",
        translate=True,
        default=lambda self: self._get_default_texts()["letter_intro"],
        help="Opening of the letter, before the table of invoices." + PLACEHOLDERS_HELP,
    )
    letter_closing = fields.Html(
        string="Letter Text After the Invoices",
        translate=True,
        default=lambda self: self._get_default_texts()["letter_closing"],
        help="End of the letter, after the table of invoices and the total, "
        "before the payment details and the signature." + PLACEHOLDERS_HELP,
    )
    payment_deadline_days = fields.Integer(
        default=8,
        help="Days the client is given to pay, printed in the message (formal "
        "notice: 8 to 15 days).",
    )

    courtesy_min_days = fields.Integer(
        string="Courtesy Only If Sent Days Before Due",
        default=7,
        help="For a level on or before the due date (a courtesy notice): "
        "only invoices whose due date is at least this many days after the "
        "invoice was sent (its date, when Odoo never sent it) are reminded. "
        "A client who has just received an invoice is not reminded of it.",
    )

    def _get_company_move_refusal(self):
        # The ladder, the history and the invoices reached are the company's:
        # a level moved would leave them with another's ladder. Always, even
        # unused: the company's settings and the next run count on it.
        return self.env._(
            "A reminder level cannot move to another company: create the level "
            "in the other company's ladder instead."
        )

    def write(self, vals):
        check_values(self, vals, LEVEL_BOUNDS)
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, LEVEL_BOUNDS)
        return super().create(vals_list)

    def _update_field_translations(
        self, field_name, translations, digest=None, source_lang=None
    ):
        """Store the translations of the HTML texts sanitized, as Odoo stores
        their source text: Odoo keeps what ``update_field_translations`` (the
        web client's translation dialog, RPC) is given as it is, and a
        ``<script>`` in the French text would reach French clients."""
        result = super()._update_field_translations(
            field_name, translations, digest=digest, source_lang=source_lang
        )
        field = self._fields[field_name]
        if result and field.type == "html":
            self.flush_recordset([field_name])
            stored = field._get_stored_translations(self) or {}
            clean = {
                lang: html_sanitize(value, **HTML_SANITIZE_OPTIONS) if value else value
                for lang, value in stored.items()
            }
            if clean != stored:
                self.env.cache.update_raw(self, field, [clean], dirty=True)
                self.flush_recordset([field_name])
                self.invalidate_recordset([field_name])
        return result

    @api.constrains("days", "sequence", "company_id", "active")
    def _check_ladder_order(self):
        """A company's levels apply later and later as their sequence grows:
        the engine climbs them in sequence order, so a later level with fewer
        days would be sent before the one it follows, or never."""
        for company in self.company_id:
            ladder = self.sudo().search(
                [("company_id", "=", company.id)], order="sequence, days, id"
            )
            for previous, level in zip(ladder, ladder[1:], strict=False):
                if level.days <= previous.days:
                    raise ValidationError(
                        self.env._(
                            "The reminder levels of %(company)s must apply later as "
                            "their sequence grows: %(level)s (%(days)s days) comes "
                            "after %(previous)s (%(previous_days)s days). Change its "
                            "days or its place in the list.",
                            company=company.name,
                            level=level.name,
                            days=level.days,
                            previous=previous.name,
                            previous_days=previous.days,
                        )
                    )

    @api.constrains(*TEXT_FIELDS)
    def _check_placeholders(self):
        for level in self:
            for fname in TEXT_FIELDS:
                unknown = sorted(
                    set(PLACEHOLDER_PATTERN.findall(str(level[fname] or "")))
                    - set(PLACEHOLDERS)
                )
                if unknown:
                    raise ValidationError(
                        self.env._(
                            "The text %(field)s of the level %(level)s uses an "
                            "unknown placeholder: %(unknown)s. Use one of %(known)s.",
                            field=self._fields[fname].get_description(self.env)[
                                "string"
                            ],
                            level=level.name,
                            unknown=", ".join(f"{{{name}}}" for name in unknown),
                            known=", ".join(f"{{{name}}}" for name in PLACEHOLDERS),
                        )
                    )

    @api.model
    def _fill_placeholders(self, text, values, html=True):
        """``text`` with each known ``{name}`` replaced by ``values[name]``.

        An HTML ``text`` is sanitized here, as Odoo sanitizes an Html field on
        write: the translations of a level's texts are stored unsanitized by
        ``update_field_translations``, and what is rendered goes to clients.
        The values (client names, amounts) are escaped, so a client called
        ``<b>Acme</b>`` reads as such. Unknown names stay as they are.

        :param values: {placeholder: plain text}
        :param html: whether ``text`` is HTML (returns Markup) or plain text
        """
        if html and text:
            text = html_sanitize(str(text), **HTML_SANITIZE_OPTIONS)
        if not text:
            return Markup() if html else ""

        def replace(match):
            if match[1] not in values:
                return match[0]
            return escape(values[match[1]]) if html else str(values[match[1]])

        filled = PLACEHOLDER_PATTERN.sub(replace, str(text))
        return Markup(filled) if html else filled

    def _get_level_actions(self):
        """The actions the engine runs after sending, in order (pluggable)."""
        self.ensure_one()
        actions = []
        if self.penalty_invoice:
            actions.append("_dunning_action_penalty_invoice")
        if self.suspend_work:
            actions.append("_dunning_action_suspend_work")
        if self.blacklist_client:
            actions.append("_dunning_action_blacklist")
        if self.channel_phone:
            actions.append("_dunning_action_phone_call")
        return actions

    @api.model
    def _paragraphs(self, *paragraphs):
        """HTML paragraphs from the addon's own (translated) sentences."""
        return Markup("").join(
            Markup("<p>%s</p>") % Markup(paragraph)  # noqa: S704 - our own wording
            for paragraph in paragraphs
        )

    @api.model
    def _get_default_texts(self):
        """The wording of a level, in the context's language: what a new level
        starts with, and what the shipped levels share."""
        return {
            "email_subject": self.env._("{company}: {level} ({total})"),
            "email_intro": self._paragraphs(
                self.env._("Dear {client},"),
                self.env._(
                    "The invoices below remain unpaid. Please settle them before "
                    "<strong>{deadline}</strong>."
                ),
            ),
            "email_closing": self._paragraphs(
                self.env._(
                    'The invoices are attached. Each "Pay online" link works without '
                    "an account. If you have already paid, thank you, and please "
                    "ignore this message; if something is wrong with an invoice, just "
                    "reply to this email."
                ),
                self.env._("Kind regards,<br/>{company}"),
            ),
            "letter_title": self.env._("Payment reminder"),
            "letter_intro": self._paragraphs(
                self.env._(
                    "From <strong>{company}</strong> to <strong>{client}</strong>."
                ),
                self.env._(
                    "The invoices below remain unpaid. Please settle them before "
                    "<strong>{deadline}</strong>."
                ),
            ),
            # The law's terms for this client (professional or consumer),
            # filled in by the reminder: no sentence for the other kind.
            "letter_closing": self._paragraphs("{penalty_terms}"),
        }

    @api.model
    def _default_levels_values(self, company):
        """The shipped ladder (legal-rules: courteous, firm, suspension, formal
        notice, end of the relationship), with its wording in the context's
        language."""
        template = self.env.ref(
            "freelance_dunning.mail_template_dunning_reminder", raise_if_not_found=False
        )
        texts = self._get_default_texts()
        common = {
            **texts,
            "company_id": company.id,
            "mail_template_id": template.id if template else False,
        }
        dear = self.env._("Dear {client},")
        # A formal notice and the end of the relationship open as a letter does
        # ("Dear Sir or Madam," to a company), and never ask to ignore them.
        formal_closing = self._paragraphs(
            self.env._(
                "The invoices are attached. You can pay them online with the link "
                "of each invoice, or by bank transfer quoting the invoice numbers."
            ),
            self.env._("Yours faithfully,<br/>{company}"),
        )
        return [
            {
                **common,
                "sequence": 10,
                "name": self.env._("Courtesy notice"),
                "days": -3,
                "email_intro": self._paragraphs(
                    dear,
                    self.env._(
                        "A quick note: the invoices below fall due in the coming "
                        "days. If they are already on their way, please ignore this "
                        "message."
                    ),
                ),
            },
            {
                **common,
                "sequence": 20,
                "name": self.env._("Friendly reminder"),
                "days": 1,
                "email_intro": self._paragraphs(
                    dear,
                    self.env._(
                        "We have not received the payment of the invoices below yet. "
                        "It has probably slipped through the cracks, it happens to all "
                        "of us: here they are again, with a link to pay them online in "
                        "a few clicks."
                    ),
                ),
            },
            {
                **common,
                "sequence": 30,
                "name": self.env._("Firm reminder"),
                "days": 15,
                "add_penalties": True,
                "email_intro": self._paragraphs(
                    dear,
                    self.env._(
                        "Despite our previous reminder, the invoices below remain "
                        "unpaid. {penalty_terms} Please settle them without delay."
                    ),
                ),
            },
            {
                **common,
                "sequence": 40,
                "name": self.env._("Suspension notice"),
                "days": 30,
                "add_penalties": True,
                "suspend_work": True,
                "channel_phone": True,
                "email_intro": self._paragraphs(
                    dear,
                    self.env._(
                        "The invoices below remain unpaid despite our reminders. As "
                        "announced in our terms, we are suspending the work in "
                        "progress until they are paid."
                    ),
                ),
            },
            {
                **common,
                "sequence": 50,
                "name": self.env._("Formal notice"),
                "days": 45,
                "add_penalties": True,
                "channel_letter": True,
                "is_formal_notice": True,
                "needs_validation": True,
                "payment_deadline_days": 8,
                "email_closing": formal_closing,
                "email_intro": self._paragraphs(
                    "{salutation}",
                    self.env._(
                        "<strong>Formal notice (mise en demeure).</strong> Despite our "
                        "reminders, the invoices below remain unpaid. We hereby "
                        "formally require you to pay the amount below"
                        "{penalties_included} before <strong>{deadline}</strong>. "
                        "Failing payment by that date, we will start recovery "
                        "proceedings without further notice. {notice_effect}"
                    ),
                ),
                "letter_title": self.env._("Formal notice (mise en demeure)"),
                # How it is sent, as the level and the channels used say: never
                # "registered letter" for an email.
                "letter_intro": Markup('<p class="fst-italic">{sending_mode}</p>')
                + self._paragraphs(
                    self.env._(
                        "From <strong>{company}</strong> to <strong>{client}</strong>."
                    ),
                    "{salutation}",
                    self.env._(
                        "Despite our previous reminders, the invoices below remain "
                        "unpaid. We hereby formally require you to pay the total "
                        "amount due below{penalties_included} before "
                        "<strong>{deadline}</strong>. Failing payment by that date we "
                        "will start recovery proceedings (simplified recovery "
                        "procedure or injonction de payer) without further notice. "
                        "{notice_effect}"
                    ),
                ),
            },
            {
                **common,
                "sequence": 60,
                "name": self.env._("End of relationship"),
                "days": 60,
                "add_penalties": True,
                "penalty_invoice": True,
                "blacklist_client": True,
                "needs_validation": True,
                "email_closing": formal_closing,
                "email_intro": self._paragraphs(
                    "{salutation}",
                    self.env._(
                        "The invoices below remain unpaid despite our formal notice. "
                        "We are ending our business relationship and starting the "
                        "recovery of the amount due."
                    ),
                ),
            },
        ]

    @api.model
    def _get_shipped_translations(self, company, lang):
        """{field: {shipped English text or term: its translation in lang}}.

        Names, subjects and titles translate as a whole; the HTML texts term by
        term (paragraph by paragraph), as Odoo translates them.
        """
        source = self.with_context(lang="en_US")
        sources = [source._get_default_texts()] + source._default_levels_values(company)
        targets = [
            self.with_context(lang=lang)._get_default_texts()
        ] + self.with_context(lang=lang)._default_levels_values(company)
        dictionary = {fname: {} for fname in ("name", *TEXT_FIELDS)}
        for values, translated in zip(sources, targets, strict=True):
            for fname, terms in dictionary.items():
                if fname not in values:
                    continue
                field = self._fields[fname]
                if callable(field.translate):
                    # The terms of the stored (sanitized) value.
                    pairs = field.get_translation_dictionary(
                        field.convert_to_cache(values[fname], self),
                        {lang: field.convert_to_cache(translated[fname], self)},
                    )
                    terms.update(
                        {term: by_lang[lang] for term, by_lang in pairs.items()}
                    )
                else:
                    terms[values[fname]] = translated[fname]
        return dictionary

    def _translate_shipped_texts(self, langs):
        """Give the texts of these levels still worded as shipped their wording
        in ``langs`` (the paragraphs a user rewrote keep theirs)."""
        for company in self.company_id:
            levels = self.filtered(lambda lv, c=company: lv.company_id == c)
            for lang in langs:
                if lang == "en_US":
                    continue
                dictionary = self._get_shipped_translations(company, lang)
                for level in levels.with_context(lang="en_US"):
                    for fname, translations in dictionary.items():
                        field = self._fields[fname]
                        if callable(field.translate):
                            terms = {
                                term: translations[term]
                                for term in field.get_trans_terms(level[fname])
                                if term in translations
                            }
                            if terms:
                                level._update_field_translations(fname, {lang: terms})
                        elif level[fname] in translations:
                            level._update_field_translations(
                                fname, {lang: translations[level[fname]]}
                            )

    @api.model
    def _translate_default_levels(self, langs):
        """Give the levels still worded as shipped their wording in ``langs``."""
        # Every company's ladder, on purpose: a handful of rows per company.
        levels = self.with_context(active_test=False).search([])  # pylint: disable=no-search-all
        levels._translate_shipped_texts(langs)

    @api.model
    def _ensure_default_levels(self):
        """Every company has a reminder ladder (data file: each install and update).

        A database that had the addon before the levels existed, or companies
        created while it was not loaded, get the shipped ladder; a company that
        has levels (even archived ones) keeps them untouched.
        """
        # Every company, on purpose: a handful of rows, read once per update.
        companies = self.env["res.company"].search([])  # pylint: disable=no-search-all
        self._create_default_levels(companies)

    @api.model
    def _create_default_levels(self, companies):
        languages = [code for code, _name in self.env["res.lang"].get_installed()]
        for company in companies:
            if self.with_context(active_test=False).search_count(
                [("company_id", "=", company.id)]
            ):
                continue
            source = self.with_context(lang="en_US")
            levels = source.create(source._default_levels_values(company))
            levels._translate_shipped_texts(languages)
