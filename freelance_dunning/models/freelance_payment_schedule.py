from contextlib import contextmanager

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import float_compare

from .cursor_permission import cursor_permission
from .value_checks import check_values

# Schedules whose own write() is editing their installments (see
# _editing_installments).
SCHEDULES_EDITING = "freelance_dunning.schedules_editing_installments"
# Open while schedules are created with their installments (see create()).
SCHEDULES_CREATING = "freelance_dunning.schedules_creating"


class FreelancePaymentSchedule(models.Model):
    """A template of ordered installments (e.g. 50/25/25) applied to quotations.

    The installments triggered at signature form the deposit (acompte); the
    others are invoiced when their trigger happens.
    """

    _name = "freelance.payment.schedule"
    _inherit = ["freelance.company.bound.mixin"]
    _description = "Payment Schedule"
    _order = "sequence, id"
    _check_company_auto = True

    name = fields.Char(required=True, translate=True)
    sequence = fields.Integer(default=10)
    active = fields.Boolean(default=True)
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    installment_ids = fields.One2many(
        comodel_name="freelance.payment.schedule.installment",
        inverse_name="schedule_id",
        string="Installments",
        copy=True,
    )
    deposit_percent = fields.Float(
        string="Deposit (%)",
        compute="_compute_deposit_percent",
        store=True,
        help="Share of the total invoiced at signature.",
    )
    summary = fields.Char(
        compute="_compute_summary",
        help="The installments' percentages in order, e.g. 50/25/25.",
    )
    note = fields.Text(translate=True)

    @api.depends("installment_ids.percent", "installment_ids.trigger")
    def _compute_deposit_percent(self):
        for schedule in self:
            schedule.deposit_percent = sum(
                schedule.installment_ids.filtered(
                    lambda i: i.trigger == "signature"
                ).mapped("percent")
            )

    @api.depends("installment_ids.percent", "installment_ids.sequence")
    def _compute_summary(self):
        for schedule in self:
            installments = schedule.installment_ids.sorted("sequence")
            schedule.summary = "/".join(f"{i.percent:g}" for i in installments)

    @api.constrains("installment_ids")
    def _check_installments(self):
        for schedule in self:
            if not schedule.installment_ids:
                raise ValidationError(
                    self.env._(
                        "The payment schedule %(schedule)s has no installment: add at "
                        "least one (100%% at signature for full payment upfront).",
                        schedule=schedule.name,
                    )
                )
            total = sum(schedule.installment_ids.mapped("percent"))
            if float_compare(total, 100.0, precision_digits=2):
                raise ValidationError(
                    self.env._(
                        "The installments of the payment schedule %(schedule)s add up "
                        "to %(total)s%%; they must add up to exactly 100%%.",
                        schedule=schedule.name,
                        total=round(total, 2),
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, {"sequence": {}})
        # Its installments are checked once, on the new schedule.
        with cursor_permission(self.env, SCHEDULES_CREATING, ["create"]):
            schedules = super().create(vals_list)
        # A schedule created without any installment line is refused too.
        schedules._check_installments()
        return schedules

    def write(self, vals):
        # The installments edited through their schedule are checked once, on
        # the schedule (its constraint), not one by one while they change.
        check_values(self, vals, {"sequence": {}})
        with self._editing_installments():
            return super().write(vals)

    def _get_company_move_refusal(self):
        """A schedule some quotation, client or company setting uses stays in
        its company: they would keep another company's terms."""
        users = []
        for schedule in self:
            orders = (
                self.env["sale.order"]
                .with_context(active_test=False)
                .search_count([("payment_schedule_id", "=", schedule.id)], limit=1)
            )
            # The client's schedule is a value per company: the schedule's own.
            clients = (
                self.env["res.partner"]
                .with_company(schedule.company_id)
                .with_context(active_test=False)
                .search_count([("payment_schedule_id", "=", schedule.id)], limit=1)
            )
            companies = self.env["res.company"].search_count(
                [("payment_schedule_id", "=", schedule.id)], limit=1
            )
            if orders or clients or companies:
                users.append(schedule.name)
        if not users:
            return False
        return self.env._(
            "The payment schedule %(schedules)s is used by quotations, clients or "
            "the company's settings: it cannot move to another company. Create "
            "a schedule in the other company instead.",
            schedules=", ".join(users),
        )

    @contextmanager
    def _editing_installments(self):
        """Mark these schedules as editing their installments for the block.

        Kept on the cursor, where no caller over RPC reaches: an installment
        written on its own is always checked (see its write()).
        """
        editing = self.env.cr.cache.setdefault(SCHEDULES_EDITING, set())
        added = set(self.ids) - editing
        editing.update(added)
        try:
            yield
        finally:
            editing.difference_update(added)

    def _prepare_order_installments(self):
        """Values of the installments a quotation gets from this schedule."""
        self.ensure_one()
        return [
            {
                "sequence": installment.sequence,
                "percent": installment.percent,
                "trigger": installment.trigger,
                "days_after_signature": installment.days_after_signature,
            }
            for installment in self.installment_ids.sorted("sequence")
        ]
