"""The signed link of the client's page (issue 21): one token per client and
company, with an expiry, that opens that page only.

A token reads ``<client id>-<company id>-<valid until YYYYMMDD>-<signature>``.
The signature is an HMAC of the three values with the database's secret
(``odoo.tools.misc.hmac``, scope ``freelance_dunning.client_page``): changing
any of them, or the secret, makes the token worthless. Nothing is stored.
"""

import re
from datetime import date, timedelta

from odoo import fields, models
from odoo.tools import consteq
from odoo.tools.misc import hmac

CLIENT_PAGE_SCOPE = "freelance_dunning.client_page"
# How long a link sent today keeps opening the page.
CLIENT_PAGE_VALIDITY_DAYS = 90
TOKEN_PATTERN = re.compile(r"^(\d{1,12})-(\d{1,12})-(\d{8})-([0-9a-f]{64})$")


class ResPartner(models.Model):
    _inherit = "res.partner"

    def _freelance_client_page_signature(self, company_id, valid_until):
        return hmac(
            self.env(su=True),
            CLIENT_PAGE_SCOPE,
            (self.id, company_id, valid_until.strftime("%Y%m%d")),
        )

    def _freelance_client_page_token(self, company, valid_until=None):
        """The token of this client's page with ``company``, valid until
        ``valid_until`` (default: today + CLIENT_PAGE_VALIDITY_DAYS)."""
        self.ensure_one()
        company.ensure_one()
        client = self.commercial_partner_id
        valid_until = valid_until or (
            fields.Date.context_today(self) + timedelta(days=CLIENT_PAGE_VALIDITY_DAYS)
        )
        signature = client._freelance_client_page_signature(company.id, valid_until)
        return f"{client.id}-{company.id}-{valid_until:%Y%m%d}-{signature}"

    def _freelance_client_page_from_token(self, token):
        """(client, company, valid_until) of a valid token, as superuser
        records; (empty partner, empty company, None) for anything else: a
        malformed, forged or expired token, or a client or company gone."""
        nothing = (self.browse().sudo(), self.env["res.company"].sudo(), None)
        match = TOKEN_PATTERN.match(token or "")
        if not match:
            return nothing
        client_id, company_id, until, signature = match.groups()
        try:
            valid_until = date(int(until[:4]), int(until[4:6]), int(until[6:]))
        except ValueError:
            return nothing
        client = self.sudo().browse(int(client_id)).exists()
        company = self.env["res.company"].sudo().browse(int(company_id)).exists()
        if not client or not company:
            return nothing
        expected = client._freelance_client_page_signature(company.id, valid_until)
        if not consteq(expected, signature):
            return nothing
        if valid_until < fields.Date.context_today(client):
            return nothing
        if client != client.commercial_partner_id:
            return nothing
        return client, company, valid_until
