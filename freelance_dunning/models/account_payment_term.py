from datetime import date, timedelta

from odoo import fields, models
from odoo.tools import date_utils
from odoo.tools.misc import format_date

# Code de commerce L441-10: at most 60 days from the invoice date, or 45 days
# end of month when expressly agreed.
FRENCH_B2B_MAX_DAYS = 60
FRENCH_B2B_MAX_DAYS_END_OF_MONTH = 45
# The invoice dates a term is tried on: every day of this year and the next,
# so every month length and every month-end meets every delay.
SAMPLE_DAYS = 731


def french_b2b_latest_due_date(invoice_date):
    """The latest due date French law allows between businesses for an invoice
    of ``invoice_date``: 60 days from the invoice date, or 45 days end of month,
    counted either way the DGCCRF accepts (end of the month, then 45 days; or
    45 days, then the end of that month)."""
    return max(
        invoice_date + timedelta(days=FRENCH_B2B_MAX_DAYS),
        date_utils.end_of(invoice_date, "month")
        + timedelta(days=FRENCH_B2B_MAX_DAYS_END_OF_MONTH),
        date_utils.end_of(
            invoice_date + timedelta(days=FRENCH_B2B_MAX_DAYS_END_OF_MONTH), "month"
        ),
    )


class AccountPaymentTerm(models.Model):
    _inherit = "account.payment.term"

    def _get_worst_case_due_dates(self):
        """[(invoice date, latest due date of the term)] on every sample day.

        The due dates are Odoo's own (``account.payment.term.line``
        ``_get_due_date``), so every kind of line counts as Odoo computes it:
        days after, end of month, end of the following month, "30 days then
        the 10th".
        """
        self.ensure_one()
        first_day = date(fields.Date.context_today(self).year, 1, 1)
        result = []
        for offset in range(SAMPLE_DAYS):
            invoice_date = first_day + timedelta(days=offset)
            due = max(
                (line._get_due_date(invoice_date) for line in self.line_ids),
                default=invoice_date,
            )
            result.append((invoice_date, due))
        return result

    def _get_worst_case_delay(self):
        """The most days the term lets pass between the invoice date and its
        last installment, whatever the invoice date."""
        self.ensure_one()
        return max(
            (due - invoice_date).days
            for invoice_date, due in self._get_worst_case_due_dates()
        )

    def _get_french_b2b_excess(self, due_dates=None):
        """The invoice date on which the term pays the most days later than
        French law allows between businesses, with its due date: (invoice
        date, due date), or None when the term keeps within both caps on every
        invoice date.

        :param due_dates: ``_get_worst_case_due_dates()``, when already read
        """
        self.ensure_one()
        worst = None
        worst_excess = 0
        for invoice_date, due in due_dates or self._get_worst_case_due_dates():
            excess = (due - french_b2b_latest_due_date(invoice_date)).days
            if excess > worst_excess:
                worst, worst_excess = (invoice_date, due), excess
        return worst

    def _exceeds_french_b2b_maximum(self):
        """Whether the term pays later than French law allows for B2B on some
        invoice date."""
        self.ensure_one()
        return self._get_french_b2b_excess() is not None

    def _get_french_b2b_warning(self, partner):
        """The warning for a French professional client, or False."""
        partner = partner.commercial_partner_id
        if not (
            self
            and partner
            and partner._is_professional_client()
            and partner.country_id.code == "FR"
        ):
            return False
        due_dates = self._get_worst_case_due_dates()
        excess = self._get_french_b2b_excess(due_dates)
        if not excess:
            return False
        invoice_date, due = excess
        worst_delay = max((last - first).days for first, last in due_dates)
        return self.env._(
            "The payment term %(term)s is longer than French law allows between "
            "businesses: at most 60 days from the invoice date, or 45 days end of "
            "month if expressly agreed (Code de commerce L441-10). It pays up to "
            "%(days)s days after the invoice date: an invoice dated %(invoice_date)s "
            "falls due on %(due)s.",
            term=self.display_name,
            days=worst_delay,
            invoice_date=format_date(self.env, invoice_date),
            due=format_date(self.env, due),
        )
