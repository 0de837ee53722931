"""What the client's page (issue 21) shows and lets a client pay.

The page is opened by a signed token
(``res.partner._freelance_client_page_token``), without a login:
everything here runs as superuser on the one client and company the token
names, and every id a visitor posts is checked against them.
"""

from collections import defaultdict

from odoo import api, fields, models
from odoo.exceptions import ValidationError

from .freelance_reference_rate import MissingReferenceRate


class FreelanceClientPage(models.AbstractModel):
    _name = "freelance.client.page"
    _description = "Client's Page of Open Items"

    @api.model
    def _open_lines(self, client, company):
        """The client's open receivable lines with ``company``: invoices still
        owed (residual > 0) and credit notes still open (residual < 0)."""
        return (
            self.env["account.move.line"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("account_type", "=", "asset_receivable"),
                    ("parent_state", "=", "posted"),
                    ("reconciled", "=", False),
                    ("partner_id", "child_of", client.id),
                    ("move_id.move_type", "in", ("out_invoice", "out_refund")),
                ],
                order="date_maturity, move_id, id",
            )
            .filtered(
                lambda line: not line.currency_id.is_zero(line.amount_residual_currency)
            )
        )

    @api.model
    def _get_told_levels(self, lines):
        """{line id: the level of the last reminder the client was sent for
        it}: a rehearsed reminder went to the freelancer, not the client, so
        its level (and penalties) is not the client's."""
        levels = dict.fromkeys(lines.ids, self.env["freelance.dunning.level"])
        if lines:
            history = (
                self.env["freelance.dunning.reminder.line"]
                .sudo()
                .search_fetch(
                    [("move_line_id", "in", lines.ids), ("state", "=", "sent")],
                    ["move_line_id", "level_id"],
                    order="date, id",
                )
            )
            for history_line in history:
                levels[history_line.move_line_id.id] = history_line.level_id
        return levels

    @api.model
    def _get_penalties(self, company, lines, today, told_levels=None):
        """{line id: (interest, indemnity, rate missing)} owed today on the
        lines whose last reminder level adds penalties: the engine's own
        computation (``_compute_penalties``, ``_claim_penalties_once``), so
        that the page states what the reminders state."""
        engine = self.env["freelance.dunning.engine"].sudo()
        if told_levels is None:
            told_levels = self._get_told_levels(lines)
        debts = lines.filtered(
            lambda line: (
                line.move_id.move_type == "out_invoice"
                and line.amount_residual_currency > 0
                and told_levels[line.id].add_penalties
            )
        )
        if not debts:
            return {}
        credits, _net = engine._get_open_credits(company, debts)
        consumers = debts.filtered(
            lambda line: not line.partner_id._is_professional_client()
        )
        cache = {
            "notices": engine._get_formal_notice_dates(consumers),
            "credits": credits,
        }
        plan = defaultdict(list)
        missing = {}
        for line in debts:
            level = told_levels[line.id]
            try:
                interest, indemnity = engine._compute_penalties(
                    line, level, today, cache
                )
            except MissingReferenceRate as error:
                interest = indemnity = 0.0
                missing[line.id] = error.args[0]
            figures = {"interest": interest, "indemnity": indemnity}
            plan[(line.partner_id.commercial_partner_id, line.currency_id)].append(
                (line, level, figures)
            )
        engine._claim_penalties_once(plan)
        return {
            line.id: (figures["interest"], figures["indemnity"], missing.get(line.id))
            for items in plan.values()
            for line, _level, figures in items
        }

    @api.model
    def _get_items(self, client, company, today=None):
        """The page's rows and totals.

        :return: (lines, totals): lines is a list of dicts, one per open
            receivable line (an installment of an invoice is a row of its
            own); totals is a list of dicts per currency
        """
        today = today or fields.Date.context_today(self)
        open_lines = self._open_lines(client, company)
        told_levels = self._get_told_levels(open_lines)
        penalties = self._get_penalties(company, open_lines, today, told_levels)
        count_per_move = defaultdict(int)
        for line in open_lines:
            count_per_move[line.move_id] += 1
        receivables = {
            move: move.line_ids.filtered(
                lambda aml: aml.account_type == "asset_receivable"
            ).sorted(lambda aml: (aml.date_maturity or aml.date, aml.id))
            for move in open_lines.move_id
        }
        rows = []
        totals = {}
        for line in open_lines:
            invoice = line.move_id
            currency = line.currency_id
            is_credit = invoice.move_type == "out_refund"
            interest, indemnity, rate_missing = penalties.get(line.id, (0.0, 0.0, None))
            all_lines = receivables[invoice]
            installment = (
                (list(all_lines).index(line) + 1, len(all_lines))
                if len(all_lines) > 1
                else None
            )
            due = line.date_maturity or invoice.invoice_date_due
            rows.append(
                {
                    "line": line,
                    "invoice": invoice,
                    "is_credit": is_credit,
                    "currency": currency,
                    "invoice_date": invoice.invoice_date,
                    "date_maturity": due,
                    "days_late": max((today - due).days, 0)
                    if due and not is_credit
                    else 0,
                    "installment": installment,
                    "order_installment": invoice.installment_ids[:1],
                    "amount_residual": line.amount_residual_currency,
                    "level": told_levels[line.id],
                    "interest": interest,
                    "indemnity": indemnity,
                    "rate_missing": rate_missing,
                    "payable": not is_credit and invoice.payment_state != "blocked",
                }
            )
            total = totals.setdefault(
                currency,
                {
                    "currency": currency,
                    "invoices": 0.0,
                    "credits": 0.0,
                    "interest": 0.0,
                    "indemnity": 0.0,
                },
            )
            total["credits" if is_credit else "invoices"] += (
                line.amount_residual_currency
            )
            total["interest"] += interest
            total["indemnity"] += indemnity
        for total in totals.values():
            currency = total["currency"]
            for key in ("invoices", "credits", "interest", "indemnity"):
                total[key] = currency.round(total[key])
            total["balance"] = currency.round(total["invoices"] + total["credits"])
            total["with_penalties"] = currency.round(
                total["balance"] + total["interest"] + total["indemnity"]
            )
        return rows, sorted(totals.values(), key=lambda total: total["currency"].name)

    @api.model
    def _get_lines_to_pay(self, client, company, line_ids):
        """The receivable lines a visitor of ``client``'s page asked to pay,
        checked: the client's own open invoice lines with ``company``, in one
        currency. Anything else is refused, nothing is guessed."""
        wanted = set(line_ids)
        open_lines = self._open_lines(client, company).filtered(
            lambda line: (
                line.move_id.move_type == "out_invoice"
                and line.amount_residual_currency > 0
                and line.move_id.payment_state != "blocked"
            )
        )
        lines = open_lines.filtered(lambda line: line.id in wanted)
        if not wanted or len(lines) != len(wanted):
            raise ValidationError(
                self.env._("Choose invoices that are still to pay on this page.")
            )
        if len(lines.currency_id) > 1:
            raise ValidationError(
                self.env._(
                    "Invoices in different currencies are paid separately: "
                    "choose invoices in one currency."
                )
            )
        return lines

    @api.model
    def _get_payment(self, client, company, lines):
        """(credit lines, amount) of an online payment of ``lines``: the
        client's open credit notes with ``company`` in the lines' currency are
        deducted from it (Odoo reconciles the payment with every receivable
        line of the transaction's moves, credit notes included). An amount
        <= 0 means the credit notes cover the lines: nothing to pay."""
        currency = lines.currency_id
        credits = self._open_lines(client, company).filtered(
            lambda line: (
                line.move_id.move_type == "out_refund"
                and line.currency_id == currency
                and line.amount_residual_currency < 0
            )
        )
        amount = currency.round(
            sum(lines.mapped("amount_residual_currency"))
            + sum(credits.mapped("amount_residual_currency"))
        )
        return credits, amount

    @api.model
    def _get_bank_details(self, company, rows):
        """The company's bank account and the references to quote."""
        bank = company.partner_id.bank_ids[:1]
        references = []
        for row in rows:
            if row["is_credit"]:
                continue
            reference = row["invoice"].payment_reference or row["invoice"].name
            if reference not in references:
                references.append(reference)
        return {
            "bank": bank,
            "acc_number": bank.acc_number,
            "bic": bank.bank_bic,
            "bank_name": bank.bank_name,
            "holder": bank.partner_id.name or company.name,
            "references": references,
        }
