from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .cursor_permission import has_cursor_permission
from .freelance_payment_schedule import SCHEDULES_CREATING, SCHEDULES_EDITING
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
    _check_company_auto = True

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

    def _check_schedules_total(self, schedules):
        """An installment created, edited or deleted on its own keeps its
        schedule at 100%; the edits made through the schedule (its create and
        write) are checked once, on the schedule."""
        if has_cursor_permission(self.env, SCHEDULES_CREATING, ["create"]):
            return
        editing = self.env.cr.cache.get(SCHEDULES_EDITING, ())
        schedules.filtered(lambda s: s.id not in editing)._check_installments()

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, INSTALLMENT_BOUNDS)
        installments = super().create(vals_list)
        self._check_schedules_total(installments.schedule_id)
        return installments

    def write(self, vals):
        check_values(self, vals, INSTALLMENT_BOUNDS)
        schedules = self.schedule_id
        result = super().write(vals)
        if {"percent", "schedule_id"} & set(vals):
            self._check_schedules_total(schedules | self.schedule_id)
        return result

    def unlink(self):
        schedules = self.schedule_id
        result = super().unlink()
        self._check_schedules_total(schedules.exists())
        return result
