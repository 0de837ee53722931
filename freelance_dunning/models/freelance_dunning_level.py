from odoo import api, fields, models
from odoo.exceptions import ValidationError


class FreelanceDunningLevel(models.Model):
    """One step of the escalation ladder, per company.

    ``days`` is counted from each receivable line's due date (negative: a
    courtesy notice before it). The actions a level takes are flags read by the
    dunning engine; bridges can add more (see ``_get_level_actions``).
    """

    _name = "freelance.dunning.level"
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
    tone = fields.Selection(
        selection=[
            ("courtesy", "Courtesy notice"),
            ("friendly", "Friendly reminder"),
            ("firm", "Firm reminder"),
            ("suspension", "Suspension notice"),
            ("formal_notice", "Formal notice"),
            ("final", "End of relationship"),
        ],
        required=True,
        default="friendly",
        help="The wording of the shipped email template and letter.",
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
        "fixed recovery indemnity.",
    )
    penalty_invoice = fields.Boolean(
        string="Issue Penalty Invoice",
        help="Invoice the late interest and the indemnity (no VAT).",
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
    payment_deadline_days = fields.Integer(
        default=8,
        help="Days the client is given to pay, printed in the message (formal "
        "notice: 8 to 15 days).",
    )

    @api.constrains("days", "payment_deadline_days")
    def _check_days(self):
        for level in self:
            if level.payment_deadline_days < 0:
                raise ValidationError(
                    self.env._("A payment deadline cannot be negative.")
                )
            # Beyond, the dates of the ladder leave the calendar.
            if level.payment_deadline_days > 365 or not -365 <= level.days <= 3650:
                raise ValidationError(
                    self.env._(
                        "A level applies from 365 days before to 3650 days after "
                        "the due date, with a payment deadline of at most 365 days."
                    )
                )

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
    def _default_levels_values(self, company):
        """The shipped ladder (legal-rules: courteous, firm, suspension, formal
        notice, end of the relationship)."""
        template = self.env.ref(
            "freelance_dunning.mail_template_dunning_reminder", raise_if_not_found=False
        )
        common = {
            "company_id": company.id,
            "mail_template_id": template.id if template else False,
        }
        return [
            {
                **common,
                "sequence": 10,
                "name": self.env._("Courtesy notice"),
                "days": -3,
                "tone": "courtesy",
            },
            {
                **common,
                "sequence": 20,
                "name": self.env._("Friendly reminder"),
                "days": 1,
                "tone": "friendly",
            },
            {
                **common,
                "sequence": 30,
                "name": self.env._("Firm reminder"),
                "days": 15,
                "tone": "firm",
                "add_penalties": True,
            },
            {
                **common,
                "sequence": 40,
                "name": self.env._("Suspension notice"),
                "days": 30,
                "tone": "suspension",
                "add_penalties": True,
                "suspend_work": True,
                "channel_phone": True,
            },
            {
                **common,
                "sequence": 50,
                "name": self.env._("Formal notice"),
                "days": 45,
                "tone": "formal_notice",
                "add_penalties": True,
                "channel_letter": True,
                "is_formal_notice": True,
                "needs_validation": True,
                "payment_deadline_days": 8,
            },
            {
                **common,
                "sequence": 60,
                "name": self.env._("End of relationship"),
                "days": 60,
                "tone": "final",
                "add_penalties": True,
                "penalty_invoice": True,
                "blacklist_client": True,
                "needs_validation": True,
            },
        ]

    @api.model
    def _translate_default_levels(self, langs):
        """Give the levels still named as shipped their name in ``langs``."""
        # Only the shipped tones can carry a shipped name.
        levels = self.with_context(active_test=False, lang="en_US").search(
            [("tone", "!=", False)]
        )
        for company in levels.company_id:
            source = {
                values["tone"]: values["name"]
                for values in self.with_context(lang="en_US")._default_levels_values(
                    company
                )
            }
            for lang in langs:
                if lang == "en_US":
                    continue
                translated = {
                    values["tone"]: values["name"]
                    for values in self.with_context(lang=lang)._default_levels_values(
                        company
                    )
                }
                for level in levels.filtered(lambda lv, c=company: lv.company_id == c):
                    if level.name == source.get(level.tone):
                        level.with_context(lang=lang).name = translated[level.tone]

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
            for lang in languages:
                if lang == "en_US":
                    continue
                translated = self.with_context(lang=lang)._default_levels_values(
                    company
                )
                for level, values in zip(levels, translated, strict=True):
                    level.with_context(lang=lang).name = values["name"]
