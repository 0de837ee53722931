"""The client's page's forms (issue 21): promise to pay and dispute.

``/dues/<token>/promise`` and ``/dues/<token>/dispute`` (POST, CSRF, no
login). The token names the client and the company; every invoice id posted
is checked against them by the models' rules
(``freelance.dunning.promise`` / ``freelance.dunning.dispute``), which refuse
with a notice code; the visitor is sent back to the page with that notice.
A refused form changes nothing.
"""

import logging
import math
import re
from datetime import date as Date

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.http import request, route

from ..models.cursor_permission import cursor_permission
from ..models.freelance_dunning_promise import CLIENT_PAGE_SOURCE, ClientFormRefusal
from .client_page import FreelanceClientPage

_logger = logging.getLogger(__name__)

# The longest message a visitor may post (the model cuts it too).
MESSAGE_MAX = 4000


class FreelanceClientPageForms(FreelanceClientPage):
    def _client_page_notices(self):
        env = request.env
        return super()._client_page_notices() | {
            "promise_ok": (
                env._(
                    "Thank you: your promise to pay is recorded. We send no "
                    "reminder for these invoices until the date you chose."
                ),
                False,
            ),
            "dispute_ok": (
                env._(
                    "Thank you: your dispute is recorded. We send no reminder for "
                    "these invoices until it is settled, and we will get back to you."
                ),
                False,
            ),
            "invoices": (
                False,
                env._("Choose among your invoices on this page that are still to pay."),
            ),
            "promise_date": (
                False,
                env._("Choose a date after today, no later than the form allows."),
            ),
            "promise_amount": (
                False,
                env._(
                    "The amount must be more than zero and no more than what the "
                    "chosen invoices still owe (leave it empty for all of it)."
                ),
            ),
            "promise_open": (
                False,
                env._("A promise to pay is already open: it is shown on this page."),
            ),
            "promise_limit": (
                False,
                env._(
                    "No more promises to pay can be made for now: please pay the "
                    "invoices or contact us."
                ),
            ),
            "promise_disputed": (
                False,
                env._(
                    "A disputed invoice cannot be promised until the dispute is "
                    "settled."
                ),
            ),
            "dispute_reason": (False, env._("Choose the reason of the dispute.")),
            "dispute_message": (False, env._("Tell us what is wrong in a few words.")),
            "dispute_already": (
                False,
                env._(
                    "One of these invoices is already disputed: we are looking into it."
                ),
            ),
            "form_error": (
                False,
                env._(
                    "Your request could not be recorded: please try again or "
                    "contact us."
                ),
            ),
        }

    def _client_page_posted_moves(self):
        """The invoices the form posted (``invoice_ids``, repeated), as
        superuser records; None when an id is not a number."""
        ids = []
        for value in request.httprequest.form.getlist("invoice_ids"):
            if not value.strip().isdigit():
                return None
            ids.append(int(value))
        return request.env["account.move"].sudo().browse(ids)

    def _client_page_form(self, token, model, values):
        """Create the promise or dispute asked by the page's form, as the
        page (``CLIENT_PAGE_SOURCE``), under a savepoint; redirect to the page
        with the notice."""
        client, company, _valid_until = self._client_page_from_token(token)
        if not client:
            return self._client_page_invalid()
        lang = self._client_page_lang(client)
        request.update_context(lang=lang)
        lang_query = f"&lang={lang}" if request.params.get("lang") else ""
        moves = self._client_page_posted_moves()
        code = f"{model.split('.')[-1]}_ok"
        if moves is None:
            code = "invoices"
        else:
            env = request.env(su=True)
            vals = {
                "partner_id": client.id,
                "company_id": company.id,
                "move_ids": [Command.set(moves.ids)],
                **values,
            }
            try:
                with (
                    env.cr.savepoint(),
                    cursor_permission(env, CLIENT_PAGE_SOURCE, ["page"]),
                ):
                    env[model].with_context(lang=lang).create(vals)
            except ClientFormRefusal as refusal:
                code = refusal.code
            except ValidationError:
                # A field's value refused (check_values): a date or amount
                # the form's own inputs never send.
                _logger.info("Client's page form refused", exc_info=True)
                code = "form_error"
        return request.redirect(f"/dues/{token}?notice={code}{lang_query}")

    @route(
        "/dues/<string:token>/promise",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def client_page_promise(self, token, date=None, amount=None, **kwargs):
        # No date (or not one): refused by the rule with its notice.
        raw_date = (date or "").strip()[:10]
        values = {"date": False}
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", raw_date):
            try:
                values["date"] = Date.fromisoformat(raw_date)
            except ValueError:
                values["date"] = False
        amount = (amount or "").strip().replace(",", ".").replace("\xa0", "")
        if amount:
            try:
                values["amount"] = float(amount.replace(" ", ""))
            except ValueError:
                values["amount"] = -1.0  # refused by the rule with its notice
            if not math.isfinite(values["amount"]) or values["amount"] <= 0:
                # Typed, it must be more than zero (empty: all of it).
                values["amount"] = -1.0
        return self._client_page_form(token, "freelance.dunning.promise", values)

    @route(
        "/dues/<string:token>/dispute",
        type="http",
        auth="public",
        methods=["POST"],
        website=True,
        sitemap=False,
    )
    def client_page_dispute(self, token, reason=None, message=None, **kwargs):
        values = {
            "reason": reason or False,
            "message": (message or "")[:MESSAGE_MAX],
        }
        return self._client_page_form(token, "freelance.dunning.dispute", values)
