import re
from datetime import date, timedelta

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import consteq
from odoo.tools.misc import hmac

from .cursor_permission import cursor_permission, has_cursor_permission

USER_GROUP = "freelance_dunning.group_dunning_user"
MANAGER_GROUP = "freelance_dunning.group_dunning_manager"


def is_dunning_manager(env):
    """Whether the environment may take a dunning manager's decisions."""
    return env.su or env.user.has_group(MANAGER_GROUP)


def is_dunning_user(env):
    """Whether the environment may handle deposits, signatures and pauses."""
    return env.su or env.user.has_group(USER_GROUP)


BLACKLIST_REASONS = [
    ("late_payer", "Chronic late payer"),
    ("disputes", "Disputes expertise"),
    ("scope", "Ignores time and scope"),
    ("other", "Other"),
]
# Companies whose blacklist _write_client_blacklist is writing.
BLACKLIST_WRITING = "freelance_dunning.client_blacklist_writing"
BLACKLIST_FIELDS = {
    "client_blacklisted",
    "client_blacklist_reason",
    "client_blacklist_note",
    "client_blacklist_date",
    "client_blacklist_user_id",
}


# Clients whose reminders _postpone_dunning is postponing (on the cursor).
CLIENT_POSTPONING = "freelance_dunning.client_postponing"
POSTPONE_FIELDS = {"dunning_postpone_until"}

# The signed link of the client's page (issue 21): one token per client and
# company, with an expiry, that opens that page only. A token reads
# ``<client id>-<company id>-<valid until YYYYMMDD>-<signature>``; the
# signature is an HMAC of the three values with the database's secret
# (``odoo.tools.misc.hmac``): changing any of them, or the secret, makes the
# token worthless. Nothing is stored.
CLIENT_PAGE_SCOPE = "freelance_dunning.client_page"
# How long a link sent today keeps opening the page.
CLIENT_PAGE_VALIDITY_DAYS = 90
CLIENT_PAGE_TOKEN = re.compile(r"^(\d{1,12})-(\d{1,12})-(\d{8})-([0-9a-f]{64})$")

# Who may read why, when and by whom a client was blacklisted: not the
# client itself through the portal.
INTERNAL_GROUP = "base.group_user"

# Where the law differs between a business and a consumer (legal-rules.md,
# section 1 and 7): late interest before the formal notice, the 40 EUR
# indemnity, the printed terms, the payment-term warning.
CLIENT_STATUSES = [
    ("professional", "Professional"),
    ("consumer", "Consumer"),
]
CLIENT_STATUS_FIELDS = {"client_status", "client_status_decided"}


def _client_status_depends(model):
    """What points to a professional: l10n_fr's SIRET too, when installed."""
    names = ["is_company", "vat", "company_registry"]
    if "siret" in model._fields:
        names.append("siret")
    return names


def _client_status_compute_depends(model):
    """The evidence, and the manager's decision: lifting it goes back to the
    status the evidence gives."""
    return [*_client_status_depends(model), "client_status_decided"]


