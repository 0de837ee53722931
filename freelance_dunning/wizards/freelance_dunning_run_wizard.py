from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError

from ..models.value_checks import check_values

RUN_BOUNDS = {"date": {}}
# The preview's figures, computed: a line created by hand gets finite ones.
PREVIEW_BOUNDS = {
    "days_late": {},
    "amount_residual": {},
    "amount_credited": {},
    "interest": {},
    "indemnity": {},
}


class FreelanceDunningRunWizard(models.TransientModel):
    """Preview exactly what a run would send, then send it (accountants)."""

    _name = "freelance.dunning.run.wizard"
    _description = "Run the Payment Reminders"
    _check_company_auto = True

    company_id = fields.Many2one(
        comodel_name="res.company", required=True, default=lambda self: self.env.company
    )
    date = fields.Date(required=True, default=fields.Date.context_today)
    partner_ids = fields.Many2many(
        comodel_name="res.partner",
        string="Clients",
        check_company=True,
        help="Leave empty to run for every client.",
        default=lambda self: self._default_partners(),
    )
    line_ids = fields.One2many(
        comodel_name="freelance.dunning.run.wizard.line",
        inverse_name="wizard_id",
        compute="_compute_line_ids",
        string="Preview",
    )
    reminder_count = fields.Integer(compute="_compute_line_ids", string="Reminders")
    nightly_reminders = fields.Boolean(related="company_id.nightly_reminders")
    other_tool_notice = fields.Char(
        compute="_compute_other_tool_notice",
        help="Another addon reminds this company's clients: this addon sends none.",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, RUN_BOUNDS)
        self._check_run_company(vals_list)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, vals, RUN_BOUNDS)
        self._check_run_company([vals])
        return super().write(vals)

    def _check_run_company(self, vals_list):
        """A run sends in a company's name: only in a company the user works in
        (the run itself reads the invoices as the system)."""
        if self.env.su:
            return
        allowed = set(self.env.user.company_ids.ids)
        if any(
            vals.get("company_id") and vals["company_id"] not in allowed
            for vals in vals_list
        ):
            raise AccessError(
                self.env._(
                    "You can run the payment reminders only of the companies you "
                    "work in."
                )
            )

    @api.model
    def _default_partners(self):
        if self.env.context.get("active_model") == "res.partner":
            return self.env["res.partner"].browse(self.env.context.get("active_ids"))
        return self.env["res.partner"]

    @api.depends("company_id", "date", "partner_ids")
    def _compute_line_ids(self):
        engine = self.env["freelance.dunning.engine"]
        today = fields.Date.context_today(self)
        for wizard in self:
            if wizard.date and abs((wizard.date - today).days) > 3660:
                raise UserError(self.env._("Choose a date within ten years of today."))
            partners = wizard.partner_ids.commercial_partner_id or None
            plan = engine._plan(wizard.company_id, wizard.date, partners)
            commands = [fields.Command.clear()]
            for (partner, currency), items in plan.items():
                for line, level, figures in items:
                    commands.append(
                        fields.Command.create(
                            {
                                "partner_id": partner.id,
                                "currency_id": currency.id,
                                "move_id": line.move_id.id,
                                "date_maturity": line.date_maturity,
                                "level_id": level.id,
                                "needs_validation": level.needs_validation,
                                **figures,
                            }
                        )
                    )
            wizard.line_ids = commands
            wizard.reminder_count = len(plan)

    @api.depends("company_id")
    def _compute_other_tool_notice(self):
        installed = self.env["res.company"]._installed_reminder_tools()
        for wizard in self:
            company = wizard.company_id
            wizard.other_tool_notice = (
                company
                and not company._reminders_by_this_addon(installed)
                and company._reminders_by_other_tool_message()
            )

    def action_switch_on_nightly_reminders(self):
        """Switch the company's nightly reminders on from this preview: the
        first night sends what the preview of today's run for every client
        shows (what a later day adds comes from later due dates)."""
        self.ensure_one()
        company = self.company_id
        company._check_client_sending_rights([{"nightly_reminders": True}])
        if company.nightly_reminders:
            raise UserError(
                self.env._(
                    "The nightly payment reminders of %(company)s are already on.",
                    company=company.name,
                )
            )
        if self.date != fields.Date.context_today(self) or self.partner_ids:
            raise UserError(
                self.env._(
                    "Switch the nightly reminders on from the preview of today's "
                    "run for every client: set the date to today and remove the "
                    "clients."
                )
            )
        # The plan of the run is computed here, in the same call that switches
        # the reminders on: what was shown is what the night starts from.
        self._compute_line_ids()
        company.sudo()._switch_on_nightly_reminders()
        company_name = company.name
        return {
            "type": "ir.actions.client",
            "tag": "display_notification",
            "params": {
                "type": "success",
                "message": self.env._(
                    "Nightly payment reminders are on for %(company)s: tonight's "
                    "run sends the %(count)s reminders of the preview, and those "
                    "of invoices falling due by then.",
                    company=company_name,
                    count=self.reminder_count,
                ),
                "next": {"type": "ir.actions.act_window_close"},
            },
        }

    def action_send(self):
        self.ensure_one()
        if self.date > fields.Date.context_today(self):
            raise UserError(
                self.env._("Reminders cannot be sent for a date in the future.")
            )
        partners = self.partner_ids.commercial_partner_id or None
        # The reminders are created here and sent in the background: their
        # list reads "Sending" until the accountant is told they are sent.
        # The run plans them: the preview is not computed a second time to
        # know whether there is something to send (issue 22).
        messages = self.env["freelance.dunning.engine"]._run(
            self.company_id,
            self.date,
            partners=partners,
            user=self.env.user,
            queue=True,
        )
        if not messages:
            # Nothing planned: what the run did is undone with the error.
            raise UserError(self.env._("Nothing to send on this date."))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "freelance_dunning.freelance_dunning_reminder_action"
        )
        action["domain"] = [("id", "in", messages.ids)]
        action["context"] = {}
        return action


class FreelanceDunningRunWizardLine(models.TransientModel):
    _name = "freelance.dunning.run.wizard.line"
    _description = "Payment Reminder Preview Line"
    _order = "partner_id, date_maturity"

    wizard_id = fields.Many2one(
        comodel_name="freelance.dunning.run.wizard", ondelete="cascade"
    )
    partner_id = fields.Many2one(comodel_name="res.partner", string="Client")
    currency_id = fields.Many2one(comodel_name="res.currency")
    move_id = fields.Many2one(comodel_name="account.move", string="Invoice")
    date_maturity = fields.Date(string="Due Date")
    level_id = fields.Many2one(comodel_name="freelance.dunning.level")
    needs_validation = fields.Boolean()
    days_late = fields.Integer()
    amount_residual = fields.Monetary(string="Amount Due")
    amount_credited = fields.Monetary(string="Credits Deducted")
    interest = fields.Monetary(string="Late Interest")
    indemnity = fields.Monetary(string="Recovery Indemnity")
    rate_missing = fields.Char(string="Missing Rates")

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, PREVIEW_BOUNDS)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, vals, PREVIEW_BOUNDS)
        return super().write(vals)
