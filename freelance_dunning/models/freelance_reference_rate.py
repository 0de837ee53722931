from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import float_compare, format_date

from .late_interest import half_year_start
from .res_partner import MANAGER_GROUP, is_dunning_manager
from .value_checks import check_values

# What a half-year's rates accept (see value_checks): the ECB rate went below
# zero once (-0.5% in 2019), never below -5%.
RATE_BOUNDS = {
    "date_from": {},
    "ecb_rate": {"minimum": -5, "maximum": 100},
    "legal_rate": {"minimum": 0, "maximum": 100},
}

# The activity asking the dunning managers for a new half-year's rates.
RATES_ACTIVITY_TYPE = "freelance_dunning.mail_activity_type_reference_rates"

# What a business or consumer client's yearly rate is, per half-year.
RATE_BASES = ("ecb", "contractual", "floor", "legal")


class MissingReferenceRate(UserError):
    """A half-year has no reference rates: the computation stops instead of
    using another half-year's. ``date_from`` is the half-year's first day."""

    def __init__(self, message, date_from):
        super().__init__(message)
        self.date_from = date_from


class FreelanceReferenceRate(models.Model):
    """The reference rates in force on the first day of a half-year.

    Late interest owed by business clients is the ECB main refinancing rate
    plus the company's margin (or a contractual rate, never below three times
    the legal interest rate); consumers owe the legal interest rate. The rates
    are published twice a year: they are data a user keeps up to date.
    """

    _name = "freelance.reference.rate"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _description = "Late Interest Reference Rates"
    _order = "date_from desc"

    date_from = fields.Date(
        string="Half-Year Starting",
        required=True,
        help="1 January or 1 July: the rates apply to the six months that follow.",
    )
    ecb_rate = fields.Float(
        string="ECB Rate (%)",
        required=True,
        digits=(5, 2),
        tracking=True,
        help="European Central Bank main refinancing rate on the first day.",
    )
    legal_rate = fields.Float(
        string="Legal Interest Rate (%)",
        required=True,
        digits=(5, 2),
        tracking=True,
        help="French legal interest rate for creditors other than individuals.",
    )

    _sql_constraints = [
        (
            "date_from_unique",
            "UNIQUE(date_from)",
            "A half-year can only have one rate.",
        ),
    ]

    def _check_rate_rights(self):
        """The rates are shared by every company's late interest: a settings
        administrator, or a dunning manager of every company, changes them; a
        manager of one company never changes what the others charge."""
        if self.env.su or self.env.user.has_group("base.group_system"):
            return
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        if is_dunning_manager(self.env) and not companies - self.env.user.company_ids:
            return
        raise AccessError(
            self.env._(
                "The reference rates apply to every company: only a settings "
                "administrator, or a dunning manager of all the companies, may "
                "change them."
            )
        )

    @api.model_create_multi
    def create(self, vals_list):
        self._check_rate_rights()
        check_values(self, vals_list, RATE_BOUNDS)
        rates = super().create(vals_list)
        rates._close_rate_requests()
        return rates

    def write(self, vals):
        self._check_rate_rights()
        check_values(self, vals, RATE_BOUNDS)
        return super().write(vals)

    def unlink(self):
        self._check_rate_rights()
        return super().unlink()

    @api.constrains("date_from")
    def _check_half_year(self):
        for rate in self:
            if rate.date_from and (
                rate.date_from != half_year_start(rate.date_from)
                or rate.date_from.day != 1
            ):
                raise ValidationError(
                    self.env._("Reference rates start on 1 January or 1 July.")
                )

    @api.model
    def _get_rates_by_half_year(self):
        """Map each half-year start to its record, or to an empty recordset
        when the half-year has no rates: never another half-year's (a date
        before the table, or after its last row, is not covered)."""
        # A few records per year: reading them all is cheap and done once per run.
        rates = self.search_fetch(
            [], ["date_from", "ecb_rate", "legal_rate"], order="date_from", limit=1000
        )
        by_start = {rate.date_from: rate for rate in rates}

        def rate_at(start):
            return by_start.get(half_year_start(start), self.browse())

        return rate_at

    @api.model
    def _missing_rate_error(self, start):
        """The refusal of a computation in a half-year without rates."""
        start = half_year_start(start)
        return MissingReferenceRate(
            self.env._(
                "No late interest reference rates are known for the half-year "
                "starting %(date)s: nothing is computed with another half-year's "
                "rate. Enter the ECB main refinancing rate and the legal interest "
                "rate in force on that day (Invoicing, Configuration, Late Interest "
                "Rates), then validate the reminder again.",
                date=format_date(self.env, start),
            ),
            start,
        )

    @api.model
    def _get_applied_rate_function(self, company, business=True, rate_at=None):
        """For each half-year, the yearly rate (percent) owed by a company's
        client and what it is (``RATE_BASES``): callable(half-year start) ->
        (rate, basis). It raises ``MissingReferenceRate`` for a half-year
        without rates.

        Business clients: the contractual rate if the company has one, or
        three times the legal rate when that floor is higher (Code de
        commerce, L441-10); otherwise the ECB rate plus the company's margin.
        Consumers: the legal interest rate.

        :param rate_at: the rates by half-year (``_get_rates_by_half_year``),
            when already read
        """
        rate_at = rate_at or self._get_rates_by_half_year()

        def applied(start):
            rate = rate_at(start)
            if not rate:
                raise self._missing_rate_error(start)
            if not business:
                return rate.legal_rate, "legal"
            contractual = company.contractual_interest_rate
            if contractual:
                floor = 3 * rate.legal_rate
                if float_compare(floor, contractual, precision_digits=4) > 0:
                    return floor, "floor"
                return contractual, "contractual"
            return rate.ecb_rate + company.late_interest_margin, "ecb"

        return applied

    @api.model
    def _get_interest_rate_function(self, company, business=True):
        """The yearly rate (percent) for each half-year, for a company's client
        (see ``_get_applied_rate_function``): callable(half-year start) -> rate."""
        applied = self._get_applied_rate_function(company, business=business)

        def rate_for(start):
            return applied(start)[0]

        return rate_for

    # ------------------------------------------------------------------
    # Asking for the rates of a new half-year
    # ------------------------------------------------------------------

    @api.model
    def _get_rate_keepers(self):
        """Who is asked for the rates: the dunning managers who may enter them
        (``_check_rate_rights``), or the settings administrators when there is
        none."""
        companies = self.env["res.company"].sudo().search([("active", "=", True)])
        managers = (
            self.env.ref(MANAGER_GROUP, raise_if_not_found=False)
            or self.env["res.groups"]
        ).users.filtered(
            lambda user: (
                user.active and not user.share and not companies - user.company_ids
            )
        )
        if managers:
            return managers
        # Only those Odoo lets enter them (an activity's user must read its
        # record).
        admins = self.env.ref("base.group_system").users
        return admins.filtered(
            lambda user: (
                user.active
                and not user.share
                and self.with_user(user).has_access("write")
            )
        )

    @api.model
    def _cron_ask_for_rates(self):
        """Daily: while the half-year that began on 1 January or 1 July has no
        rates, each dunning manager who may enter them has one activity asking
        for them (on the latest half-year's rates, which it follows). Nothing
        is computed in that half-year until they are entered.

        :return: the activities scheduled
        """
        today = fields.Date.context_today(self)
        start = half_year_start(today)
        scheduled = self.env["mail.activity"]
        if self._get_rates_by_half_year()(start):
            return scheduled
        previous = self.search(
            [("date_from", "<", start)], order="date_from desc", limit=1
        )
        if not previous:
            return scheduled
        activity_type = self.env.ref(RATES_ACTIVITY_TYPE)
        asked = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
            .user_id
        )
        for user in self._get_rate_keepers() - asked:
            translated = self.with_context(lang=user.lang).env
            scheduled |= previous.activity_schedule(
                RATES_ACTIVITY_TYPE,
                date_deadline=today,
                summary=translated._(
                    "Enter the late interest rates of the half-year starting %(date)s",
                    date=format_date(translated, start),
                ),
                note=translated._(
                    "The ECB main refinancing rate in force on %(date)s and the "
                    "French legal interest rate of the half-year (creditors other "
                    "than individuals), as published. Until they are entered, "
                    "late interest of that half-year is not computed: reminders "
                    "that claim it wait for validation.",
                    date=format_date(translated, start),
                ),
                user_id=user.id,
            )
        return scheduled

    def _close_rate_requests(self):
        """The activities asking for the current half-year's rates are done
        once they are entered."""
        start = half_year_start(fields.Date.context_today(self))
        if start not in self.mapped("date_from"):
            return
        activity_type = self.env.ref(RATES_ACTIVITY_TYPE, raise_if_not_found=False)
        if not activity_type:
            return
        requests = (
            self.env["mail.activity"]
            .sudo()
            .search(
                [
                    ("res_model", "=", self._name),
                    ("activity_type_id", "=", activity_type.id),
                ]
            )
        )
        requests.action_feedback(
            feedback=self.env._(
                "Rates of the half-year starting %(date)s entered.",
                date=format_date(self.env, start),
            )
        )
