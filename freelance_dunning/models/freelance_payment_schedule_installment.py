from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .freelance_payment_schedule import SCHEDULES_EDITING

INSTALLMENT_TRIGGERS = [
    ("signature", "At signature"),
    ("milestone", "At mid-way milestone"),
    ("delivery", "Before delivery"),
    ("date", "On a date"),
]


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

    @api.constrains("percent", "trigger", "days_after_signature")
    def _check_percent(self):
        for installment in self:
            if not 0.0 < installment.percent <= 100.0:
                raise ValidationError(
                    self.env._(
                        "An installment must be a percentage above 0 and up to 100, "
                        "not %(percent)s.",
                        percent=installment.percent,
                    )
                )
            if installment.trigger == "date" and installment.days_after_signature <= 0:
                raise ValidationError(
                    self.env._(
                        "An installment on a date needs a number of days after "
                        "signature greater than zero."
                    )
                )

    def write(self, vals):
        # An installment edited on its own must keep its schedule at 100%; edits
        # made through the schedule are checked once, on the schedule.
        result = super().write(vals)
        if {"percent", "schedule_id"} & set(vals):
            editing = self.env.cr.cache.get(SCHEDULES_EDITING, ())
            self.schedule_id.filtered(
                lambda s: s.id not in editing
            )._check_installments()
        return result
