from odoo import models
from odoo.exceptions import ValidationError


class FreelanceCompanyBoundMixin(models.AbstractModel):
    """Records that stay in their company once something depends on them.

    Odoo's company check (``_check_company_auto``) compares a record with what
    it points to, not with what points to it: a level moved to company B would
    leave company A's reminders, history and invoices on B's ladder. A model
    says what depends on its records in ``_get_company_move_refusal``; a
    ``write`` of ``company_id`` moving one of them is refused with that
    message, whoever calls, before anything is written.
    """

    _name = "freelance.company.bound.mixin"
    _description = "Record Kept in Its Company"

    def write(self, vals):
        if "company_id" in vals:
            moved = self.filtered(
                lambda record: record.company_id.id != vals["company_id"]
            )
            refusal = moved and moved.sudo()._get_company_move_refusal()
            if refusal:
                # Odoo's refusal first for those without the right at all.
                self.check_access("write")
                raise ValidationError(refusal)
        return super().write(vals)

    def _get_company_move_refusal(self):
        """Why these records cannot move to another company (a translated
        message saying what to do instead), or ``False`` when they may.

        Called as superuser: what depends on them may be out of the caller's
        reach, it still counts.
        """
        return False
