from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

from .res_partner import is_dunning_manager
from .value_checks import check_values

# Company settings that email clients without anyone's action.
CLIENT_SENDING = ("invoice_send_at_once", "nightly_reminders")

# What the company's settings accept (see value_checks).
SETTINGS_BOUNDS = {
    "deposit_percent": {"minimum": 0, "maximum": 100},
    "late_interest_margin": {"minimum": 0, "maximum": 100},
    "contractual_interest_rate": {"minimum": 0, "maximum": 100},
    "recovery_indemnity_amount": {"minimum": 0, "maximum": 100000},
    "blacklist_proposal_count": {"minimum": 0, "maximum": 1000},
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
    recovery_indemnity_amount = fields.Float(
        string="Recovery Indemnity (EUR)",
        default=40.0,
        help="Fixed indemnity for recovery costs owed by business clients for each "
        "invoice paid late (France and EU: at least 40 EUR).",
    )
    suspend_work_on_nonpayment = fields.Boolean(
        string="Suspend Work When Unpaid",
        default=True,
        help="The printed terms tell the client that work is suspended while an "
        "invoice stays unpaid.",
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
        return super().write(vals)

    def _check_client_sending_rights(self, vals_list):
        """Only a dunning manager switches on what emails clients by itself."""
        if is_dunning_manager(self.env):
            return
        if any(vals.get(fname) for vals in vals_list for fname in CLIENT_SENDING):
            raise AccessError(
                self.env._(
                    "Only a dunning manager may switch on emailing invoices at once "
                    "or the nightly payment reminders."
                )
            )

    @api.constrains("blacklist_proposal_level_id", "payment_schedule_id")
    def _check_dunning_company(self):
        """The company's level and schedule are its own. Odoo checks the
        companies of ``check_company`` fields only on models with
        ``_check_company_auto``, which res.company is not."""
        self._check_company(["blacklist_proposal_level_id", "payment_schedule_id"])

    @api.constrains("contractual_interest_rate")
    def _check_contractual_interest_rate(self):
        today = fields.Date.context_today(self)
        rate = self.env["freelance.reference.rate"]._get_rates_by_half_year()(today)
        for company in self.filtered("contractual_interest_rate"):
            floor = 3 * rate.legal_rate
            if company.contractual_interest_rate < floor:
                raise ValidationError(
                    self.env._(
                        "A contractual late interest rate cannot be below three times "
                        "the legal interest rate: at least %(floor)s%% today.",
                        floor=round(floor, 2),
                    )
                )
