from odoo import SUPERUSER_ID, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, format_date

from .cursor_permission import cursor_permission, has_cursor_permission
from .late_interest import half_year_start, next_half_year_start
from .res_partner import MANAGER_GROUP, is_dunning_manager
from .value_checks import check_values

# Company settings that email clients without anyone's action.
CLIENT_SENDING = ("invoice_send_at_once", "nightly_reminders")

# The accounts of penalty invoices: a dunning manager's to set.
PENALTY_ACCOUNT_FIELDS = ("dunning_interest_account_id", "dunning_indemnity_account_id")
# Their defaults in the French chart (Plan comptable general): 7631 Revenus
# des creances commerciales (late interest is financial income on a trade
# receivable); 7581 Dedits et penalites percus sur achats et ventes (the fixed
# indemnity, a penalty on a sale, not a supply).
FRENCH_PENALTY_ACCOUNTS = {"interest": "pcg_7631", "indemnity": "pcg_7581"}

# The company whose nightly reminders are switched on from their preview.
NIGHTLY_SWITCH_ON = "freelance_dunning.nightly_reminders_switch_on"

# Other addons that send payment reminders (module name: what users call it).
OTHER_REMINDER_TOOLS = {
    "account_followup": "Odoo follow-up reports (account_followup)",
    "account_credit_control": "OCA Account Credit Control (account_credit_control)",
    "account_invoice_overdue_reminder": (
        "OCA Overdue Invoice Reminder (account_invoice_overdue_reminder)"
    ),
}

# What the company's settings accept (see value_checks).
SETTINGS_BOUNDS = {
    "deposit_percent": {"minimum": 0, "maximum": 100},
    "late_interest_margin": {"minimum": 0, "maximum": 100},
    "contractual_interest_rate": {"minimum": 0, "maximum": 100},
    "recovery_indemnity_amount": {"minimum": 0, "maximum": 100000},
    "blacklist_proposal_count": {"minimum": 0, "maximum": 1000},
    "dunning_morning_email_hour": {"minimum": 0, "maximum": 23},
    "promise_max_days": {"minimum": 1, "maximum": 365},
    "promise_max_count": {"minimum": 0, "maximum": 100},
    "promise_period_days": {"minimum": 1, "maximum": 3650},
}


