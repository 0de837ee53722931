from odoo import models

# Code de commerce L441-10: at most 60 days from the invoice date, or 45 days
# end of month when expressly agreed.
FRENCH_B2B_MAX_DAYS = 60
FRENCH_B2B_MAX_DAYS_END_OF_MONTH = 45


class AccountPaymentTerm(models.Model):
    _inherit = "account.payment.term"

    def _exceeds_french_b2b_maximum(self):
        """Whether a line of the term pays later than French law allows for B2B."""
        self.ensure_one()
        for line in self.line_ids:
            if line.delay_type == "days_after" and line.nb_days > FRENCH_B2B_MAX_DAYS:
                return True
            if (
                line.delay_type == "days_after_end_of_month"
                and line.nb_days > FRENCH_B2B_MAX_DAYS_END_OF_MONTH
            ):
                return True
            if line.delay_type == "days_after_end_of_next_month":
                return True  # at least a month and the rest of the next one
            if (
                line.delay_type == "days_end_of_month_on_the"
                and line.nb_days + 30 > FRENCH_B2B_MAX_DAYS
            ):
                return True
        return False

    def _get_french_b2b_warning(self, partner):
        """The warning for a French business client, or False."""
        partner = partner.commercial_partner_id
        if not (
            self
            and partner.is_company
            and partner.country_id.code == "FR"
            and self._exceeds_french_b2b_maximum()
        ):
            return False
        return self.env._(
            "The payment term %(term)s is longer than French law allows between "
            "businesses: at most 60 days from the invoice date, or 45 days end of "
            "month if expressly agreed (Code de commerce L441-10).",
            term=self.display_name,
        )
