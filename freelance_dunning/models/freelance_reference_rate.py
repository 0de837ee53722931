from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .late_interest import half_year_start
from .res_partner import is_dunning_manager
from .value_checks import check_values

# What a half-year's rates accept (see value_checks): the ECB rate went below
# zero once (-0.5% in 2019), never below -5%.
RATE_BOUNDS = {
    "date_from": {},
    "ecb_rate": {"minimum": -5, "maximum": 100},
    "legal_rate": {"minimum": 0, "maximum": 100},
}


class FreelanceReferenceRate(models.Model):
    """The reference rates in force on the first day of a half-year.

    Late interest owed by business clients is the ECB main refinancing rate
    plus the company's margin (or a contractual rate, never below three times
    the legal interest rate); consumers owe the legal interest rate. The rates
    are published twice a year: they are data a user keeps up to date.
    """

    _name = "freelance.reference.rate"
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
        help="European Central Bank main refinancing rate on the first day.",
    )
    legal_rate = fields.Float(
        string="Legal Interest Rate (%)",
        required=True,
        digits=(5, 2),
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
        return super().create(vals_list)

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
        """Map each half-year start to its record; a missing half-year uses the
        latest earlier one (the rates in force until new ones are entered)."""
        # A few records per year: reading them all is cheap and done once per run.
        rates = self.search([], order="date_from", limit=1000)

        def rate_at(start):
            known = rates.filtered(lambda r: r.date_from <= start)
            return known[-1:] if known else rates[:1]

        return rate_at

    @api.model
    def _get_interest_rate_function(self, company, business=True):
        """The yearly rate (percent) for each half-year, for a company's client.

        Business clients: the contractual rate if the company has one, never
        below three times the legal rate, otherwise the ECB rate plus the
        company's margin. Consumers: the legal interest rate.
        """
        rate_at = self._get_rates_by_half_year()

        def rate_for(start):
            rate = rate_at(start)
            if not business:
                return rate.legal_rate
            if company.contractual_interest_rate:
                return max(company.contractual_interest_rate, 3 * rate.legal_rate)
            return rate.ecb_rate + company.late_interest_margin

        return rate_for
