"""The client's page (issue 21): ``/dues/<token>``, no login.

The token (``res.partner._freelance_client_page_token``) names one client and
one company: every route here starts from it, reads as superuser what belongs
to that client and company only, and checks every id a visitor sends against
them. A malformed, forged or expired token, or a client gone, gets a friendly
page in the visitor's language, never a traceback.
"""

from odoo import fields
from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.http import request, route

from odoo.addons.account_payment.controllers.payment import PaymentPortal


class FreelanceClientPage(PaymentPortal):
    # ------------------------------------------------------------------
    # Helpers
    # ------------------------------------------------------------------

    def _client_page_from_token(self, token):
        return request.env["res.partner"]._freelance_client_page_from_token(token)

    def _client_page_lang(self, client=None):
        """``?lang=`` when installed, else the client's language, else the
        visitor's browser's best match."""
        installed = [code for code, _name in request.env["res.lang"].get_installed()]
        wanted = request.params.get("lang")
        if wanted in installed:
            return wanted
        if client and client.lang in installed:
            return client.lang
        best = request.httprequest.accept_languages.best_match(
            [code.replace("_", "-") for code in installed]
            + [code.split("_")[0] for code in installed]
        )
        for code in installed:
            if best and (best.replace("-", "_") == code or best == code.split("_")[0]):
                return code
        return "en_US"

    def _client_page_invalid(self):
        lang = self._client_page_lang()
        request.update_context(lang=lang)
        return request.render(
            "freelance_dunning.client_page_invalid",
            {"lang": lang},
            status=404,
        )

    def _client_page_values(self, client, company, token, lang):
        Page = request.env["freelance.client.page"].sudo().with_context(lang=lang)
        lines, totals = Page._get_items(client, company)
        values = {
            "client": client.with_context(lang=lang),
            "company": company.with_context(lang=lang),
            "token": token,
            "lines": lines,
            "totals": totals,
            "bank": Page._get_bank_details(company, lines),
            "page_lang": lang,
            "langs": request.env["res.lang"].get_installed(),
            "today": fields.Date.context_today(client),
            "message": False,
            "error": False,
            "res_company": company,
            "open_promise": False,
            "disputes": False,
        }
        # Promises and disputes (issue 21, Deliver 2 and 3) when installed.
        if hasattr(client, "_freelance_open_promise"):
            values["open_promise"] = client._freelance_open_promise(company)
        if hasattr(client, "_freelance_disputes"):
            values["disputes"] = client._freelance_disputes(company)
        return values

    def _client_page_notices(self):
        """{notice code: (message, error)}: what the page says at its top
        after an action redirected to ``/dues/<token>?notice=<code>``. The
        forms' controllers add their codes by extending this method."""
        env = request.env
        return {
            "paid": (
                env._(
                    "Thank you: your payment was received. The invoices paid "
                    "leave this page once the payment is confirmed."
                ),
                False,
            ),
            "pay_choose": (
                False,
                env._("Choose invoices that are still to pay on this page."),
            ),
            "pay_currency": (
                False,
                env._(
                    "Invoices in different currencies are paid separately: "
                    "choose invoices in one currency."
                ),
            ),
            "pay_credits": (
                env._(
                    "Your credit notes cover these invoices: there is nothing to "
                    "pay, we will apply them."
                ),
                False,
            ),
            "pay_none": (
                False,
                env._(
                    "Online payment is not available at the moment: please pay "
                    "by bank transfer."
                ),
            ),
        }

    def _client_page_notice(self, code):
        """(message, error) of a notice code; (False, False) for any other."""
        return self._client_page_notices().get(code or "", (False, False))

    @staticmethod
    def _client_page_parse_ids(value):
        ids = []
        for part in (value or "").replace(",", "-").split("-"):
            if not part.strip():
                continue
            if not part.strip().isdigit():
                return []
            ids.append(int(part))
        return ids

    def _client_page_payment_context(self, client, company, lines):
        """What Odoo's payment form needs for these lines: the providers and
        methods of the company, no saved card (anyone holding the link could
        use it), the amount left on the lines."""
        currency = lines.currency_id
        credits, amount = (
            request.env["freelance.client.page"]
            .sudo()
            ._get_payment(client, company, lines)
        )
        providers_sudo = (
            request.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                company.id, client.id, amount, currency_id=currency.id
            )
        )
        payment_methods_sudo = (
            request.env["payment.method"]
            .sudo()
            ._get_compatible_payment_methods(
                providers_sudo.ids, client.id, currency_id=currency.id
            )
        )
        return {
            "amount": amount,
            "credit_lines": credits,
            "currency": currency,
            "partner_id": client.id,
            "providers_sudo": providers_sudo,
            "payment_methods_sudo": payment_methods_sudo,
            "tokens_sudo": request.env["payment.token"].sudo().browse(),
            "allow_token_selection": False,
            "show_tokenize_input_mapping": dict.fromkeys(providers_sudo.ids, False),
            "reference_prefix": None,
            "access_token": None,
        }

    # ------------------------------------------------------------------
    # Routes
    # ------------------------------------------------------------------

    @route(
        "/dues/<string:token>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def client_page(self, token, notice=None, **kwargs):
        client, company, _valid_until = self._client_page_from_token(token)
        if not client:
            return self._client_page_invalid()
        lang = self._client_page_lang(client)
        request.update_context(lang=lang)
        values = self._client_page_values(client, company, token, lang)
        values["message"], values["error"] = self._client_page_notice(notice)
        return request.render("freelance_dunning.client_page", values)

    @route(
        "/dues/<string:token>/pay",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def client_page_pay(self, token, line_ids=None, **kwargs):
        """The payment form for the chosen invoice lines (``line_ids``: ids
        separated by commas, or the checkboxes' repeated parameter)."""
        client, company, _valid_until = self._client_page_from_token(token)
        if not client:
            return self._client_page_invalid()
        lang = self._client_page_lang(client)
        request.update_context(lang=lang)
        raw = request.httprequest.args.getlist("line_ids")
        ids = self._client_page_parse_ids(",".join(raw or [line_ids or ""]))
        Page = request.env["freelance.client.page"].sudo().with_context(lang=lang)
        # The language asked for, once checked (an installed one).
        lang_query = f"&lang={lang}" if request.params.get("lang") else ""
        try:
            lines = Page._get_lines_to_pay(client, company, ids)
        except ValidationError:
            open_lines = Page._open_lines(client, company)
            chosen = open_lines.filtered(lambda line: line.id in ids)
            code = "pay_currency" if len(chosen.currency_id) > 1 else "pay_choose"
            return request.redirect(f"/dues/{token}?notice={code}{lang_query}")
        values = self._client_page_values(client, company, token, lang)
        payment = self._client_page_payment_context(client, company, lines)
        if payment["amount"] <= 0:
            return request.redirect(f"/dues/{token}?notice=pay_credits{lang_query}")
        if not payment["payment_methods_sudo"]:
            return request.redirect(f"/dues/{token}?notice=pay_none{lang_query}")
        values.update(payment)
        values.update(
            {
                "pay_lines": lines,
                "pay_invoices": lines.move_id,
                "transaction_route": (
                    f"/dues/{token}/transaction/{'-'.join(map(str, lines.ids))}"
                ),
                "landing_route": f"/dues/{token}?notice=paid{lang_query}",
            }
        )
        return request.render("freelance_dunning.client_page_payment", values)

    @route(
        "/dues/<string:token>/transaction/<string:line_ids>",
        type="json",
        auth="public",
    )
    def client_page_transaction(self, token, line_ids, **kwargs):
        """Create the transaction paying the chosen lines, for the token's
        client: the amount is what the lines still owe, whatever the browser
        sent; no saved card is used."""
        client, company, _valid_until = self._client_page_from_token(token)
        if not client:
            raise ValidationError(request.env._("This link is no longer valid."))
        ids = self._client_page_parse_ids(line_ids)
        lines = (
            request.env["freelance.client.page"]
            .sudo()
            ._get_lines_to_pay(client, company, ids)
        )
        # No access token of Odoo's: the page's token is in the route.
        kwargs.pop("access_token", None)
        self._validate_transaction_kwargs(kwargs)
        if kwargs.get("flow") == "token" or kwargs.get("token_id"):
            raise AccessError(
                request.env._("Saved payment methods cannot be used from this page.")
            )
        if kwargs.get("is_validation"):
            raise AccessError(
                request.env._("This page pays invoices: it validates no card.")
            )
        # The providers and methods the page offers, rebuilt here: whatever
        # the browser sends must be one of them.
        payment = self._client_page_payment_context(client, company, lines)
        if payment["amount"] <= 0:
            raise ValidationError(
                request.env._(
                    "Your credit notes cover these invoices: there is nothing to "
                    "pay, we will apply them."
                )
            )
        provider_id = PaymentPortal._cast_as_int(kwargs.get("provider_id"))
        provider = payment["providers_sudo"].filtered(
            lambda provider: provider.id == provider_id
        )
        method_id = PaymentPortal._cast_as_int(kwargs.get("payment_method_id"))
        method = payment["payment_methods_sudo"].filtered(
            lambda method: method.id == method_id and provider in method.provider_ids
        )
        if not provider or not method:
            raise ValidationError(
                request.env._("Choose a payment method on this page.")
            )
        landing = kwargs.get("landing_route") or ""
        if not landing.startswith(f"/dues/{token}?"):
            landing = f"/dues/{token}?notice=paid"
        kwargs.pop("tokenization_requested", None)
        kwargs.pop("csrf_token", None)
        kwargs.update(
            {
                "amount": payment["amount"],
                "currency_id": payment["currency"].id,
                "partner_id": client.id,
                "landing_route": landing,
            }
        )
        tx_sudo = self._create_transaction(
            tokenization_requested=False,
            custom_create_values={
                # The credit notes deducted are reconciled with the payment.
                "invoice_ids": [
                    Command.set((lines.move_id | payment["credit_lines"].move_id).ids)
                ],
            },
            **kwargs,
        )
        return tx_sudo._get_processing_values()

    @route(
        "/dues/<string:token>/invoice/<int:move_id>",
        type="http",
        auth="public",
        methods=["GET"],
        website=True,
        sitemap=False,
    )
    def client_page_invoice_pdf(self, token, move_id, **kwargs):
        """The PDF of one of the client's invoices or credit notes with the
        company, through Odoo's portal route and the document's own access
        token; any other document gets the friendly page."""
        client, company, _valid_until = self._client_page_from_token(token)
        if not client:
            return self._client_page_invalid()
        move = request.env["account.move"].sudo().browse(move_id).exists()
        if (
            not move
            or move.commercial_partner_id != client
            or move.company_id != company
            or move.state != "posted"
            or move.move_type not in ("out_invoice", "out_refund")
        ):
            return self._client_page_invalid()
        return request.redirect(move.get_portal_url(report_type="pdf", download=True))
