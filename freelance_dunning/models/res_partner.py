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
