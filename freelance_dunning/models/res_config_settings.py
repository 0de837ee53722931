from odoo import api, fields, models

from .res_company import SETTINGS_BOUNDS
from .value_checks import check_values


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    deposit_required = fields.Boolean(
        related="company_id.deposit_required", readonly=False
    )
    deposit_percent = fields.Float(related="company_id.deposit_percent", readonly=False)
    invoice_send_at_once = fields.Boolean(
        related="company_id.invoice_send_at_once", readonly=False
    )
    nightly_reminders = fields.Boolean(
        related="company_id.nightly_reminders", readonly=False
    )
    payment_reminders_by = fields.Selection(
        related="company_id.payment_reminders_by", readonly=False
    )
    other_reminder_tools = fields.Char(
        compute="_compute_other_reminder_tools",
        help="The other addons installed that send payment reminders.",
    )
    blacklist_policy = fields.Selection(
        related="company_id.blacklist_policy", readonly=False
    )
    blacklist_proposal_level_id = fields.Many2one(
        related="company_id.blacklist_proposal_level_id", readonly=False
    )
    blacklist_proposal_count = fields.Integer(
        related="company_id.blacklist_proposal_count", readonly=False
    )
    work_gate_required = fields.Boolean(
        related="company_id.work_gate_required", readonly=False
    )
    payment_schedule_id = fields.Many2one(
        related="company_id.payment_schedule_id", readonly=False
    )
    late_interest_margin = fields.Float(
        related="company_id.late_interest_margin", readonly=False
    )
    contractual_interest_rate = fields.Float(
        related="company_id.contractual_interest_rate", readonly=False
    )
    recovery_indemnity_amount = fields.Float(
        related="company_id.recovery_indemnity_amount", readonly=False
    )
    dunning_interest_account_id = fields.Many2one(
        related="company_id.dunning_interest_account_id", readonly=False
    )
    dunning_indemnity_account_id = fields.Many2one(
        related="company_id.dunning_indemnity_account_id", readonly=False
    )
    suspend_work_on_nonpayment = fields.Boolean(
        related="company_id.suspend_work_on_nonpayment", readonly=False
    )
    dunning_morning_email = fields.Boolean(
        related="company_id.dunning_morning_email", readonly=False
    )
    dunning_morning_email_hour = fields.Integer(
        related="company_id.dunning_morning_email_hour", readonly=False
    )
    dunning_rehearsal = fields.Boolean(
        related="company_id.dunning_rehearsal", readonly=False
    )
    dunning_responsible_id = fields.Many2one(
        related="company_id.dunning_responsible_id", readonly=False
    )
    promise_max_days = fields.Integer(
        related="company_id.promise_max_days", readonly=False
    )
    promise_max_count = fields.Integer(
        related="company_id.promise_max_count", readonly=False
    )
    promise_period_days = fields.Integer(
        related="company_id.promise_period_days", readonly=False
    )
    payment_link_warning = fields.Char(
        compute="_compute_payment_link_warning",
        help="Why the payment links of the company lead nowhere.",
    )

    @api.depends("company_id")
    def _compute_other_reminder_tools(self):
        installed = self.env["res.company"]._installed_reminder_tools()
        field = self.env["res.company"]._fields["payment_reminders_by"]
        labels = dict(field._description_selection(self.env))
        for settings in self:
            settings.other_reminder_tools = ", ".join(
                labels[name] for name in installed
            )

    @api.depends("company_id")
    def _compute_payment_link_warning(self):
        for settings in self:
            settings.payment_link_warning = (
                settings.company_id._get_payment_link_warning() or False
            )

    def action_preview_nightly_reminders(self):
        """The run of the day in the company, from which a dunning manager
        switches the nightly reminders on (``Switch On Nightly Reminders``)."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "freelance_dunning.freelance_dunning_run_wizard_action"
        )
        action["name"] = self.env._("Preview of the Nightly Reminders")
        action["context"] = {
            "default_company_id": self.company_id.id,
            "dialog_size": "extra-large",
        }
        return action

    @api.model_create_multi
    def create(self, vals_list):
        # Checked here too: the form's own fields convert the values first.
        check_values(self, vals_list, SETTINGS_BOUNDS)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, vals, SETTINGS_BOUNDS)
        return super().write(vals)