class ResCompany(models.Model):
    _inherit = "res.company"

    deposit_required = fields.Boolean(
        default=True,
        help="Quotations of this company ask the client for an upfront deposit "
        "(acompte) that is invoiced as soon as the quotation is confirmed.",
    )
    work_gate_required = fields.Boolean(
        string="No Work Before Signature and Deposit",
        default=True,
        help="Quotations cannot be confirmed until signed, and no work starts "
        "(project, tasks, timesheets, deliveries, other invoices) until the deposit "
        "is paid.",
    )
    blacklist_policy = fields.Selection(
        selection=[
            ("refuse", "Refuse new business"),
            ("full_upfront", "Only with 100% upfront"),
        ],
        default="refuse",
        required=True,
        help="What happens to new quotations of a blacklisted client.",
    )
    blacklist_proposal_level_id = fields.Many2one(
        comodel_name="freelance.dunning.level",
        string="Propose Blacklist At Level",
        check_company=True,
        domain="[('company_id', '=', id)]",
        help="Clients who reached this reminder level often enough are proposed "
        "for the blacklist.",
    )
    blacklist_proposal_count = fields.Integer(
        string="Times Reached",
        default=2,
        help="How many invoices must have reached the level.",
    )
    # Promises to pay (freelance.dunning.promise): how far and how often.
    promise_max_days = fields.Integer(
        string="Promise Within (Days)",
        default=30,
        help="A client may promise to pay at most this many days after the day "
        "of the promise.",
    )
    promise_max_count = fields.Integer(
        string="Promises per Period",
        default=2,
        help="How many promises to pay a client may make in the period (0: none).",
    )
    promise_period_days = fields.Integer(
        string="Promise Period (Days)",
        default=90,
        help="The period over which the promises to pay of a client are counted.",
    )
    # Both off until a dunning manager switches them on: nothing reaches a
    # client because the addon was installed (the demo company has them on).
    invoice_send_at_once = fields.Boolean(
        string="Send Invoices At Once",
        help="Every customer invoice is emailed to the client, with its PDF and a "
        "payment link, as soon as it is posted.",
    )
    nightly_reminders = fields.Boolean(
        string="Nightly Payment Reminders",
        help="Every night, the payment reminders of overdue invoices are sent and "
        "their levels' actions run. While off, reminders are sent only by hand, "
        "with Run Reminders.",
    )
    payment_reminders_by = fields.Selection(
        selection=[
            ("freelance_dunning", "This addon (Run Reminders, nightly reminders)"),
            *OTHER_REMINDER_TOOLS.items(),
        ],
        help="When another addon that sends payment reminders is installed, the "
        "tool that reminds this company's clients. This addon reminds no client "
        "of a company that chose another tool, nor of one that has not chosen yet.",
    )
    deposit_percent = fields.Float(
        string="Default Deposit (%)",
        default=50.0,
        help="Share of the quotation total, taxes included, invoiced at signature "
        "when no payment schedule applies.",
    )
    payment_schedule_id = fields.Many2one(
        comodel_name="freelance.payment.schedule",
        string="Default Payment Schedule",
        check_company=True,
        domain="[('company_id', '=', id)]",
        help="Schedule applied to new quotations when the client has none of its own.",
    )
    late_interest_margin = fields.Float(
        string="Late Interest Margin (points)",
        default=10.0,
        help="Points added to the European Central Bank main refinancing rate to give "
        "the late-payment interest rate owed by business clients (France: 10).",
    )
    contractual_interest_rate = fields.Float(
        string="Contractual Late Interest Rate (%)",
        help="Leave empty to apply the ECB rate plus the margin. A contractual rate "
        "can never be below three times the legal interest rate.",
    )
    late_interest_floor = fields.Float(
        string="Contractual Rate Floor (%)",
        compute="_compute_late_interest_floor",
        digits=(5, 2),
        help="Three times the legal interest rate of the current half-year: a "
        "contractual rate below it is replaced by it (0: the half-year's rates "
        "are not entered).",
    )
    recovery_indemnity_amount = fields.Float(
        string="Recovery Indemnity (EUR)",
        default=40.0,
        help="Fixed indemnity for recovery costs owed by business clients for each "
        "invoice paid late (France and EU: at least 40 EUR).",
    )
    dunning_interest_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Late Interest Account",
        check_company=True,
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        help="Income account of the late interest on penalty invoices. Empty: "
        "7631 (Revenus des creances commerciales) with the French chart, "
        "otherwise the sales journal's income account.",
    )
    dunning_indemnity_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Recovery Indemnity Account",
        check_company=True,
        domain="[('account_type', 'in', ('income', 'income_other'))]",
        help="Income account of the fixed indemnity for recovery costs on penalty "
        "invoices. Empty: 7581 (Dedits et penalites percus sur achats et ventes) "
        "with the French chart, otherwise the sales journal's income account.",
    )
    suspend_work_on_nonpayment = fields.Boolean(
        string="Suspend Work When Unpaid",
        default=True,
        help="The printed terms tell the client that work is suspended while an "
        "invoice stays unpaid.",
    )
    # The morning email (freelance.dunning.morning.email): internal only, so
    # on by default; it lists what the nightly run will send to clients.
    dunning_morning_email = fields.Boolean(
        string="Morning Email of the Next Run",
        default=True,
        help="Each morning, the company's dunning users get one email listing the "
        "payment reminders the next nightly run will send, with links to postpone "
        "a client. Nothing is sent on a day the run will send nothing.",
    )
    dunning_morning_email_hour = fields.Integer(
        string="Morning Email Hour",
        default=8,
        help="The hour (0-23, in the company's time zone, else its dunning "
        "responsible's, else UTC) from which the morning email goes.",
    )
    dunning_morning_email_date = fields.Date(
        string="Morning Email Last Sent",
        readonly=True,
        copy=False,
        help="The company's day the last morning email was made for: one a day.",
    )
    dunning_rehearsal = fields.Boolean(
        string="Rehearsal of the Reminders",
        help="The reminders run as they would (every level, on their days), but "
        "every client email goes to the freelancer (the dunning responsible, else "
        "the company's address), marked as a rehearsal; no level action runs "
        "(suspension, call, blacklist, penalty invoice) and nothing is texted. "
        "Switched off, the invoices go back to the level the clients were really "
        "told. Only a dunning manager switches it.",
    )
    dunning_responsible_id = fields.Many2one(
        comodel_name="res.users",
        domain="[('share', '=', False), ('company_ids', 'in', id)]",
        help="Who gets the activities of clients without a salesperson (phone "
        "calls of the reminders, starting the work). Empty: the company's first "
        "dunning manager.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, SETTINGS_BOUNDS)
        self._check_client_sending_rights(vals_list)
        companies = super().create(vals_list)
        # A new company starts with the shipped reminder ladder.
        self.env["freelance.dunning.level"].sudo()._create_default_levels(companies)
        return companies

    def write(self, vals):
        check_values(self, vals, SETTINGS_BOUNDS)
        self._check_client_sending_rights([vals])
        if vals.get("nightly_reminders"):
            self._check_nightly_reminders_switch_on()
        ending = (
            self.filtered("dunning_rehearsal")
            if "dunning_rehearsal" in vals and not vals["dunning_rehearsal"]
            else self.browse()
        )
        result = super().write(vals)
        for company in ending:
            self.env["freelance.dunning.reminder"]._end_rehearsal(company)
        return result

    def _check_client_sending_rights(self, vals_list):
        """Only a dunning manager switches on what emails clients by itself,
        or chooses where penalties are booked."""
        if is_dunning_manager(self.env):
            return
        # A setting changed (not merely written back unchanged by the form).
        if any(
            fname in vals
            and (
                any(vals[fname] != company[fname].id for company in self)
                if self
                else vals[fname]
            )
            for vals in vals_list
            for fname in PENALTY_ACCOUNT_FIELDS
        ):
            raise AccessError(
                self.env._(
                    "Only a dunning manager may choose the accounts of the late "
                    "interest and the recovery indemnity on penalty invoices."
                )
            )
        # Choosing the tool that reminds the clients is a manager's too.
        choosing = any(
            "payment_reminders_by" in vals
            and (
                any(
                    vals["payment_reminders_by"] != c.payment_reminders_by for c in self
                )
                if self
                else vals["payment_reminders_by"]
            )
            for vals in vals_list
        )
        if choosing:
            raise AccessError(
                self.env._(
                    "Only a dunning manager may choose the tool that sends the "
                    "payment reminders."
                )
            )
        # Rehearsing, on or off (it decides who gets the clients' emails).
        if any(
            "dunning_rehearsal" in vals
            and (
                any(
                    bool(vals["dunning_rehearsal"]) != company.dunning_rehearsal
                    for company in self
                )
                if self
                else vals["dunning_rehearsal"]
            )
            for vals in vals_list
        ):
            raise AccessError(
                self.env._(
                    "Only a dunning manager may switch the rehearsal of the payment "
                    "reminders on or off."
                )
            )
        if any(vals.get(fname) for vals in vals_list for fname in CLIENT_SENDING):
            raise AccessError(
                self.env._(
                    "Only a dunning manager may switch on emailing invoices at once "
                    "or the nightly payment reminders."
                )
            )

    @api.constrains("dunning_responsible_id")
    def _check_dunning_responsible(self):
        for company in self:
            user = company.dunning_responsible_id
            if user and not company._is_assignable_user(user):
                raise ValidationError(
                    self.env._(
                        "%(user)s cannot be the dunning responsible of %(company)s: "
                        "choose an active internal user of that company.",
                        user=user.name,
                        company=company.name,
                    )
                )

    def _is_assignable_user(self, user):
        """Whether activities of this company may go to ``user``: an active
        internal user of the company, never the system user (OdooBot)."""
        self.ensure_one()
        user = user.sudo()
        return bool(
            user
            and user.active
            and not user.share
            and user.id != SUPERUSER_ID
            and user != self.env.ref("base.user_root", raise_if_not_found=False)
            and self in user.company_ids
        )

    def _get_dunning_responsible(self):
        """Who acts for the company when a client has no salesperson: the
        dunning responsible of the settings, else the company's first dunning
        manager (never OdooBot); an empty recordset if there is none."""
        self.ensure_one()
        if self._is_assignable_user(self.dunning_responsible_id):
            return self.dunning_responsible_id
        managers = self.env.ref(MANAGER_GROUP).sudo().users
        return managers.filtered(self._is_assignable_user).sorted("id")[:1]

    def _get_activity_user(self, partner, salesperson=None):
        """Who gets an activity about ``partner`` (a client): the given
        salesperson (an order's), the client's salesperson (or that of its
        company), else the company's dunning responsible."""
        self.ensure_one()
        candidates = [
            salesperson,
            partner.sudo().user_id,
            partner.sudo().commercial_partner_id.user_id,
        ]
        for user in candidates:
            if user and self._is_assignable_user(user):
                return user
        return self._get_dunning_responsible()

    def _get_enabled_payment_providers(self):
        """The payment providers that can take a payment in this company."""
        self.ensure_one()
        providers = self.env["payment.provider"].sudo()
        return providers.search(
            [
                *providers._check_company_domain(self),
                ("state", "in", ("enabled", "test")),
            ]
        )

    @api.model
    def _demo_enable_test_payment_provider(self):
        """Demo data: enable Odoo's test payment provider in test mode if its
        module (payment_demo) is installed; nothing otherwise."""
        provider = self.env.ref(
            "payment.payment_provider_demo", raise_if_not_found=False
        )
        # Its code is "demo" only while payment_demo is installed.
        if not provider or provider.code != "demo":
            return False
        if provider.state == "disabled":
            provider.write({"state": "test", "is_published": True})
        return provider

    def _get_payment_link_warning(self):
        """Why the payment links of this company's invoices and quotations
        lead nowhere, or False."""
        self.ensure_one()
        if self._get_enabled_payment_providers():
            return False
        return self.env._(
            'No payment provider is enabled for %(company)s: the "Pay now" links '
            "of quotations and invoices lead nowhere. Clients who sign a quotation "
            "online get their deposit invoice to pay by bank transfer. Enable a "
            "provider in Invoicing > Configuration > Payment Providers.",
            company=self.name,
        )

    def _check_nightly_reminders_switch_on(self):
        """Nightly reminders are switched on from the preview of what the next
        run sends (``_switch_on_nightly_reminders``), so the first night is a
        reviewed one. The superuser (data files, demo, migrations) is not
        asked: no caller over RPC is the superuser."""
        if self.env.su:
            return
        switching = self.filtered(lambda company: not company.nightly_reminders)
        if not has_cursor_permission(self.env, NIGHTLY_SWITCH_ON, switching.ids):
            # Who may not edit the company at all is told so by Odoo first.
            self.check_access("write")
            raise UserError(
                self.env._(
                    "Switch the nightly payment reminders on from their preview "
                    "(Settings, Sales, Nightly Payment Reminders, Preview and "
                    "Switch On): it shows what the next run sends to each client."
                )
            )

    def _switch_on_nightly_reminders(self):
        """Switch the nightly reminders on; called by the preview's button
        (``freelance.dunning.run.wizard.action_switch_on_nightly_reminders``)
        once it has computed the run of the day."""
        for company in self:
            if not company._reminders_by_this_addon():
                raise UserError(company._reminders_by_other_tool_message())
        with cursor_permission(self.env, NIGHTLY_SWITCH_ON, self.ids):
            self.write({"nightly_reminders": True})

    # ------------------------------------------------------------------
    # Other reminder tools
    # ------------------------------------------------------------------

    @api.model
    def _installed_reminder_tools(self):
        """The other payment reminder addons installed, by module name."""
        modules = (
            self.env["ir.module.module"]
            .sudo()
            .search(
                [
                    ("name", "in", list(OTHER_REMINDER_TOOLS)),
                    ("state", "=", "installed"),
                ]
            )
        )
        return [name for name in OTHER_REMINDER_TOOLS if name in modules.mapped("name")]

    def _reminders_by_this_addon(self, installed=None):
        """Whether this addon reminds the company's clients: always when no
        other reminder tool is installed; otherwise only when the company chose
        this addon (a company that has not chosen is reminded by none of ours,
        so no invoice is chased twice). Override to decide otherwise."""
        self.ensure_one()
        if installed is None:
            installed = self._installed_reminder_tools()
        return not installed or self.payment_reminders_by == "freelance_dunning"

    def _reminders_by_other_tool_message(self):
        self.ensure_one()
        installed = self._installed_reminder_tools()
        field = self._fields["payment_reminders_by"]
        labels = dict(field._description_selection(self.env))
        if self.payment_reminders_by in installed:
            return self.env._(
                "%(company)s reminds its clients with %(tool)s: this addon sends "
                "them no payment reminder. To change, choose this addon in "
                "Settings, Sales, Payment Reminders By.",
                company=self.name,
                tool=labels[self.payment_reminders_by],
            )
        return self.env._(
            "%(tools)s also sends payment reminders: choose in Settings, Sales, "
            "Payment Reminders By which tool reminds the clients of %(company)s. "
            "Until then, this addon sends them none.",
            tools=", ".join(labels[name] for name in installed),
            company=self.name,
        )

    @api.constrains("blacklist_proposal_level_id", "payment_schedule_id")
    def _check_dunning_company(self):
        """The company's level and schedule are its own. Odoo checks the
        companies of ``check_company`` fields only on models with
        ``_check_company_auto``, which res.company is not."""
        self._check_company(["blacklist_proposal_level_id", "payment_schedule_id"])

    @api.constrains(*PENALTY_ACCOUNT_FIELDS)
    def _check_dunning_penalty_accounts(self):
        """Penalties are income of the company: an account of another company,
        or not an income account, would book them where no one looks."""
        self._check_company(list(PENALTY_ACCOUNT_FIELDS))
        for company in self:
            for fname in PENALTY_ACCOUNT_FIELDS:
                account = company[fname]
                if account and account.account_type not in ("income", "income_other"):
                    raise ValidationError(
                        self.env._(
                            "%(account)s is not an income account: choose an income "
                            "account for %(setting)s.",
                            account=account.display_name,
                            setting=self._fields[fname]._description_string(self.env),
                        )
                    )

    def _get_dunning_penalty_accounts(self):
        """{"interest": account, "indemnity": account} of penalty invoices: the
        company's settings, else the French chart's accounts when the company
        uses it; an empty account means the journal's income account."""
        self.ensure_one()
        chart = self.env["account.chart.template"].with_company(self)
        accounts = {}
        for kind, fname in zip(
            ("interest", "indemnity"), PENALTY_ACCOUNT_FIELDS, strict=True
        ):
            account = self[fname]
            if not account and self.chart_template == "fr":
                account = chart.ref(FRENCH_PENALTY_ACCOUNTS[kind], False)
            accounts[kind] = account or self.env["account.account"]
        return accounts

    @api.constrains("payment_reminders_by")
    def _check_payment_reminders_by(self):
        installed = self._installed_reminder_tools()
        field = self._fields["payment_reminders_by"]
        labels = dict(field._description_selection(self.env))
        for company in self:
            tool = company.payment_reminders_by
            if tool and tool != "freelance_dunning" and tool not in installed:
                raise ValidationError(
                    self.env._(
                        "%(tool)s is not installed: choose this addon or an "
                        "installed tool to send the payment reminders.",
                        tool=labels[tool],
                    )
                )

    def _compute_late_interest_floor(self):
        """Three times the legal interest rate of today's half-year (0 when
        its rates are not entered): the floor of a contractual rate."""
        Rate = self.env["freelance.reference.rate"]
        rate = Rate._get_rates_by_half_year()(fields.Date.context_today(self))
        for company in self:
            company.late_interest_floor = 3 * rate.legal_rate if rate else 0.0

    def _get_contractual_rate_half_years(self):
        """The half-years a contractual rate set today applies to: from the
        one in which late interest starts on the company's oldest unpaid
        invoice (or today's) to the last one entered.

        :return: [(half-year start, reference rate record or empty)], today's
            half-year always included, earlier ones only when entered
        """
        self.ensure_one()
        today = fields.Date.context_today(self)
        engine = self.env["freelance.dunning.engine"]
        oldest = (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    *engine._open_receivable_domain(self),
                    ("move_id.move_type", "=", "out_invoice"),
                    ("date_maturity", "<", today),
                ],
                order="date_maturity",
                limit=1,
            )
        )
        start = half_year_start(
            fields.Date.add(oldest.date_maturity, days=1) if oldest else today
        )
        Rate = self.env["freelance.reference.rate"]
        rate_at = Rate._get_rates_by_half_year()
        last = Rate.search([], order="date_from desc", limit=1).date_from or start
        current = half_year_start(today)
        half_years = []
        while start <= max(last, current):
            rate = rate_at(start)
            if rate or start == current:
                half_years.append((start, rate))
            start = next_half_year_start(start)
        return half_years

    @api.constrains("contractual_interest_rate")
    def _check_contractual_interest_rate(self):
        """A contractual rate is never below three times the legal interest
        rate (Code de commerce, L441-10) of any half-year it applies to: the
        current one, those of the unpaid invoices' delays, and any later one
        entered. Today's half-year must have its rates to check it."""
        Rate = self.env["freelance.reference.rate"]
        for company in self.filtered("contractual_interest_rate"):
            floors = []
            for start, rate in company._get_contractual_rate_half_years():
                if not rate:
                    raise ValidationError(Rate._missing_rate_error(start).args[0])
                floors.append((3 * rate.legal_rate, start))
            floor, start = max(floors, key=lambda item: (item[0], -item[1].toordinal()))
            if float_compare(company.contractual_interest_rate, floor, 4) < 0:
                raise ValidationError(
                    self.env._(
                        "A contractual late interest rate cannot be below three times "
                        "the legal interest rate of any half-year it applies to: at "
                        "least %(floor)s%% (half-year starting %(date)s). It applies "
                        "from the half-year in which late interest starts on the "
                        "company's oldest unpaid invoice.",
                        floor=round(floor, 2),
                        date=format_date(self.env, start),
                    )
                )
