from odoo import api, fields, models
from odoo.exceptions import UserError
from odoo.tools.misc import format_amount

# Aged balance columns: (key, first day late, last day late or None).
AGING_BUCKETS = (
    ("not_due", None, 0),
    ("1_30", 1, 30),
    ("31_60", 31, 60),
    ("61_90", 61, 90),
    ("91_plus", 91, None),
)
DSO_PERIOD_DAYS = 90


class FreelanceDunningDashboard(models.AbstractModel):
    """Figures of the receivables of the current company, for the dashboard.

    Everything is read with the user's rights (record rules apply) through
    grouped queries: the cost does not grow with the number of invoices shown.
    """

    _name = "freelance.dunning.dashboard"
    _description = "Payment Reminders Dashboard"

    # ------------------------------------------------------------------
    # Domains (shared by the figures and the lists they open)
    # ------------------------------------------------------------------

    @api.model
    def _open_lines_domain(self, company):
        """The open invoices: what the levels and the reminders count."""
        return [
            *self.env["freelance.dunning.engine"]._open_receivable_domain(company),
            ("move_id.move_type", "in", ("out_invoice", "out_receipt")),
        ]

    @api.model
    def _balance_lines_domain(self, company):
        """Every open receivable line, debts and credits: the receivables, the
        aged balance and the DSO count what the clients owe net of their open
        credit notes and unreconciled payments."""
        return [
            ("company_id", "=", company.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", "!=", 0),
        ]

    @api.model
    def _bucket_domain(self, key, today):
        _key, first, last = next(b for b in AGING_BUCKETS if b[0] == key)
        domain = []
        if first is not None:
            domain.append(
                ("date_maturity", "<=", fields.Date.subtract(today, days=first))
            )
        if last is not None:
            domain.append(
                ("date_maturity", ">", fields.Date.subtract(today, days=last + 1))
            )
        return domain

    @api.model
    def _in_bucket(self, due, first, last, today):
        """Whether a line due ``due`` falls in the aged balance column of days
        late ``first`` to ``last`` (as ``_bucket_domain``)."""
        late = (today - due).days
        return (first is None or late >= first) and (last is None or late <= last)

    @api.model
    def _level_domain(self, level_id, today):
        if level_id:
            return [("dunning_level_id", "=", level_id)]
        # Overdue, and no reminder sent yet.
        return [("dunning_level_id", "=", False), ("date_maturity", "<", today)]

    # ------------------------------------------------------------------
    # Figures
    # ------------------------------------------------------------------

    @api.model
    def get_dashboard_data(self):
        company = self.env.company
        today = fields.Date.context_today(self)
        currency = company.currency_id
        lines = self.env["account.move.line"]

        def money(amount):
            return format_amount(self.env, amount, currency)

        # What the clients owe, net of their open credit notes and unreconciled
        # payments imputed as the reminders impute them (the oldest debts
        # first, per client, currency and receivable account): an imputed
        # credit counts in the age of the debt it pays, what is left of it
        # after imputation in its own row, in no age.
        open_lines = lines.search(self._balance_lines_domain(company))
        imputed, _net = self.env["freelance.dunning.engine"]._get_open_credits(
            company, open_lines
        )
        debts = []  # (line, amount owed net of credits, in company currency)
        total = 0.0
        for line in open_lines:
            total += line.amount_residual
            if line.amount_residual <= 0:
                continue
            credited = sum(amount for _date, amount in imputed.get(line.id, []))
            owed = line.amount_residual
            if credited and line.amount_residual_currency:
                owed *= 1 - credited / line.amount_residual_currency
            debts.append((line, owed))
        total = currency.round(total)
        unapplied = currency.round(total - sum(owed for _line, owed in debts))

        def chased(line):
            """An open invoice the reminders chase (not a penalty invoice)."""
            move = line.move_id
            return (
                move.move_type in ("out_invoice", "out_receipt")
                and not move.dunning_penalty_invoice
            )

        def owing(selected):
            """(amount owed net of credits, number of invoices still owing)."""
            owed = list(selected)
            moves = {
                line.move_id.id
                for line, amount in owed
                if line.move_id.move_type in ("out_invoice", "out_receipt")
                and currency.compare_amounts(amount, 0) > 0
            }
            return currency.round(sum(amount for _line, amount in owed)), len(moves)

        _total_owed, invoices = owing(debts)
        overdue, overdue_invoices = owing(
            (line, amount)
            for line, amount in debts
            if line.date_maturity and line.date_maturity < today and chased(line)
        )

        # Amounts by reminder level (the level of each installment line), net.
        levels = self.env["freelance.dunning.engine"]._get_levels(company)
        not_reminded, not_reminded_count = owing(
            (line, amount)
            for line, amount in debts
            if chased(line)
            and not line.dunning_level_id
            and line.date_maturity
            and line.date_maturity < today
        )
        level_rows = [
            {
                "key": "none",
                "id": False,
                "name": self.env._("Overdue, no reminder yet"),
                "amount": not_reminded,
                "count": not_reminded_count,
            }
        ]
        for level in levels:
            amount, count = owing(
                (line, owed)
                for line, owed in debts
                if chased(line) and line.dunning_level_id == level
            )
            level_rows.append(
                {
                    "key": str(level.id),
                    "id": level.id,
                    "name": level.name,
                    "days": level.days,
                    "amount": amount,
                    "count": count,
                }
            )

        # Aged balance by days late.
        labels = {
            "not_due": self.env._("Not due"),
            "1_30": self.env._("1-30 days"),
            "31_60": self.env._("31-60 days"),
            "61_90": self.env._("61-90 days"),
            "91_plus": self.env._("Over 90 days"),
        }
        aging_rows = []
        for key, first, last in AGING_BUCKETS:
            amount, count = owing(
                (line, owed)
                for line, owed in debts
                if self._in_bucket(line.date_maturity or line.date, first, last, today)
            )
            aging_rows.append(
                {"key": key, "name": labels[key], "amount": amount, "count": count}
            )
        if not currency.is_zero(unapplied):
            aging_rows.append(
                {
                    "key": "unapplied",
                    "name": self.env._("Credits not applied"),
                    "amount": unapplied,
                    "count": 0,
                }
            )

        dso = self._days_sales_outstanding(company, today, total or 0.0)
        largest = max([row["amount"] for row in level_rows + aging_rows] or [0.0])
        for row in level_rows + aging_rows:
            row["amount_display"] = money(row["amount"])
            row["ratio"] = row["amount"] / largest * 100 if largest else 0.0

        return {
            "company": company.name,
            "today": fields.Date.to_string(today),
            "total": money(total or 0.0),
            "total_amount": total or 0.0,
            "invoice_count": invoices,
            "overdue": money(overdue or 0.0),
            "overdue_amount": overdue or 0.0,
            "overdue_count": overdue_invoices,
            "levels": level_rows,
            "aging": aging_rows,
            "dso": dso,
            "todo": self._todo_counts(company),
            "payment_link_warning": company._get_payment_link_warning(),
            "rehearsal": company.dunning_rehearsal,
            "is_manager": self.env.user.has_group(
                "freelance_dunning.group_dunning_manager"
            ),
        }

    @api.model
    def _days_sales_outstanding(self, company, today, receivable):
        """DSO = receivable today / credit sales of the period x days of the period."""
        since = fields.Date.subtract(today, days=DSO_PERIOD_DAYS - 1)
        [(sales,)] = self.env["account.move"]._read_group(
            [
                ("company_id", "=", company.id),
                ("state", "=", "posted"),
                ("move_type", "in", ("out_invoice", "out_refund")),
                ("invoice_date", ">=", since),
                ("invoice_date", "<=", today),
            ],
            [],
            ["amount_total_signed:sum"],
        )
        sales = sales or 0.0
        days = round(receivable / sales * DSO_PERIOD_DAYS) if sales > 0 else None
        return {
            "days": days,
            "period": DSO_PERIOD_DAYS,
            "sales": format_amount(self.env, sales, company.currency_id),
            "receivable": format_amount(self.env, receivable, company.currency_id),
        }

    @api.model
    def _todo_counts(self, company):
        """What needs a person today, each opening its list."""
        counts = {}
        for key, (model, domain) in self._todo_domains(company).items():
            # Company-dependent fields (the blacklist) are read in that company.
            records = self.env[model].with_company(company)
            counts[key] = (
                records.search_count(domain) if records.has_access("read") else None
            )
        return counts

    @api.model
    def _todo_domains(self, company):
        today = fields.Date.context_today(self)
        partner_company = [
            "|",
            ("company_id", "=", False),
            ("company_id", "=", company.id),
        ]
        return {
            "to_validate": (
                "freelance.dunning.reminder",
                [("company_id", "=", company.id), ("state", "=", "waiting")],
            ),
            "failed": (
                "freelance.dunning.reminder",
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "failed"),
                    ("superseded_by_id", "=", False),
                ],
            ),
            "replied": (
                "freelance.dunning.reminder",
                [("company_id", "=", company.id), ("reply_state", "=", "replied")],
            ),
            "paused": (
                "account.move",
                [
                    ("company_id", "=", company.id),
                    ("move_type", "=", "out_invoice"),
                    ("state", "=", "posted"),
                    ("payment_state", "in", ("not_paid", "partial")),
                    # A dispute pauses with no end date until resolved.
                    "|",
                    ("dunning_pause_until", ">=", today),
                    "&",
                    ("dunning_pause_reason", "=", "disputed"),
                    ("dunning_pause_until", "=", False),
                ],
            ),
            "waiting_signature": (
                "sale.order",
                [
                    ("company_id", "=", company.id),
                    ("state", "in", ("draft", "sent")),
                    ("work_gate_state", "=", "waiting_signature"),
                ],
            ),
            "waiting_deposit": (
                "sale.order",
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "sale"),
                    ("work_gate_state", "=", "waiting_deposit"),
                ],
            ),
            "blacklisted": (
                "res.partner",
                [("client_blacklisted", "=", True), ("is_company", "=", True)]
                + partner_company,
            ),
            "proposed": (
                "res.partner",
                [("client_blacklist_proposed", "=", True)] + partner_company,
            ),
        }

    # ------------------------------------------------------------------
    # Lists opened from the dashboard
    # ------------------------------------------------------------------

    @api.model
    def _list_view_id(self):
        return self.env.ref("freelance_dunning.account_move_view_list_dunning").id

    @api.model
    def action_open(self, kind, key=False):
        """The window action behind a figure of the dashboard."""
        company = self.env.company
        today = fields.Date.context_today(self)
        if kind in ("level", "aging"):
            if kind == "level":
                level_id = int(key) if key not in (False, "none") else False
                domain = self._level_domain(level_id, today)
                level = self.env["freelance.dunning.level"].browse(level_id)
                name = (
                    level.name if level_id else self.env._("Overdue, no reminder yet")
                )
            else:
                domain = self._bucket_domain(key, today)
                name = self.env._("Aged balance")
            return {
                "type": "ir.actions.act_window",
                "name": name,
                "res_model": "account.move",
                "views": [(self._list_view_id(), "list"), (False, "form")],
                "domain": [
                    (
                        "line_ids",
                        "any",
                        (
                            self._open_lines_domain(company)
                            if kind == "level"
                            else self._balance_lines_domain(company)
                        )
                        + domain,
                    )
                ],
                "context": {"create": False},
            }
        domains = self._todo_domains(company)
        if kind != "todo" or key not in domains:
            raise UserError(self.env._("This dashboard figure does not exist."))
        model, domain = domains[key]
        names = {
            "to_validate": self.env._("Reminders to Validate"),
            "failed": self.env._("Reminders Not Delivered"),
            "replied": self.env._("Replies to Handle"),
            "paused": self.env._("Disputed or Promised Invoices"),
            "waiting_signature": self.env._("Waiting for Signature"),
            "waiting_deposit": self.env._("Waiting for Deposit"),
            "blacklisted": self.env._("Blacklisted Clients"),
            "proposed": self.env._("Proposed for Blacklist"),
        }
        return {
            "type": "ir.actions.act_window",
            "name": names[key],
            "res_model": model,
            "views": [
                (self._list_view_id() if model == "account.move" else False, "list"),
                (False, "form"),
            ],
            "domain": domain,
            "context": {"create": False},
        }