class ResPartner(models.Model):
    _inherit = "res.partner"

    # The deposit terms and the blacklist are each company's decision about a
    # client: company-dependent (one value per company, a jsonb column), so a
    # manager of company B never changes what company A does.
    deposit_policy = fields.Selection(
        selection=[
            ("company", "Company default"),
            ("schedule", "Own payment schedule"),
            ("exempt", "No deposit"),
        ],
        default="company",
        company_dependent=True,
        tracking=True,
        help="Company default: the company's deposit rule applies. Own payment "
        "schedule: e.g. 100% upfront for a new or risky client. No deposit: only a "
        "dunning manager may exempt a client.",
    )
    payment_schedule_id = fields.Many2one(
        comodel_name="freelance.payment.schedule",
        string="Client Payment Schedule",
        company_dependent=True,
        check_company=True,
        tracking=True,
        help="Schedule used on this client's quotations instead of the company's.",
    )

    # Not Odoo's is_blacklisted (the email opt-out list): a client we refuse
    # to work for on credit again. Written only by _write_client_blacklist.
    client_blacklisted = fields.Boolean(
        string="Blacklisted Client",
        company_dependent=True,
        copy=False,
        tracking=True,
        help="A client the company no longer works for on the same terms. Set and "
        "lifted by a dunning manager.",
    )
    client_blacklist_reason = fields.Selection(
        selection=BLACKLIST_REASONS,
        string="Blacklist Reason",
        company_dependent=True,
        copy=False,
        tracking=True,
        groups=INTERNAL_GROUP,
    )
    client_blacklist_note = fields.Text(
        string="Blacklist Note",
        company_dependent=True,
        copy=False,
        groups=INTERNAL_GROUP,
    )
    client_blacklist_date = fields.Date(
        string="Blacklisted On",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=INTERNAL_GROUP,
    )
    client_blacklist_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Blacklisted By",
        company_dependent=True,
        copy=False,
        readonly=True,
        groups=INTERNAL_GROUP,
    )
    client_blacklist_proposed = fields.Boolean(
        string="Proposed for Blacklist",
        compute="_compute_client_blacklist_proposed",
        search="_search_client_blacklist_proposed",
        help="The client reached the company's proposal level as many times as set "
        "in the settings.",
    )

    # Every reminder of the client waits until this date, in this company:
    # written by _postpone_dunning only.
    dunning_postpone_until = fields.Date(
        string="Reminders Postponed Until",
        company_dependent=True,
        copy=False,
        readonly=True,
        help="No reminder for any invoice of this client until this date "
        "(included); they resume by themselves the day after.",
    )

    # Business or consumer: a sole trader (entrepreneur individuel) is a
    # professional although Odoo's is_company is off. Follows the evidence
    # (company, VAT number, company registry, SIRET) until a dunning manager
    # decides; then only a dunning manager changes it.
    client_status = fields.Selection(
        selection=CLIENT_STATUSES,
        compute="_compute_client_status",
        store=True,
        readonly=False,
        # A copy is a new client: its status follows its own evidence until
        # a dunning manager decides (the decision is not copied either).
        copy=False,
        tracking=True,
        help="Professional: late interest from the day after the due date and the "
        "fixed recovery indemnity; consumer: late interest at the legal rate from "
        "the formal notice only, no indemnity. Professional by default for a "
        "company or a client with a VAT number or a company registry number; "
        "only a dunning manager may change it.",
    )
    client_status_decided = fields.Boolean(
        string="Client Status Set by a Manager",
        copy=False,
        readonly=True,
        help="A dunning manager chose the status: it no longer follows the VAT "
        "number and the company registry number.",
    )

    @api.depends(_client_status_compute_depends)
    def _compute_client_status(self):
        for partner in self:
            if partner.client_status_decided and partner.client_status:
                continue
            partner.client_status = partner._get_default_client_status()

    def _get_default_client_status(self, vals=None):
        """The status the evidence points to: professional for a company or a
        client with a VAT number ("/" means none), a company registry number
        or a SIRET; consumer otherwise. ``vals``: values about to be written,
        read before the record's own."""
        self.ensure_one()
        vals = vals or {}

        def value(name):
            if name not in self._fields:
                return False
            return vals[name] if name in vals else self[name]

        vat = (value("vat") or "").strip()
        professional = (
            value("is_company")
            or (vat and vat != "/")
            or (value("company_registry") or "").strip()
            or (value("siret") or "").strip()
        )
        return "professional" if professional else "consumer"

    def _is_professional_client(self):
        """Whether the client (its commercial entity) is a professional: the
        one question the engine, the printed terms and the payment-term
        warning ask. No partner: no professional."""
        if len(self) > 1:
            self.ensure_one()
        return self.commercial_partner_id.client_status == "professional"

    def _is_client_status_decision(self, vals):
        """Whether a dunning manager's write of ``client_status`` decides it.

        Always, except when the same write changes what points to a
        professional (VAT number, company registry, company, SIRET) and the
        status is the one that new evidence gives to every record: that is a
        form saving the status it recomputed, not a choice."""
        if not set(_client_status_depends(self)) & set(vals):
            return True
        return any(
            vals["client_status"] != partner._get_default_client_status(vals)
            for partner in self
        )

    def _check_client_status_vals(self, vals):
        """Only a dunning manager decides a client's status.

        Anyone else may only send the status the evidence points to (a form
        sends the value it computed), never flag it as decided. On an empty
        recordset (create, copy) ``vals`` are the new client's, defaults
        included: a new client is never created decided. A refused call
        changes nothing: checked before the write.
        """
        if not CLIENT_STATUS_FIELDS & set(vals) or is_dunning_manager(self.env):
            return
        if self:
            refused = "client_status_decided" in vals and any(
                bool(vals["client_status_decided"]) != partner.client_status_decided
                for partner in self
            )
        else:
            refused = bool(vals.get("client_status_decided"))
        if "client_status" in vals:
            for partner in self or [self.browse()]:
                if partner and partner.client_status_decided:
                    expected = partner.client_status
                else:
                    expected = (partner or self.new({}))._get_default_client_status(
                        vals
                    )
                if vals["client_status"] != expected:
                    refused = True
        if refused:
            raise AccessError(
                self.env._(
                    "Only a dunning manager may set whether a client is a "
                    "professional or a consumer (%(partners)s): the status "
                    "otherwise follows the company, VAT number and company "
                    "registry number.",
                    partners=", ".join(self.mapped("display_name"))
                    or vals.get("name")
                    or "",
                )
            )

    @api.model
    def _commercial_fields(self):
        # Contacts follow their company's deposit terms and blacklist, like the
        # payment terms (Odoo syncs company-dependent ones in every company).
        return super()._commercial_fields() + [
            "deposit_policy",
            "payment_schedule_id",
            *sorted(BLACKLIST_FIELDS),
        ]

    def _get_client_terms(self, company):
        """The commercial partner as company ``company`` sees it: its deposit
        terms and blacklist there. Read with full rights (the rules need the
        reason and the note whoever asks); never returned to a caller."""
        return self.commercial_partner_id.sudo().with_company(company)

    @api.constrains("deposit_policy", "payment_schedule_id")
    def _check_deposit_policy(self):
        for partner in self:
            if partner.deposit_policy == "schedule" and not partner.payment_schedule_id:
                raise ValidationError(
                    self.env._(
                        "Choose the payment schedule of %(partner)s, or set its "
                        "deposit "
                        "policy back to the company default.",
                        partner=partner.display_name,
                    )
                )

    def _deposit_terms_lowered(self):
        """Return the partners whose deposit terms are softer than their company's.

        Exempting a client, or giving it a schedule whose deposit is below its
        company's default, is a decision reserved to dunning managers. Read in
        the current company: the one whose terms are being written.
        """
        return self.filtered(
            lambda p: (
                p.deposit_policy == "exempt"
                or (
                    p.deposit_policy == "schedule"
                    and p.payment_schedule_id.deposit_percent
                    < p.payment_schedule_id.company_id.deposit_percent
                )
            )
        )

    def _check_deposit_rights(self):
        if is_dunning_manager(self.env):
            return
        # Contacts receive these fields from their company through Odoo's
        # commercial sync: only the company's own terms are a decision.
        lowered = self.filtered(
            lambda p: p.commercial_partner_id == p
        )._deposit_terms_lowered()
        if lowered:
            raise AccessError(
                self.env._(
                    "Only a dunning manager may exempt a client from the deposit or "
                    "lower it below the company default (%(partners)s).",
                    partners=", ".join(lowered.mapped("display_name")),
                )
            )

    @api.model_create_multi
    def create(self, vals_list):
        if self.env.context.get("default_dunning_postpone_until") or any(
            vals.get("dunning_postpone_until") for vals in vals_list
        ):
            self._raise_postpone_write()
        for vals in vals_list:
            self._check_blacklist_vals_on_create(vals)
            if not is_dunning_manager(self.env):
                # Defaults count too (default_client_status_decided or
                # default_is_company context keys, user defaults): checked
                # on what the new client would get.
                missing = [
                    name
                    for name in (*CLIENT_STATUS_FIELDS, *_client_status_depends(self))
                    if name not in vals
                ]
                self.browse()._check_client_status_vals(
                    {**self.default_get(missing), **vals}
                )
            if "client_status" in vals and is_dunning_manager(self.env):
                vals.setdefault(
                    "client_status_decided",
                    vals["client_status"]
                    != self.new({})._get_default_client_status(vals),
                )
        partners = super().create(vals_list)
        partners.filtered(
            lambda p: p.deposit_policy not in (False, "company")
        )._check_deposit_rights()
        return partners

    def write(self, vals):
        if POSTPONE_FIELDS & set(vals) and not has_cursor_permission(
            self.env, CLIENT_POSTPONING, self.ids
        ):
            self._raise_postpone_write()
        if (
            BLACKLIST_FIELDS & set(vals)
            and not self._is_writing_client_blacklist()
            and not self._is_blacklist_copy_of_company(vals)
        ):
            self._raise_blacklist_write()
        if CLIENT_STATUS_FIELDS & set(vals):
            self._check_client_status_vals(vals)
            if (
                "client_status" in vals
                and "client_status_decided" not in vals
                and is_dunning_manager(self.env)
                and self._is_client_status_decision(vals)
            ):
                # A dunning manager's choice, even the status the evidence
                # already gives (a sole trader confirmed professional): it
                # holds whatever the VAT number becomes.
                vals = {**vals, "client_status_decided": True}
        if {"parent_id", "is_company"} & set(vals):
            # Odoo's refusal first: the blacklist's is no answer to give a
            # user who may not edit the contact (a portal client about itself).
            self.check_access("write")
            self._check_blacklist_stays(vals)
        result = super().write(vals)
        if {"deposit_policy", "payment_schedule_id"} & set(vals):
            self._check_deposit_rights()
        return result

    # Blacklisted clients flagged in a client dropdown ----------------------

    @api.depends_context("freelance_flag_blacklisted", "company")
    def _compute_display_name(self):
        """With the context key ``freelance_flag_blacklisted`` (a quotation's
        client field), a client blacklisted in the current company reads
        "Name (blacklisted)": seen in the dropdown before the quotation is
        filled. The key changes the name shown, nothing else."""
        super()._compute_display_name()
        if not self.env.context.get("freelance_flag_blacklisted"):
            return
        company = self.env.company
        flagged = (
            self.sudo()
            .with_company(company)
            .commercial_partner_id.filtered("client_blacklisted")
        )
        if not flagged:
            return
        mark = self.env._("(blacklisted)")
        for partner in self:
            if partner.commercial_partner_id in flagged and partner.display_name:
                first, sep, rest = partner.display_name.partition("\n")
                partner.display_name = f"{first} {mark}{sep}{rest}"

    # Reminders postponed per client ---------------------------------------

    def _raise_postpone_write(self):
        self.check_access("write")
        raise AccessError(
            self.env._(
                "A client's reminders are postponed with the Postpone Client "
                "button of a payment reminder only: the date cannot be written "
                "directly."
            )
        )

    def _postpone_dunning(self, until, note=None, company=None):
        """Postpone every reminder of these clients (their companies) until a
        date, in ``company`` (default: the current one); logged on the client.

        The right is the one pausing an invoice's reminders: a dunning user of
        the company, who sees the client.

        :param until: the last day without reminders (after today), or False
            to resume them now
        :param note: what was said or agreed, kept in the chatter
        """
        if not is_dunning_user(self.env):
            raise AccessError(
                self.env._(
                    "Only a dunning user may postpone the reminders of a client "
                    "or resume them."
                )
            )
        company = company or self.env.company
        if not self.env.su and company not in self.env.user.company_ids:
            raise AccessError(
                self.env._(
                    "You do not work for %(company)s: its own dunning users "
                    "postpone its reminders.",
                    company=company.name,
                )
            )
        self.check_access("read")
        until = fields.Date.to_date(until) if until else False
        if until and until <= fields.Date.context_today(self):
            raise UserError(
                self.env._("A postponement needs an end date in the future.")
            )
        if until and until > fields.Date.add(fields.Date.context_today(self), years=1):
            raise UserError(
                self.env._(
                    "Postpone the reminders for a year at most: blacklist the "
                    "client or settle its invoices instead."
                )
            )
        clients = self.commercial_partner_id
        with cursor_permission(self.env, CLIENT_POSTPONING, clients.ids):
            clients.sudo().with_company(company).write(
                {"dunning_postpone_until": until}
            )
        for client in clients:
            body = (
                self.env._(
                    "Reminders of %(company)s postponed until %(date)s by "
                    "%(user)s. %(note)s",
                    company=company.name,
                    date=fields.Date.to_string(until),
                    user=self.env.user.name,
                    note=note or "",
                )
                if until
                else self.env._(
                    "Reminders of %(company)s resumed by %(user)s.",
                    company=company.name,
                    user=self.env.user.name,
                )
            )
            client.sudo().message_post(
                body=body,
                subtype_xmlid="mail.mt_note",
                author_id=self.env.user.partner_id.id,
            )
        return True

    # Client blacklist -----------------------------------------------------

    def _raise_blacklist_write(self):
        raise AccessError(
            self.env._(
                "A client's blacklist is set and lifted only with the Blacklist "
                "and Lift Blacklist buttons of the client, by a dunning manager: "
                "its fields cannot be written directly."
            )
        )

    def _check_blacklist_vals_on_create(self, vals):
        """A new partner starts with no blacklist, or its company's.

        Odoo's commercial sync gives a new contact its company's blacklist
        after the creation; values sent with the creation may only repeat them
        (a form sends them), never invent one.
        """
        keys = BLACKLIST_FIELDS & set(vals)
        if not keys:
            return
        parent = self.browse(vals.get("parent_id") or ())
        company = parent.commercial_partner_id.sudo()
        for key in keys:
            field = self._fields[key]
            value = field.convert_to_cache(vals[key], self.browse(), validate=False)
            expected = (
                field.convert_to_cache(company[key], company, validate=False)
                if company and not vals.get("is_company")
                else field.convert_to_cache(False, self.browse(), validate=False)
            )
            if value != expected:
                self._raise_blacklist_write()

    def _is_writing_client_blacklist(self):
        """Whether _write_client_blacklist is writing these partners.

        The mark is on the cursor, where no caller over RPC reaches (unlike a
        context key).
        """
        writing = self.env.cr.cache.get(BLACKLIST_WRITING, ())
        return all(partner_id in writing for partner_id in self.ids)

    def _is_blacklist_copy_of_company(self, vals):
        """Whether this write only gives contacts their company's blacklist.

        Odoo's commercial sync copies the company's blacklist to its contacts
        (on creation, on a change of company, after the company's own change),
        in each company: the values are the company's already, so the write
        decides nothing.
        """
        if "parent_id" in vals or "is_company" in vals:
            return False
        for partner in self.sudo():
            company = partner.commercial_partner_id
            if company == partner:
                return False
            for key in BLACKLIST_FIELDS & set(vals):
                field = self._fields[key]
                if field.convert_to_cache(
                    vals[key], partner, validate=False
                ) != field.convert_to_cache(company[key], company, validate=False):
                    return False
        return True

    def _get_client_blacklist_companies(self):
        """The companies in which these partners are blacklisted."""
        # Archived companies too: their blacklist comes back with them.
        companies = (
            self.env["res.company"]
            .sudo()
            .with_context(active_test=False)
            .search([("active", "in", (True, False))])
        )
        return companies.filtered(
            lambda c: any(self.sudo().with_company(c).mapped("client_blacklisted"))
        )

    def _check_blacklist_stays(self, vals):
        """Refuse to make a blacklisted client a contact of another company.

        Its commercial entity would change, and Odoo's commercial sync would
        give it the new company's terms: the blacklist would be lifted with no
        reason and by anyone who may edit contacts. A dunning manager lifts it
        first, then changes the company.
        """
        for partner in self:
            if partner.commercial_partner_id != partner:
                continue
            is_company = vals.get("is_company", partner.is_company)
            parent = (
                self.browse(vals["parent_id"] or ())
                if "parent_id" in vals
                else partner.parent_id
            )
            if is_company or not parent:
                continue
            companies = partner._get_client_blacklist_companies()
            if companies:
                raise UserError(
                    self.env._(
                        "%(client)s is blacklisted (%(companies)s): a dunning "
                        "manager must lift its blacklist, with a reason, before it "
                        "becomes a contact of another company.",
                        client=partner.display_name,
                        companies=", ".join(companies.mapped("name")),
                    )
                )

    def _get_blacklist_target_companies(self, companies=None):
        """The companies a blacklist decision applies to: the current one, or
        ``companies`` (ids or records) for a multi-company manager sharing it."""
        if companies is None:
            return self.env.company
        if isinstance(companies, models.BaseModel):
            companies = companies.ids
        elif isinstance(companies, int):
            companies = [companies]
        return self.env["res.company"].sudo().browse(companies).exists()

    def _check_blacklist_rights(self, companies=None):
        """A dunning manager of every company concerned, who sees the clients."""
        if not is_dunning_manager(self.env):
            raise AccessError(
                self.env._("Only a dunning manager may blacklist a client or lift it.")
            )
        companies = self._get_blacklist_target_companies(companies)
        if not companies:
            raise UserError(self.env._("Choose the companies of the blacklist."))
        if not self.env.su:
            foreign = companies - self.env.user.company_ids
            if foreign:
                raise AccessError(
                    self.env._(
                        "You are no dunning manager of %(companies)s: only their "
                        "own managers decide their blacklist.",
                        companies=", ".join(foreign.mapped("name")),
                    )
                )
        # The manager must see the clients: no blacklisting across companies.
        self.check_access("read")
        return companies

    def _write_client_blacklist(self, vals, company):
        """Write the blacklist fields of these companies (commercial partners)
        in ``company``; Odoo syncs their contacts.

        The dunning manager's right, whoever may edit contacts: callers check
        it first. Written past this model's write() rules: the partners are
        marked on the cursor for the write.
        """
        writing = self.env.cr.cache.setdefault(BLACKLIST_WRITING, set())
        added = set(self.ids) - writing
        writing.update(added)
        try:
            return self.sudo().with_company(company).write(vals)
        finally:
            writing.difference_update(added)

    def _set_client_blacklist(self, reason, note=None, companies=None):
        """Blacklist these clients (their companies) for a reason; log it.

        :param reason: a key of BLACKLIST_REASONS
        :param note: what happened, kept on the client
        :param companies: the companies that blacklist the client (default: the
            current one); the caller must be a dunning manager of each
        """
        companies = self._check_blacklist_rights(companies)
        reasons = dict(
            self._fields["client_blacklist_reason"]._description_selection(self.env)
        )
        if not reason:
            raise UserError(self.env._("Choose why the client is blacklisted."))
        if reason not in reasons:
            raise UserError(
                self.env._(
                    "%(reason)s is not a blacklist reason: choose one of %(reasons)s.",
                    reason=reason,
                    reasons=", ".join(reasons.values()),
                )
            )
        clients = self.commercial_partner_id
        for company in companies:
            newly = (
                clients.sudo()
                .with_company(company)
                .filtered(lambda p: not p.client_blacklisted)
            )
            clients._write_client_blacklist(
                {
                    "client_blacklisted": True,
                    "client_blacklist_reason": reason,
                    "client_blacklist_note": note or False,
                    "client_blacklist_date": fields.Date.context_today(self),
                    "client_blacklist_user_id": self.env.uid,
                },
                company,
            )
            for partner in newly:
                partner.message_post(
                    body=self.env._(
                        "Blacklisted by %(user)s (%(reason)s) for %(company)s. "
                        "%(note)s",
                        user=self.env.user.name,
                        reason=reasons[reason],
                        company=company.name,
                        note=note or "",
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        return True

    def _lift_client_blacklist(self, reason, companies=None):
        """Lift the blacklist of these clients (their companies), with a reason.

        :param reason: why the company works with the client again (text)
        :param companies: the companies that lift it (default: the current
            one); the caller must be a dunning manager of each
        """
        companies = self._check_blacklist_rights(companies)
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Write down why the blacklist is lifted."))
        for company in companies:
            clients = (
                self.commercial_partner_id.sudo()
                .with_company(company)
                .filtered("client_blacklisted")
            )
            clients._write_client_blacklist(
                {
                    "client_blacklisted": False,
                    "client_blacklist_reason": False,
                    "client_blacklist_note": False,
                    "client_blacklist_date": False,
                    "client_blacklist_user_id": False,
                },
                company,
            )
            for partner in clients:
                partner.message_post(
                    body=self.env._(
                        "Blacklist lifted by %(user)s: %(reason)s (%(company)s)",
                        user=self.env.user.name,
                        reason=reason,
                        company=company.name,
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        return True

    def _dunning_blacklist(self, level):
        """Dunning level action: blacklist the client as a chronic late payer,
        in the level's company."""
        company = level.company_id
        for partner in (
            self.commercial_partner_id.sudo()
            .with_company(company)
            .filtered(lambda p: not p.client_blacklisted)
        ):
            partner._set_client_blacklist(
                "late_payer",
                self.env._("Reached the reminder level %(level)s.", level=level.name),
                companies=company,
            )

    def _get_blacklist_proposal(self):
        """{commercial partner id: times it reached the company's proposal level}."""
        company = self.env.company
        level = company.blacklist_proposal_level_id
        if not level:
            return {}
        groups = (
            self.env["freelance.dunning.reminder.line"]
            .sudo()
            ._read_group(
                [
                    ("level_id", "=", level.id),
                    ("state", "=", "sent"),
                    ("channel", "=", "email"),
                ],
                ["partner_id"],
                ["__count"],
            )
        )
        return {
            partner.id: count
            for partner, count in groups
            if count >= max(company.blacklist_proposal_count, 1)
        }

    @api.depends("client_blacklisted")
    @api.depends_context("company")
    def _compute_client_blacklist_proposed(self):
        proposed = self._get_blacklist_proposal()
        for partner in self:
            partner.client_blacklist_proposed = (
                not partner.client_blacklisted
                and partner.commercial_partner_id.id in proposed
            )

    def _search_client_blacklist_proposed(self, operator, value):
        if operator not in ("=", "!=") or not isinstance(value, bool):
            raise UserError(self.env._("Unsupported search on the blacklist proposal."))
        ids = list(self._get_blacklist_proposal())
        positive = (operator == "=") == value
        if positive:
            return [("id", "in", ids), ("client_blacklisted", "=", False)]
        return ["|", ("id", "not in", ids), ("client_blacklisted", "=", True)]

    def action_open_client_blacklist(self):
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Blacklist"),
            "res_model": "freelance.client.blacklist.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_partner_id": self.commercial_partner_id.id,
                "default_lift": self.commercial_partner_id.client_blacklisted,
            },
        }

    def _get_running_orders(self):
        """Confirmed orders of these clients (and their contacts) still in progress."""
        return self.env["sale.order"].search(
            [
                ("partner_id", "child_of", self.commercial_partner_id.ids),
                ("state", "=", "sale"),
                ("locked", "=", False),
            ]
        )

    def _suspend_work(self, reason):
        """Close the work gate of every running order of these clients.

        Used by the dunning levels that suspend a client; returns the orders
        that were suspended by this call.
        """
        return self._get_running_orders()._suspend_work(reason)

    def _resume_work(self, reason):
        """Reopen the work gate of the suspended running orders of these clients."""
        return self._get_running_orders()._resume_work(reason)

    # Dunning summary ------------------------------------------------------

    dunning_level_id = fields.Many2one(
        comodel_name="freelance.dunning.level",
        string="Highest Reminder Level",
        compute="_compute_dunning_summary",
    )
    dunning_amount_overdue = fields.Monetary(
        string="Total Overdue",
        compute="_compute_dunning_summary",
        currency_field="currency_id",
    )
    dunning_days_late = fields.Integer(
        string="Oldest Days Late", compute="_compute_dunning_summary"
    )
    dunning_event_count = fields.Integer(compute="_compute_dunning_summary")

    def _compute_dunning_summary(self):
        today = fields.Date.context_today(self)
        company = self.env.company
        partners = self.commercial_partner_id
        # The overdue invoices the reminders chase (not the penalty invoices),
        # net of the client's open credit notes and unreconciled payments
        # imputed as the reminders impute them: the oldest debts first, per
        # currency and receivable account (freelance.dunning.engine).
        engine = self.env["freelance.dunning.engine"]
        overdue_lines = self.env["account.move.line"].search(
            [
                *engine._open_receivable_domain(company),
                ("partner_id", "child_of", partners.ids),
                ("date_maturity", "<", today),
                ("move_id.dunning_penalty_invoice", "=", False),
            ]
        )
        imputed, _net = engine._get_open_credits(company, overdue_lines)
        summary = {}
        for line in overdue_lines:
            key = line.partner_id.commercial_partner_id.id
            credited = sum(amount for _date, amount in imputed.get(line.id, []))
            owed = line.amount_residual
            if credited and line.amount_residual_currency:
                owed *= 1 - credited / line.amount_residual_currency
            if company.currency_id.compare_amounts(owed, 0) <= 0:
                continue  # paid by the client's credits: not late
            total, first, levels = summary.get(key, (0.0, line.date_maturity, []))
            summary[key] = (
                total + owed,
                min(first, line.date_maturity),
                levels + [line.dunning_level_id.id],
            )
        events = dict(
            self.env["freelance.dunning.reminder.line"]._read_group(
                [("partner_id", "in", partners.ids)], ["partner_id"], ["__count"]
            )
        )
        Level = self.env["freelance.dunning.level"]
        for partner in self:
            total, oldest, level_ids = summary.get(
                partner.commercial_partner_id.id, (0.0, None, [])
            )
            levels = Level.browse({i for i in level_ids if i})
            partner.dunning_amount_overdue = company.currency_id.round(total)
            partner.dunning_days_late = (today - oldest).days if oldest else 0
            partner.dunning_level_id = levels.sorted("sequence")[-1:]
            partner.dunning_event_count = events.get(partner.commercial_partner_id, 0)

    def action_invoice_late_payment_penalties(self):
        """Invoice the late interest and indemnity of the clients' invoices
        paid late in the current company, not billed yet: one penalty invoice
        per client and currency (a dunning manager's)."""
        if not is_dunning_manager(self.env):
            raise AccessError(
                self.env._("Only a dunning manager may invoice late payment penalties.")
            )
        company = self.env.company
        Move = self.env["account.move"]
        penalties, skipped = Move, []
        for client in self.commercial_partner_id:
            by_currency = {}
            for claim in Move._get_late_payment_claims(
                client, company, skipped=skipped
            ):
                by_currency.setdefault(claim["line"].currency_id, []).append(claim)
            for currency, claims in by_currency.items():
                penalties |= Move._create_penalty_invoice(
                    client, company, currency, claims
                )
        left_out = skipped and Move._describe_penalties_skipped(skipped)
        if not penalties and left_out:
            raise UserError(left_out)
        if not penalties:
            raise UserError(
                self.env._(
                    "No late payment penalty to invoice for %(clients)s in "
                    "%(company)s: their invoices were paid on time, or their late "
                    "interest and indemnity are already invoiced.",
                    clients=", ".join(self.commercial_partner_id.mapped("name")),
                    company=company.name,
                )
            )
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "account.action_move_out_invoice_type"
        )
        action["domain"] = [("id", "in", penalties.ids)]
        action["context"] = {"default_move_type": "out_invoice"}
        if not left_out:
            return action
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "warning",
                "sticky": True,
                "message": left_out,
                "next": action,
            },
        }

    def action_view_dunning_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "freelance_dunning.freelance_dunning_reminder_line_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action

    # The client's page (issue 21) --------------------------------------------
    def _freelance_client_page_signature(self, company_id, valid_until):
        return hmac(
            self.env(su=True),
            CLIENT_PAGE_SCOPE,
            (self.id, company_id, valid_until.strftime("%Y%m%d")),
        )

    def _freelance_client_page_token(self, company, valid_until=None):
        """The token of this client's page with ``company``, valid until
        ``valid_until`` (default: today + CLIENT_PAGE_VALIDITY_DAYS)."""
        self.ensure_one()
        company.ensure_one()
        client = self.commercial_partner_id
        valid_until = valid_until or (
            fields.Date.context_today(self) + timedelta(days=CLIENT_PAGE_VALIDITY_DAYS)
        )
        signature = client._freelance_client_page_signature(company.id, valid_until)
        return f"{client.id}-{company.id}-{valid_until:%Y%m%d}-{signature}"

    def _freelance_client_page_from_token(self, token):
        """(client, company, valid_until) of a valid token, as superuser
        records; (empty partner, empty company, None) for anything else: a
        malformed, forged or expired token, or a client or company gone."""
        nothing = (self.browse().sudo(), self.env["res.company"].sudo(), None)
        match = CLIENT_PAGE_TOKEN.match(token or "")
        if not match:
            return nothing
        client_id, company_id, until, signature = match.groups()
        try:
            valid_until = date(int(until[:4]), int(until[4:6]), int(until[6:]))
        except ValueError:
            return nothing
        client = self.sudo().browse(int(client_id)).exists()
        company = self.env["res.company"].sudo().browse(int(company_id)).exists()
        if not client or not company:
            return nothing
        expected = client._freelance_client_page_signature(company.id, valid_until)
        if not consteq(expected, signature):
            return nothing
        if valid_until < fields.Date.context_today(client):
            return nothing
        if client != client.commercial_partner_id:
            return nothing
        return client, company, valid_until

    # ------------------------------------------------------------------
    # Promises to pay and disputes (issue 21)
    # ------------------------------------------------------------------

    dunning_promise_ids = fields.One2many(
        comodel_name="freelance.dunning.promise",
        inverse_name="partner_id",
        string="Promises to Pay",
    )
    dunning_dispute_ids = fields.One2many(
        comodel_name="freelance.dunning.dispute",
        inverse_name="partner_id",
        string="Disputes",
    )
    dunning_promise_count = fields.Integer(compute="_compute_dunning_promise_count")
    dunning_dispute_count = fields.Integer(compute="_compute_dunning_promise_count")

    @api.depends("dunning_promise_ids", "dunning_dispute_ids")
    def _compute_dunning_promise_count(self):
        # One count per model for all these clients, records not read.
        clients = self.commercial_partner_id
        counts = {}
        for model in ("freelance.dunning.promise", "freelance.dunning.dispute"):
            counts[model] = dict(
                self.env[model]._read_group(
                    [("partner_id", "in", clients.ids)], ["partner_id"], ["__count"]
                )
            )
        for partner in self:
            client = partner.commercial_partner_id
            partner.dunning_promise_count = counts["freelance.dunning.promise"].get(
                client, 0
            )
            partner.dunning_dispute_count = counts["freelance.dunning.dispute"].get(
                client, 0
            )

    def _freelance_open_promise(self, company):
        """The client's open promise to pay with ``company`` (superuser
        record), or an empty recordset: what the client's page shows."""
        self.ensure_one()
        return (
            self.env["freelance.dunning.promise"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    ("state", "=", "open"),
                ],
                limit=1,
            )
        )

    def _freelance_disputes(self, company):
        """The client's disputes with ``company``, newest first (superuser
        records): the open ones and those closed in the last 90 days."""
        self.ensure_one()
        since = fields.Date.subtract(fields.Date.context_today(self), days=90)
        return (
            self.env["freelance.dunning.dispute"]
            .sudo()
            .search(
                [
                    ("partner_id", "=", self.commercial_partner_id.id),
                    ("company_id", "=", company.id),
                    "|",
                    ("state", "=", "open"),
                    ("resolved_date", ">=", since),
                ]
            )
        )

    def action_view_dunning_promises(self):
        return self._action_view_client_records(
            "freelance_dunning.freelance_dunning_promise_action"
        )

    def action_view_dunning_disputes(self):
        return self._action_view_client_records(
            "freelance_dunning.freelance_dunning_dispute_action"
        )

    def _action_view_client_records(self, xmlid):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(xmlid)
        client = self.commercial_partner_id
        action["domain"] = [("partner_id", "=", client.id)]
        action["context"] = {"default_partner_id": client.id}
        return action

    def _freelance_page_forms_values(self, company):
        """What the page's promise and dispute forms show (superuser
        records): the client's open invoices with ``company``, whether each is
        disputed, the dates a promise may take, whether one may be made now,
        the reasons of a dispute in the context's language."""
        self.ensure_one()
        client = self.commercial_partner_id.sudo()
        Promise = self.env["freelance.dunning.promise"].sudo()
        Dispute = self.env["freelance.dunning.dispute"].sudo()
        invoices = Promise._client_open_invoices(client, company)
        disputed = Dispute.search(
            [
                ("partner_id", "=", client.id),
                ("company_id", "=", company.id),
                ("state", "=", "open"),
            ]
        ).move_ids
        today = fields.Date.context_today(self)
        since = fields.Date.subtract(today, days=company.promise_period_days)
        made = Promise.search_count(
            [
                ("partner_id", "=", client.id),
                ("company_id", "=", company.id),
                ("state", "!=", "cancelled"),
                ("request_date", ">", since),
            ]
        )
        return {
            "invoices": [
                {"invoice": invoice, "disputed": invoice in disputed}
                for invoice in invoices
            ],
            "date_min": fields.Date.add(today, days=1),
            "date_max": fields.Date.add(today, days=company.promise_max_days),
            "promise_allowed": made < company.promise_max_count,
            "reasons": Dispute._fields["reason"]._description_selection(self.env),
        }
