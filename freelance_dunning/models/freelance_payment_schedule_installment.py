from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .freelance_payment_schedule import SCHEDULES_EDITING
from .value_checks import check_values

INSTALLMENT_TRIGGERS = [
    ("signature", "At signature"),
    ("milestone", "At mid-way milestone"),
    ("delivery", "Before delivery"),
    ("date", "On a date"),
]
# What an installment accepts (see value_checks): a share of the total, and at
# most ten years between the signature and its invoice.
INSTALLMENT_BOUNDS = {
    "percent": {"minimum": 0, "maximum": 100, "above": True},
    "days_after_signature": {"minimum": 0, "maximum": 3650},
    "sequence": {},
}


class FreelancePaymentScheduleInstallment(models.Model):
    _name = "freelance.payment.schedule.installment"
    _description = "Payment Schedule Installment"
    _order = "schedule_id, sequence, id"

    schedule_id = fields.Many2one(
        comodel_name="freelance.payment.schedule",
        required=True,
        ondelete="cascade",
        index=True,
    )
    company_id = fields.Many2one(related="schedule_id.company_id", store=True)
    sequence = fields.Integer(default=10)
    percent = fields.Float(string="Percentage", required=True)
    trigger = fields.Selection(
        selection=INSTALLMENT_TRIGGERS,
        required=True,
        default="signature",
        help="When the installment is invoiced: at signature (the deposit), when the "
        "mid-way milestone is reached, before delivery, or a number of days after "
        "signature.",
    )
    days_after_signature = fields.Integer(
        help="For installments on a date: days between the signature and the invoice."
    )

    @api.constrains("trigger", "days_after_signature")
    def _check_dated_installment(self):
        for installment in self:
            if installment.trigger == "date" and installment.days_after_signature <= 0:
                raise ValidationError(
                    self.env._(
                        "An installment on a date needs a number of days after "
                        "signature greater than zero."
                    )
                )

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, INSTALLMENT_BOUNDS)
        return super().create(vals_list)

    def write(self, vals):
        check_values(self, vals, INSTALLMENT_BOUNDS)
        # An installment edited on its own must keep its schedule at 100%; edits
        # made through the schedule are checked once, on the schedule.
        result = super().write(vals)
        if {"percent", "schedule_id"} & set(vals):
            editing = self.env.cr.cache.get(SCHEDULES_EDITING, ())
            self.schedule_id.filtered(
                lambda s: s.id not in editing
            )._check_installments()
        return result
