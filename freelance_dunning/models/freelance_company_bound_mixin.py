from collections import defaultdict

from odoo import models
from odoo.exceptions import ValidationError


def check_company_batched(records, fnames, check_company):
    """Odoo's company check of ``records``, each value checked once per company.

    Odoo checks every record and field on its own (``models._check_company``),
    which costs more than the rest of creating a run's history lines. The
    domain a value must match depends only on the record's company
    (``_check_company_domain``), so the values of a field are checked
    together, per company. When one does not match, Odoo's own check
    (``check_company``, the model's ``super()._check_company``) runs and raises
    its usual error.
    """
    if len(records) < 2:
        return check_company(fnames)
    names = (
        records._fields
        if (fnames is None or {"company_id", "company_ids"} & set(fnames))
        else fnames
    )
    regular = []
    for name in names:
        field = records._fields[name]
        if field.relational and field.check_company:
            if field.company_dependent:
                return check_company(fnames)
            regular.append(name)
    if not regular or "company_id" not in records:
        return check_company(fnames)
    for name in regular:
        values = defaultdict(list)
        for record in records:
            corecords = record.sudo()[name]
            if corecords:
                values[record.company_id].extend(corecords._ids)
        comodel = records.env[records._fields[name].comodel_name].sudo()
        for companies, ids in values.items():
            corecords = comodel.browse(list(dict.fromkeys(ids)))
            domain = corecords._check_company_domain(companies)
            if domain and corecords != corecords.with_context(
                active_test=False
            ).filtered_domain(domain):
                return check_company(fnames)
    return None


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
