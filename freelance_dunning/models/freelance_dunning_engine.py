import logging
from collections import defaultdict

from psycopg2 import errors

from odoo import api, fields, models
from odoo.tools import SQL

from .addon_writes import DUNNING_HISTORY_WRITING, addon_writing
from .freelance_reference_rate import MissingReferenceRate
from .late_interest import late_interest
from .row_locks import lock_skip_locked

_logger = logging.getLogger(__name__)

# pg_advisory_xact_lock(key, company id): one worker at a time on a company's run.
RUN_LOCK_KEY = 0x46D0


class FreelanceDunningEngine(models.AbstractModel):
    """The dunning run: one entry point for the scheduled action and accountants.

    For a company and a day, it finds the receivable lines (each installment
    with its own due date) that reached their next level, groups them by
    client and currency, and sends one reminder per client listing every
    invoice at its level, with late interest and indemnity where the level
    asks for them.
    """

    _name = "freelance.dunning.engine"
    _description = "Dunning Engine"

    # ------------------------------------------------------------------
    # What is due
    # ------------------------------------------------------------------

    @api.model
    def _get_levels(self, company):
        return self.env["freelance.dunning.level"].search(
            [("company_id", "=", company.id)], order="sequence, days, id"
        )

    @api.model
    def _open_receivable_domain(self, company):
        """The company's receivable lines of posted entries still to be paid."""
        return [
            ("company_id", "=", company.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("reconciled", "=", False),
            ("amount_residual", ">", 0),
        ]

    @api.model
    def _get_line_domain(self, company, today, levels):
        # A courtesy level (negative days) looks at lines not yet due.
        horizon = fields.Date.subtract(today, days=min(levels.mapped("days")))
        # A client postponed until today or later waits, all its invoices
        # (res.partner._postpone_dunning), as a paused invoice does.
        postponed = (
            self.env["res.partner"]
            .sudo()
            .with_company(company)
            .search([("dunning_postpone_until", ">=", today)])
        )
        # A client whose email reply to a reminder waits to be handled waits
        # too (freelance.dunning.reminder.message_update).
        postponed |= self.env["freelance.dunning.reminder"]._get_replied_clients(
            company
        )
        return [
            *(
                [("partner_id.commercial_partner_id", "not in", postponed.ids)]
                if postponed
                else []
            ),
            *self._open_receivable_domain(company),
            ("move_id.move_type", "=", "out_invoice"),
            # A penalty invoice is not chased, nor charged interest or another
            # indemnity (Code civil 1343-2): no level reaches it.
            ("move_id.dunning_penalty_invoice", "=", False),
            ("date_maturity", "<=", horizon),
            ("move_id.payment_state", "!=", "blocked"),
            # Not paused, or paused until a day past; a dispute pauses with no
            # end date until it is resolved (freelance.dunning.dispute).
            "|",
            ("move_id.dunning_pause_reason", "=", False),
            ("move_id.dunning_pause_until", "<", today),
        ]

    @api.model
    def _following_level(self, line, levels, today):
        """The level after the line's last one, in the ladder's order, or None."""
        last = line.dunning_level_id
        ordered = list(levels)
        if last in ordered:
            following = ordered[ordered.index(last) + 1 :]
        elif last:
            following = [level for level in ordered if level.sequence > last.sequence]
        else:
            following = ordered
        if line.date_maturity < today:
            # A notice before the due date makes no sense once it has passed.
            following = [level for level in following if level.days > 0]
        # Nor for an invoice the client received only days before it is due.
        following = [
            level
            for level in following
            if level.days > 0 or self._courtesy_allowed(line, level)
        ]
        return following[0] if following else None

    @api.model
    def _courtesy_allowed(self, line, level):
        """Whether a level on or before the due date (a courtesy notice) may
        remind the line: its due date is at least the level's
        ``courtesy_min_days`` after the invoice was sent (or dated, when Odoo
        never sent it)."""
        invoice = line.move_id
        sent = invoice.dunning_sent_date or invoice.invoice_date or line.date
        return (line.date_maturity - sent).days >= level.courtesy_min_days

    @api.model
    def _level_date(self, line, level):
        """The day ``level`` applies to the line: late enough for it and, after
        a reminder, as many days later as the two levels are apart."""
        when = fields.Date.add(line.date_maturity, days=level.days)
        last = line.dunning_level_id
        if last and line.dunning_last_date:
            when = max(
                when,
                fields.Date.add(line.dunning_last_date, days=level.days - last.days),
            )
        return when

    @api.model
    def _next_level(self, line, levels, today):
        """The level a line reaches today, or None (levels are climbed in order)."""
        level = self._following_level(line, levels, today)
        return level if level and self._level_date(line, level) <= today else None

    @api.model
    def _next_level_date(self, line, levels):
        """The day the line's next level applies (ignoring pauses), or None."""
        level = self._following_level(line, levels, fields.Date.context_today(self))
        return self._level_date(line, level) if level else None

    @api.model
    def _compute_penalties(self, line, level, today, cache=None):
        """Late interest and indemnity owed today on a line (legal-rules.md).

        Business clients owe interest from the day after the due date and the
        fixed indemnity; consumers owe interest at the legal rate from the
        formal notice only, and no indemnity.

        ``cache`` (a dict, shared by the lines of one run) keeps what does not
        depend on the line: the rates, the indemnity per currency, and the
        formal notices of the run's lines found in one query.
        """
        cache = {} if cache is None else cache
        currency = line.currency_id
        days_late = (today - line.date_maturity).days
        if not level.add_penalties or days_late <= 0:
            return 0.0, 0.0
        company = line.company_id
        business = line.partner_id._is_professional_client()
        start = line.date_maturity
        if not business:
            notices = cache.setdefault("notices", {})
            if line.id not in notices:
                notices.update(self._get_formal_notice_dates(line))
            start = notices[line.id]
        interest = 0.0
        if start:
            key = ("rate", company.id, business)
            if key not in cache:
                cache[key] = self.env[
                    "freelance.reference.rate"
                ]._get_interest_rate_function(company, business=business)
            payments = self._get_payments(line, cache)
            interest = currency.round(
                late_interest(
                    abs(line.amount_currency), start, today, cache[key], payments
                )
            )
        indemnity = 0.0
        if business and company.recovery_indemnity_amount:
            key = ("indemnity", company.id, currency.id)
            if key not in cache:
                euro = self.env.ref("base.EUR")
                cache[key] = euro._convert(
                    company.recovery_indemnity_amount, currency, company, today
                )
            indemnity = cache[key]
        return interest, indemnity

    @api.model
    def _get_payments(self, line, cache=None):
        """[(date, amount)] that reduce the interest base of a receivable line.

        A payment counts from the day it was received. A credit note cancels
        what it credits from the line's due date: the amount credited was
        never owed, so no interest ever ran on it. Open credit notes and
        unreconciled payments of the client that the plan imputed on the line
        (``cache["credits"]``, see ``_get_open_credits``) count the same way.
        """
        payments = []
        for partial in line.matched_credit_ids:
            refund = partial.credit_move_id.move_id.move_type == "out_refund"
            when = line.date_maturity if refund else partial.max_date
            payments.append((when, partial.debit_amount_currency))
        payments += (cache or {}).get("credits", {}).get(line.id, [])
        return payments

    @api.model
    def _get_open_credits(self, company, lines):
        """What the clients of ``lines`` have in credit, imputed on what they owe.

        The open credit notes and unreconciled payments (receivable lines with
        a negative residual) of a client, per receivable account and currency,
        pay its open debts on the same account, the oldest due first (Code
        civil 1342-10), whatever the invoice they were meant for.

        :return: ({receivable line id: [(date, amount)]}, {(client, currency):
            net balance}); a credit note counts from the debt's due date, a
            payment from its date (as ``_get_payments``)
        """
        imputed = defaultdict(list)
        net = defaultdict(float)
        clients = lines.partner_id.commercial_partner_id
        if not clients:
            return imputed, net
        open_lines = self.env["account.move.line"].search(
            [
                ("company_id", "=", company.id),
                ("account_type", "=", "asset_receivable"),
                ("parent_state", "=", "posted"),
                ("reconciled", "=", False),
                ("partner_id", "child_of", clients.ids),
            ],
            order="date_maturity, date, id",
        )
        groups = defaultdict(lambda: ([], []))
        for line in open_lines:
            client = line.partner_id.commercial_partner_id
            residual = line.amount_residual_currency
            net[(client, line.currency_id)] += residual
            debts, credits = groups[(client, line.currency_id, line.account_id)]
            if residual > 0:
                debts.append(line)
            elif residual < 0:
                refund = line.move_id.move_type == "out_refund"
                credits.append([refund, line.date, -residual])
        for (_client, currency, _account), (debts, credits) in groups.items():
            credits.sort(key=lambda credit: (credit[1], not credit[0]))
            for debt in debts:
                owed = debt.amount_residual_currency
                while credits and currency.compare_amounts(owed, 0) > 0:
                    credit = credits[0]
                    amount = currency.round(min(owed, credit[2]))
                    when = debt.date_maturity if credit[0] else credit[1]
                    imputed[debt.id].append((when, amount))
                    owed = currency.round(owed - amount)
                    credit[2] = currency.round(credit[2] - amount)
                    if currency.is_zero(credit[2]):
                        credits.pop(0)
        return imputed, {key: key[1].round(value) for key, value in net.items()}

    @api.model
    def _get_formal_notice_dates(self, lines):
        """{line id: date of its first formal notice sent, or False}, in one query."""
        dates = dict.fromkeys(lines.ids, False)
        if lines:
            history_lines = self.env["freelance.dunning.reminder.line"].search_fetch(
                [
                    ("move_line_id", "in", lines.ids),
                    ("level_id.is_formal_notice", "=", True),
                    # Not "rehearsed": the freelancer was told, not the client.
                    ("state", "=", "sent"),
                ],
                ["move_line_id", "date"],
                order="date, id",
            )
            for history_line in history_lines:
                dates[history_line.move_line_id.id] = (
                    dates[history_line.move_line_id.id] or history_line.date
                )
        return dates

    @api.model
    def _plan(self, company, today, partners=None, lines=None, exclude_reminders=None):
        """What a run would send today.

        :param partners: only these clients
        :param lines: only these receivable lines
        :param exclude_reminders: waiting reminders planned again
            (``freelance.dunning.reminder._plan_again``): their own lines
            waiting in them are not held back
        :return: {(client, currency): [(line, level, figures)]}
        """
        levels = self._get_levels(company)
        # Another reminder tool chases this company's invoices (coexistence).
        if not levels or not company._reminders_by_this_addon():
            return {}
        domain = self._get_line_domain(company, today, levels)
        if partners is not None:
            domain.append(("partner_id", "child_of", partners.ids))
        if lines is not None:
            domain.append(("id", "in", lines.ids))
        lines = self.env["account.move.line"].search(domain, order="date_maturity, id")
        waiting_domain = [("move_line_id", "in", lines.ids), ("state", "=", "waiting")]
        if exclude_reminders:
            waiting_domain.append(("reminder_id", "not in", exclude_reminders.ids))
        waiting = (
            self.env["freelance.dunning.reminder.line"]
            .search(waiting_domain)
            .move_line_id
        )
        plan = defaultdict(list)
        lines -= waiting
        consumers = lines.filtered(
            lambda line: not line.partner_id._is_professional_client()
        )
        credits, net = self._get_open_credits(company, lines)
        cache = {
            "notices": self._get_formal_notice_dates(consumers),
            "credits": credits,
        }
        for line in lines:
            key = (line.partner_id.commercial_partner_id, line.currency_id)
            credited = sum(amount for _date, amount in credits.get(line.id, []))
            amount_due = line.currency_id.round(
                line.amount_residual_currency - credited
            )
            # A client whose credits cover what it owes is owed, not reminded;
            # an invoice paid by the client's credits is not claimed.
            if line.currency_id.compare_amounts(net.get(key, 0.0), 0) <= 0:
                continue
            if line.currency_id.compare_amounts(amount_due, 0) <= 0:
                continue
            level = self._next_level(line, levels, today)
            if not level:
                continue
            rate_missing = False
            try:
                interest, indemnity = self._compute_penalties(line, level, today, cache)
            except MissingReferenceRate as missing:
                # Never another half-year's rate: the reminder waits for its
                # validation, planned again once the rates are entered.
                interest = indemnity = 0.0
                rate_missing = missing.args[0]
            figures = {
                "days_late": (today - line.date_maturity).days,
                "amount_residual": amount_due,
                "amount_credited": line.currency_id.round(credited),
                "interest": interest,
                "indemnity": indemnity,
                "rate_missing": rate_missing,
            }
            plan[key].append((line, level, figures))
        self._claim_penalties_once(plan)
        return plan

    @api.model
    def _claim_penalties_once(self, plan):
        """What a penalty invoice already bills is not claimed again. One
        fixed indemnity per late invoice, whatever its installments and
        reminders (legal-rules.md, 7): the first of its installments in the
        plan states it, none once a penalty invoice bills it. The late
        interest of an installment is stated net of the interest penalty
        invoices already bill for it (counted from its due date as ever: the
        rest only, never twice)."""
        if not any(
            figures["indemnity"] or figures["interest"]
            for items in plan.values()
            for _line, _level, figures in items
        ):
            return
        invoices = self.env["account.move"].union(
            *(line.move_id for items in plan.values() for line, _lv, _f in items)
        )
        interest, billed = self.env["account.move"]._get_penalties_billed(invoices)
        for items in plan.values():
            for line, _level, figures in items:
                if figures["interest"] and line.id in interest:
                    figures["interest"] = max(
                        line.currency_id.round(
                            figures["interest"] - interest[line.id][0]
                        ),
                        0.0,
                    )
                if not figures["indemnity"]:
                    continue
                if line.move_id.id in billed:
                    figures["indemnity"] = 0.0
                billed.add(line.move_id.id)

    # ------------------------------------------------------------------
    # Running
    # ------------------------------------------------------------------

    @api.model
    def _prepare_reminder_values(self, company, partner, currency, today, items, user):
        top = max(
            (level for _line, level, _figures in items), key=lambda lvl: lvl.sequence
        )
        history_lines = []
        for line, level, figures in items:
            channels = [
                channel
                for channel in ("email", "letter", "phone", "sms")
                if level[f"channel_{channel}"]
            ] or ["email"]
            for channel in channels:
                history_lines.append(
                    fields.Command.create(
                        {
                            "move_line_id": line.id,
                            "partner_id": partner.id,
                            "company_id": company.id,
                            "currency_id": currency.id,
                            "level_id": level.id,
                            "channel": channel,
                            "date": today,
                            "date_maturity": line.date_maturity,
                            "state": "waiting",
                            **figures,
                        }
                    )
                )
        return {
            "partner_id": partner.id,
            "company_id": company.id,
            "currency_id": currency.id,
            "date": today,
            "level_id": top.id,
            "state": "waiting",
            "user_id": user.id if user else False,
            "line_ids": history_lines,
        }

    @api.model
    def _create_reminder(self, company, partner, currency, today, items, user=None):
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            return self.env["freelance.dunning.reminder"].create(
                self._prepare_reminder_values(
                    company, partner, currency, today, items, user
                )
            )

    @api.model
    def _create_reminders(self, company, today, groups, user=None):
        """The reminders of these clients, created together.

        :param groups: [(client, currency, [(line, level, figures)])]

        When the batch fails (another worker reminded one of the clients
        first, a constraint), each client is created on its own, so that one
        client never stops the others.
        """
        Reminder = self.env["freelance.dunning.reminder"]
        try:
            with (
                self.env.cr.savepoint(),
                addon_writing(self.env, DUNNING_HISTORY_WRITING),
            ):
                reminders = Reminder.create(
                    [
                        self._prepare_reminder_values(
                            company, partner, currency, today, items, user
                        )
                        for partner, currency, items in groups
                    ]
                )
                self.env.flush_all()
                return reminders
        except Exception:  # noqa: BLE001 - done again client by client
            _logger.info("Reminders created one by one", exc_info=True)
        reminders = Reminder
        for partner, currency, items in groups:
            try:
                with self.env.cr.savepoint():
                    reminders |= self._create_reminder(
                        company, partner, currency, today, items, user=user
                    )
            except errors.UniqueViolation:
                # The database's last word: another worker reminded them first.
                _logger.info("Dunning of %s already done", partner.display_name)
            except Exception:  # noqa: BLE001 - one client never stops the run
                _logger.exception("Dunning of %s failed", partner.display_name)
        return reminders

    @api.model
    def _run(
        self,
        company,
        today=None,
        partners=None,
        user=None,
        queue=False,
        validated=None,
        housekeeping=True,
    ):
        """Create and send the reminders of one company (some clients or all).

        ``user`` is the accountant running it by hand: their run is their
        validation. The scheduled action leaves reminders of levels that need
        a validation waiting in the queue, and any run those whose late
        interest falls in a half-year without rates (``rate_missing``).

        ``queue``: the reminders to send are queued ("Sending") instead of
        sent here: their letters, PDFs and emails are made in the background
        (``freelance.dunning.reminder._cron_send_queued``), so that the
        accountant's click returns at once.

        ``validated``: what ``user``'s click validates, a function of a new
        reminder (Send Again validates no more than the failed reminder's
        level): the reminders it refuses wait for a validation, and only those
        it accepts are sent in ``user``'s name.

        ``housekeeping``: the company's emails that bounced are retried and
        its promises past their date missed first (``_housekeeping``). The
        scheduled action does it once per call, before it reads the clients,
        and its batches skip it.
        """
        today = today or fields.Date.context_today(self)
        if not company._reminders_by_this_addon():
            # Another reminder tool chases this company's invoices.
            return self.env["freelance.dunning.reminder"]
        if housekeeping:
            self._housekeeping(company, today)
        plan = self._plan(company, today, partners)
        locked = self._lock_lines(
            self.env["account.move.line"].union(
                *(line for items in plan.values() for line, _level, _f in items)
            ),
            by_client=plan,
        )
        groups = []
        for (partner, currency), items in plan.items():
            if all(line.id in locked for line, _level, _figures in items):
                groups.append((partner, currency, items))
            else:
                _logger.info(
                    "Dunning of %s skipped: its invoices are being paid or "
                    "reminded by another worker",
                    partner.display_name,
                )
        reminders = self._create_reminders(
            company, today, groups, user=user if validated is None else None
        )
        to_send = reminders.filtered(
            lambda reminder: (
                not reminder.rate_missing
                and (
                    validated(reminder)
                    if validated is not None
                    else (
                        user
                        or not any(
                            reminder.line_ids.level_id.mapped("needs_validation")
                        )
                    )
                )
            )
        )
        if validated is not None and user and to_send:
            with addon_writing(self.env, DUNNING_HISTORY_WRITING):
                to_send.write({"user_id": user.id})
        if queue:
            to_send._queue_sending()
            return reminders
        # Sent together: their emails are rendered and queued in one pass.
        to_send._send(user=user)
        return reminders

    @api.model
    def _lock_lines(self, lines, by_client=None):
        """Lock receivable lines for this transaction: the ids of those locked.

        A line is left out when another transaction holds it (a payment being
        registered, another worker reminding the client). When one of them
        changed since this transaction started (then what was planned may be
        stale: paid, already reminded), PostgreSQL refuses the whole lock:
        each client's lines (``by_client``, the plan) are then locked on their
        own, and only that client is left out.
        """
        locked = lock_skip_locked(lines)
        if locked is not None:
            return locked
        if not by_client:
            return set()
        locked = set()
        for items in by_client.values():
            client_lines = self.env["account.move.line"].union(
                *(line for line, _level, _figures in items)
            )
            locked |= self._lock_lines(client_lines)
        return locked

    @api.model
    def _lock_run(self, company, today):
        """The company's run of the day, locked for this worker, or None when
        another worker is on it or moved it on since this transaction began."""
        self.env.cr.execute(
            SQL("SELECT pg_try_advisory_xact_lock(%s, %s)", RUN_LOCK_KEY, company.id)
        )
        if not self.env.cr.fetchone()[0]:
            return None
        Run = self.env["freelance.dunning.run"]
        try:
            with self.env.cr.savepoint():
                run = Run.search(
                    [("company_id", "=", company.id), ("date", "=", today)]
                )
                run = run or Run.create({"company_id": company.id, "date": today})
                self.env.cr.execute(
                    SQL(
                        "SELECT id FROM freelance_dunning_run WHERE id = %s "
                        "FOR NO KEY UPDATE",
                        run.id,
                    )
                )
        except (errors.SerializationFailure, errors.UniqueViolation):
            return None
        return run

    @api.model
    def _housekeeping(self, company, today):
        """What a run of ``company`` does before it plans: the emails that
        bounced are retried, the promises paid kept and those past their date
        missed (the next reminder of their invoices says so)."""
        self._retry_failed_deliveries(company)
        self.env["freelance.dunning.promise"]._update_due(company, today)

    @api.model
    def _retry_failed_deliveries(self, company):
        """Emails that bounced or failed since they were sent are retried.

        Their reminder is marked failed and the lines go back to the level they
        had before, so the next run sends the same level again.
        """
        # Notifications are only readable by their recipient: look as superuser.
        failed = (
            self.env["freelance.dunning.reminder"]
            .sudo()
            .search(
                [
                    ("company_id", "=", company.id),
                    ("state", "=", "sent"),
                    (
                        "mail_message_id.notification_ids.notification_status",
                        "in",
                        ("exception", "bounce"),
                    ),
                ]
            )
            .with_env(self.env)
        )
        failed._undo_delivery(self.env._("The email could not be delivered."))
        return failed

    @api.model
    def _cron_run(self, batch_size=200):
        """Daily run, every company with nightly reminders (and no other tool
        chasing its invoices), a batch of clients per call.

        Odoo's cron runner commits after each call and calls again while work
        remains. Clients are taken in id order after the run's cursor, so a
        second run the same day, or a run resumed after a crash, sends nothing
        twice. There is no cap on the number of clients. One worker at a time
        runs a company's day (``_lock_run``); another one is told to come back.
        """
        today = fields.Date.context_today(self)
        done = remaining = 0
        for company in self._cron_companies():
            run = self._lock_run(company, today)
            if run is None:
                # Another worker is on this company: come back later.
                remaining += 1
                continue
            partner_ids = self._cron_partner_ids(company, today, run)
            company_done, company_remaining = self._cron_dispatch(
                company, today, run, partner_ids, max(batch_size - done, 0)
            )
            done += company_done
            remaining += company_remaining
        self.env["ir.cron"]._notify_progress(done=done, remaining=remaining)

    @api.model
    def _cron_companies(self):
        """The companies the scheduled action reminds for, by id."""
        # Companies whose dunning manager switched the nightly reminders on.
        groups = self.env["freelance.dunning.level"]._read_group(
            [("company_id.nightly_reminders", "=", True)], ["company_id"]
        )
        installed = self.env["res.company"]._installed_reminder_tools()
        return self.env["res.company"].union(
            *(
                company
                for (company,) in sorted(groups, key=lambda group: group[0].id)
                if self._get_levels(company)
                and company._reminders_by_this_addon(installed)
            )
        )

    @api.model
    def _cron_partner_ids(self, company, today, run):
        """The ids of the clients ``run`` has still to remind today, sorted.

        The company's housekeeping is done first, once for all the batches
        of this call: the invoices of a bounced email or a missed promise are
        chased again from today."""
        # Their notes and activities join Odoo's mail queue, as the batches'.
        self.with_company(company).with_context(
            mail_notify_force_send=False
        )._housekeeping(company, today)
        # Only the clients after the run's cursor are read: each call of the
        # scheduled action reads what is left, not the whole day's lines (a
        # cursor of 0 is no condition: Odoo reads "> 0" on a many2one as
        # "> NULL"). The client is the commercial partner of the line's
        # partner, as below and in the plan: the invoice's own stored one
        # stays that of the day it was made, even once its contact joined
        # another company.
        after = (
            [("partner_id.commercial_partner_id", ">", run.last_partner_id)]
            if run.last_partner_id
            else []
        )
        groups = self.env["account.move.line"]._read_group(
            [
                *self._get_line_domain(company, today, self._get_levels(company)),
                *after,
            ],
            ["partner_id"],
        )
        return sorted(
            {
                partner.commercial_partner_id.id
                for (partner,) in groups
                if partner and partner.commercial_partner_id.id > run.last_partner_id
            }
        )

    @api.model
    def _cron_dispatch(self, company, today, run, partner_ids, budget):
        """Remind the first ``budget`` clients of ``partner_ids`` in this
        transaction: (clients done, clients left for the next call)."""
        batch = self.env["res.partner"].browse(partner_ids[:budget])
        if batch:
            self._cron_run_batch(company, today, run, batch)
        return len(batch), len(partner_ids) - len(batch)

    @api.model
    def _cron_run_batch(self, company, today, run, batch):
        """Remind one batch of clients and move the run's cursor past it."""
        # The emails join Odoo's mail queue, as mass mailings do, instead of
        # being sent one by one when the batch commits.
        reminders = (
            self.with_company(company)
            .with_context(mail_notify_force_send=False)
            ._run(company, today, partners=batch, housekeeping=False)
        )
        run.write(
            {
                "last_partner_id": batch[-1].id,
                "partner_count": run.partner_count + len(batch),
                "reminder_count": run.reminder_count + len(reminders),
                "error_log": self._cron_error_log(run.error_log, reminders),
            }
        )
        return reminders

    @api.model
    def _cron_error_log(self, log, reminders):
        """``log`` followed by the failures among ``reminders``."""
        failed = reminders.filtered(lambda m: m.state == "failed")
        return (
            "\n".join(
                filter(
                    None,
                    [log] + [f"{m.partner_id.display_name}: {m.error}" for m in failed],
                )
            )
            or False
        )
