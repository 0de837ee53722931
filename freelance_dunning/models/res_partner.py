from odoo import api, fields, models
from odoo.exceptions import AccessError, ValidationError

MANAGER_GROUP = "freelance_dunning.group_dunning_manager"


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

    @api.model
    def _commercial_fields(self):
        # Contacts follow their company's deposit terms, like the payment terms.
        return super()._commercial_fields() + ["deposit_policy", "payment_schedule_id"]

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
        if self.env.su or self.env.user.has_group(MANAGER_GROUP):
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
        result = super().write(vals)
        if {"deposit_policy", "payment_schedule_id"} & set(vals):
            self._check_deposit_rights()
        return result

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
            self.env["freelance.dunning.event"]._read_group(
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
            "freelance_dunning.freelance_dunning_event_action"
        )
        action["domain"] = [("partner_id", "=", self.commercial_partner_id.id)]
        action["context"] = {}
        return action
