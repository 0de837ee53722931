from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

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


class ResPartner(models.Model):
    _inherit = "res.partner"

    deposit_policy = fields.Selection(
        selection=[
            ("company", "Company default"),
            ("schedule", "Own payment schedule"),
            ("exempt", "No deposit"),
        ],
        default="company",
        required=True,
        tracking=True,
        help="Company default: the company's deposit rule applies. Own payment "
        "schedule: e.g. 100% upfront for a new or risky client. No deposit: only a "
        "dunning manager may exempt a client.",
    )
    payment_schedule_id = fields.Many2one(
        comodel_name="freelance.payment.schedule",
        string="Client Payment Schedule",
        tracking=True,
        help="Schedule used on this client's quotations instead of the company's.",
    )

    # Not Odoo's is_blacklisted (the email opt-out list): a client we refuse
    # to work for on credit again.
    client_blacklisted = fields.Boolean(
        string="Blacklisted Client",
        copy=False,
        tracking=True,
        index=True,
        help="A client the company no longer works for on the same terms. Set and "
        "lifted by a dunning manager.",
    )
    client_blacklist_reason = fields.Selection(
        selection=BLACKLIST_REASONS,
        string="Blacklist Reason",
        copy=False,
        tracking=True,
    )
    client_blacklist_note = fields.Text(string="Blacklist Note", copy=False)
    client_blacklist_date = fields.Date(
        string="Blacklisted On", copy=False, readonly=True
    )
    client_blacklist_user_id = fields.Many2one(
        comodel_name="res.users", string="Blacklisted By", copy=False, readonly=True
    )
    client_blacklist_proposed = fields.Boolean(
        string="Proposed for Blacklist",
        compute="_compute_client_blacklist_proposed",
        search="_search_client_blacklist_proposed",
        help="The client reached the company's proposal level as many times as set "
        "in the settings.",
    )

    @api.model
    def _commercial_fields(self):
        # Contacts follow their company's deposit terms and blacklist, like the
        # payment terms.
        return super()._commercial_fields() + [
            "deposit_policy",
            "payment_schedule_id",
            *sorted(BLACKLIST_FIELDS),
        ]

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
        company's default, is a decision reserved to dunning managers.
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
        partners = super().create(vals_list)
        partners.filtered(
            lambda p: p.deposit_policy != "company"
        )._check_deposit_rights()
        return partners

    def write(self, vals):
        blacklist_keys = BLACKLIST_FIELDS & set(vals)
        writing = self.env.cr.cache.get(BLACKLIST_WRITING, ())
        if (
            blacklist_keys
            and not all(partner_id in writing for partner_id in self.ids)
            and not self._is_blacklist_copy_of_company(vals)
        ):
            # Blacklist changes: managers only, on the company (a contact's
            # blacklist is its company's). Lifting needs a written reason, which
            # only _lift_client_blacklist takes: a plain write never lifts.
            self._check_blacklist_rights()
            other_vals = {k: v for k, v in vals.items() if k not in blacklist_keys}
            if other_vals:
                super().write(other_vals)
            companies = self.commercial_partner_id
            if "client_blacklisted" in vals and not vals["client_blacklisted"]:
                raise UserError(
                    self.env._("Lifting a client's blacklist needs a written reason.")
                )
            if vals.get("client_blacklisted"):
                for company in companies:
                    reason = vals.get(
                        "client_blacklist_reason", company.client_blacklist_reason
                    )
                    if not reason:
                        raise ValidationError(
                            self.env._(
                                "Give the reason why %(client)s is blacklisted.",
                                client=company.display_name,
                            )
                        )
                    company._set_client_blacklist(
                        reason,
                        vals.get(
                            "client_blacklist_note", company.client_blacklist_note
                        ),
                    )
                blacklist_keys -= {
                    "client_blacklisted",
                    "client_blacklist_reason",
                    "client_blacklist_note",
                }
            if blacklist_keys:
                companies._write_client_blacklist(
                    {key: vals[key] for key in blacklist_keys}
                )
            return True
        result = super().write(vals)
        if {"deposit_policy", "payment_schedule_id"} & set(vals):
            self._check_deposit_rights()
        return result

    # Client blacklist -----------------------------------------------------

    @api.constrains("client_blacklisted", "client_blacklist_reason")
    def _check_client_blacklist_reason(self):
        for partner in self:
            if partner.client_blacklisted and not partner.client_blacklist_reason:
                raise ValidationError(
                    self.env._(
                        "Give the reason why %(client)s is blacklisted.",
                        client=partner.display_name,
                    )
                )

    def _check_blacklist_rights(self):
        if not is_dunning_manager(self.env):
            raise AccessError(
                self.env._("Only a dunning manager may blacklist a client or lift it.")
            )
        # The manager must see the clients: no blacklisting across companies.
        self.check_access("read")

    def _is_blacklist_copy_of_company(self, vals):
        """Whether this write only gives contacts their company's blacklist.

        Odoo's commercial sync copies the company's blacklist to its contacts
        (on creation, on a change of company, after the company's own change):
        the values are the company's already, so the write decides nothing.
        """
        if "parent_id" in vals:
            return False
        for partner in self:
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

    def _write_client_blacklist(self, vals):
        """Write the blacklist fields of these companies; Odoo syncs their contacts.

        The dunning manager's right, whoever may edit contacts: callers check
        it first. Written as the company, past this model's write() rules: the
        companies are marked on the cursor for the write, where no caller over
        RPC reaches (unlike a context key).
        """
        writing = self.env.cr.cache.setdefault(BLACKLIST_WRITING, set())
        added = set(self.ids) - writing
        writing.update(added)
        try:
            return self.sudo().write(vals)
        finally:
            writing.difference_update(added)

    def _set_client_blacklist(self, reason, note=None):
        """Blacklist these clients (their companies) for a reason; log it.

        :param reason: a key of BLACKLIST_REASONS
        :param note: what happened, kept on the client
        """
        self._check_blacklist_rights()
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
        companies = self.commercial_partner_id
        newly = companies.filtered(lambda p: not p.client_blacklisted)
        companies._write_client_blacklist(
            {
                "client_blacklisted": True,
                "client_blacklist_reason": reason,
                "client_blacklist_note": note or False,
                "client_blacklist_date": fields.Date.context_today(self),
                "client_blacklist_user_id": self.env.uid,
            }
        )
        for partner in newly.sudo():
            partner.message_post(
                body=self.env._(
                    "Blacklisted by %(user)s (%(reason)s). %(note)s",
                    user=self.env.user.name,
                    reason=reasons[reason],
                    note=note or "",
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _lift_client_blacklist(self, reason):
        """Lift the blacklist of these clients (their companies), with a reason.

        :param reason: why the company works with the client again (text)
        """
        self._check_blacklist_rights()
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Write down why the blacklist is lifted."))
        companies = self.commercial_partner_id.filtered("client_blacklisted")
        companies._write_client_blacklist(
            {
                "client_blacklisted": False,
                "client_blacklist_reason": False,
                "client_blacklist_note": False,
                "client_blacklist_date": False,
                "client_blacklist_user_id": False,
            }
        )
        for partner in companies.sudo():
            partner.message_post(
                body=self.env._(
                    "Blacklist lifted by %(user)s: %(reason)s",
                    user=self.env.user.name,
                    reason=reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _dunning_blacklist(self, level):
        """Dunning level action: blacklist the client as a chronic late payer."""
        for partner in self.commercial_partner_id.filtered(
            lambda p: not p.client_blacklisted
        ):
            partner.sudo()._set_client_blacklist(
                "late_payer",
                self.env._("Reached the reminder level %(level)s.", level=level.name),
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
        groups = self.env["account.move.line"]._read_group(
            [
                ("company_id", "=", company.id),
                ("partner_id", "child_of", partners.ids),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("amount_residual", ">", 0),
                ("date_maturity", "<", today),
            ],
            ["partner_id"],
            ["amount_residual:sum", "date_maturity:min", "dunning_level_id:array_agg"],
        )
        summary = {}
        for partner, residual, oldest, level_ids in groups:
            key = partner.commercial_partner_id.id
            total, first, levels = summary.get(key, (0.0, oldest, []))
            summary[key] = (total + residual, min(first, oldest), levels + level_ids)
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
            partner.dunning_amount_overdue = total
            partner.dunning_days_late = (today - oldest).days if oldest else 0
            partner.dunning_level_id = levels.sorted("sequence")[-1:]
            partner.dunning_event_count = events.get(partner.commercial_partner_id, 0)

    def action_view_dunning_history(self):
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "freelance_dunning.freelance_dunning_reminder_line_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action
