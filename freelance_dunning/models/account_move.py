from contextlib import contextmanager
from datetime import timedelta

import psycopg2
from dateutil.relativedelta import relativedelta

from odoo import Command, api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.tools import format_amount, format_date, formatLang

from .account_move_line import LEVEL_REACHED_FIELDS, check_level_reached_writing
from .addon_writes import DUNNING_HISTORY_WRITING, addon_writing, is_addon_writing
from .cursor_permission import cursor_permission, has_cursor_permission
from .freelance_reference_rate import MissingReferenceRate
from .late_interest import late_interest_segments
from .res_partner import is_dunning_user
from .row_locks import lock_skip_locked
from .value_checks import check_values

# What an invoice's reminder fields accept (see value_checks).
PAUSE_BOUNDS = {"dunning_pause_until": {}}
# The pause of an invoice's reminders, written by _pause_dunning and
# _resume_dunning only (they check the caller's rights and log it).
PAUSE_FIELDS = ("dunning_pause_until", "dunning_pause_reason")
DUNNING_PAUSING = "freelance_dunning.dunning_pausing"
# An invoice's penalty invoice, and the mark of a penalty invoice: written by
# the reminders and the Invoice Late Payment Penalties action only.
PENALTY_MOVE_FIELDS = ("dunning_penalty_move_id", "dunning_penalty_invoice")


class AccountMove(models.Model):
    _inherit = "account.move"

    installment_ids = fields.One2many(
        comodel_name="freelance.order.installment",
        inverse_name="invoice_id",
        string="Order Installments",
        readonly=True,
        help="The installments of a sales order's payment schedule this invoice bills.",
    )

    # The client's blacklist in the invoice's company (company-dependent).
    partner_blacklisted = fields.Boolean(
        string="Blacklisted Client", compute="_compute_partner_blacklisted"
    )
    payment_term_warning = fields.Char(compute="_compute_payment_term_warning")
    amount_offered = fields.Monetary(
        string="Value Offered",
        compute="_compute_amount_offered",
        help="The real price of what is given for free, taxes excluded.",
    )
    send_at_once_state = fields.Selection(
        selection=[("pending", "To send"), ("sent", "Sent"), ("failed", "Failed")],
        string="Automatic Sending",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Customer invoices are emailed as soon as they are posted (company "
        "setting); a failed send is shown here and retried.",
    )
    send_at_once_error = fields.Text(string="Sending Error", copy=False, readonly=True)
    send_at_once_attempts = fields.Integer(copy=False, readonly=True)
    send_at_once_author_id = fields.Many2one(
        comodel_name="res.users",
        string="Sent On Behalf Of",
        copy=False,
        readonly=True,
        help="The author of the invoice's email sent by the queue, told when "
        "it is sent or failed; kept for the automatic retries.",
    )
    send_at_once_retry_at = fields.Datetime(
        string="Next Sending Attempt",
        copy=False,
        readonly=True,
        help="A failed automatic sending is tried again at this time at the earliest.",
    )
    dunning_level_id = fields.Many2one(
        comodel_name="freelance.dunning.level",
        string="Reminder Level",
        compute="_compute_dunning_level",
        store=True,
        check_company=True,
        help="The highest reminder level reached by the invoice's installments.",
    )
    dunning_last_date = fields.Date(
        string="Last Reminder", compute="_compute_dunning_level", store=True
    )
    dunning_pause_until = fields.Date(
        string="Reminders Paused Until",
        copy=False,
        tracking=True,
        help="No reminder until this date (included); they resume by themselves.",
    )
    dunning_pause_reason = fields.Selection(
        selection=[("disputed", "Disputed"), ("promise", "Promise to pay")],
        string="Pause Reason",
        copy=False,
        tracking=True,
    )
    dunning_penalty_move_id = fields.Many2one(
        comodel_name="account.move",
        string="Penalty Invoice",
        copy=False,
        readonly=True,
        check_company=True,
        help="The first invoice of the late interest and recovery indemnity of "
        "this invoice (the one billing its indemnity).",
    )
    dunning_penalty_invoice = fields.Boolean(
        string="Is a Penalty Invoice",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="An invoice of late interest and recovery indemnity: never reminded, "
        "and charged neither interest nor indemnity of its own.",
    )
    dunning_penalty_due = fields.Monetary(
        string="Penalties Not Invoiced",
        compute="_compute_dunning_penalty_due",
        help="Late interest and recovery indemnity this invoice owes (to its "
        "payment, or to today while unpaid) that no penalty invoice bills yet. "
        "Zero while a half-year of the delay has no reference rates: enter them "
        "in Late Interest Reference Rates.",
    )
    dunning_next_date = fields.Date(
        string="Next Reminder",
        compute="_compute_dunning_next_date",
        help="When the next reminder level applies, if nothing is paid before.",
    )
    dunning_sent_date = fields.Date(
        string="First Sent On",
        copy=False,
        readonly=True,
        help="The day the invoice was first marked sent (emailed or printed "
        "from Odoo): a courtesy notice needs it sent long enough before its "
        "due date. Recorded by the addon only.",
    )
    dunning_reminder_line_ids = fields.One2many(
        comodel_name="freelance.dunning.reminder.line",
        inverse_name="move_id",
        string="Reminders",
    )

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, PAUSE_BOUNDS)
        if any(vals.get(fname) for vals in vals_list for fname in LEVEL_REACHED_FIELDS):
            check_level_reached_writing(self, "create")
        if any(vals.get(fname) for vals in vals_list for fname in PENALTY_MOVE_FIELDS):
            self._check_penalty_writing("create")
        if any(vals.get(fname) for vals in vals_list for fname in PAUSE_FIELDS):
            self._check_pause_writing("create")
        if any("dunning_sent_date" in vals for vals in vals_list):
            self._check_sent_date_writing("create")
        moves = super().create(vals_list)
        moves.filtered("is_move_sent")._record_sent_date()
        return moves

    def write(self, vals):
        check_values(self, vals, PAUSE_BOUNDS)
        if vals.keys() & set(LEVEL_REACHED_FIELDS):
            # Computed from the lines' levels, which the engine alone writes:
            # written here, it would silence or hasten the reminders.
            check_level_reached_writing(self, "write")
        if vals.keys() & set(PENALTY_MOVE_FIELDS):
            self._check_penalty_writing("write")
        if vals.keys() & set(PAUSE_FIELDS) and not has_cursor_permission(
            self.env, DUNNING_PAUSING, self.ids
        ):
            self._check_pause_writing("write")
        if "dunning_sent_date" in vals:
            self._check_sent_date_writing("write")
        result = super().write(vals)
        if vals.get("is_move_sent"):
            self._record_sent_date()
        return result

    def _check_sent_date_writing(self, operation):
        """The day an invoice was sent is recorded when Odoo marks it sent:
        written by hand, it would send or hold back courtesy notices."""
        if not is_addon_writing(self.env, DUNNING_HISTORY_WRITING):
            self.check_access(operation)
            raise AccessError(
                self.env._(
                    "The day an invoice was first sent is recorded when it is "
                    "sent or printed: send the invoice instead of writing it."
                )
            )

    def _record_sent_date(self):
        """Record today as the day these invoices were first sent."""
        unsent = self.filtered(lambda move: not move.dunning_sent_date)
        if unsent:
            with addon_writing(self.env, DUNNING_HISTORY_WRITING):
                unsent.sudo().with_context(
                    tracking_disable=True,
                    skip_invoice_sync=True,
                    skip_invoice_line_sync=True,
                    check_move_validity=False,
                ).write({"dunning_sent_date": fields.Date.context_today(self)})

    def _check_penalty_writing(self, operation):
        """The penalty invoice is linked by the reminder that issued it (see
        ``addon_writes``): linked by hand, the level would never issue it."""
        if not is_addon_writing(self.env, DUNNING_HISTORY_WRITING):
            self.check_access(operation)
            raise AccessError(
                self.env._(
                    "The penalty invoice of an invoice is issued and linked by its "
                    "payment reminders only: it cannot be written by hand."
                )
            )

    def _check_pause_writing(self, operation):
        """A pause silences the reminders: it is set and ended by
        ``_pause_dunning`` / ``_resume_dunning``, which check the caller's
        rights and log who paused, until when and why."""
        self.check_access(operation)
        raise AccessError(
            self.env._(
                "The reminders of an invoice are paused with its Mark Disputed or "
                "Promise to Pay button only: the pause fields cannot be written by "
                "hand."
            )
        )

    @api.depends("commercial_partner_id", "company_id")
    def _compute_partner_blacklisted(self):
        for move in self:
            move.partner_blacklisted = move.commercial_partner_id._get_client_terms(
                move.company_id
            ).client_blacklisted

    @api.depends("line_ids.dunning_level_id", "line_ids.dunning_last_date")
    def _compute_dunning_level(self):
        for move in self:
            lines = move.line_ids.filtered("dunning_level_id")
            top = lines.sorted(lambda line: line.dunning_level_id.sequence)[-1:]
            move.dunning_level_id = top.dunning_level_id
            move.dunning_last_date = max(
                lines.mapped("dunning_last_date"), default=False
            )

    @api.depends(
        "invoice_line_ids.is_offered",
        "invoice_line_ids.price_unit",
        "invoice_line_ids.quantity",
    )
    def _compute_amount_offered(self):
        for move in self:
            move.amount_offered = sum(
                line.price_unit * line.quantity
                for line in move.invoice_line_ids.filtered("is_offered")
            )

    @api.depends("invoice_payment_term_id", "partner_id", "move_type")
    def _compute_payment_term_warning(self):
        for move in self:
            move.payment_term_warning = (
                move.move_type == "out_invoice"
                and move.invoice_payment_term_id._get_french_b2b_warning(
                    move.partner_id
                )
            )

    def _compute_dunning_next_date(self):
        engine = self.env["freelance.dunning.engine"]
        levels_of = {}  # one search per company, not per invoice
        for move in self:
            move.dunning_next_date = False
            if (
                move.move_type != "out_invoice"
                or move.state != "posted"
                or move.dunning_penalty_invoice
            ):
                continue
            if move.dunning_pause_reason == "disputed" and not move.dunning_pause_until:
                # Paused until an accountant resolves the dispute.
                continue
            if move.company_id not in levels_of:
                levels_of[move.company_id] = engine._get_levels(move.company_id)
            levels = levels_of[move.company_id]
            dates = []
            for line in move.line_ids.filtered(
                lambda ln: ln.account_type == "asset_receivable" and not ln.reconciled
            ):
                when = engine._next_level_date(line, levels)
                if when:
                    dates.append(when)
            if dates:
                next_date = min(dates)
                if move.dunning_pause_until and next_date <= move.dunning_pause_until:
                    next_date = fields.Date.add(move.dunning_pause_until, days=1)
                # The client's postponement (res.partner._postpone_dunning).
                postponed = (
                    move.commercial_partner_id.sudo()
                    .with_company(move.company_id)
                    .dunning_postpone_until
                )
                if postponed and next_date <= postponed:
                    next_date = fields.Date.add(postponed, days=1)
                move.dunning_next_date = next_date

    def action_open_dunning_pause(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Pause the Reminders"),
            "res_model": "freelance.dunning.pause.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_move_ids": self.ids,
                "default_reason": self.env.context.get("default_reason", "disputed"),
            },
        }

    def action_dunning_resume(self):
        disputes = (
            self.env["freelance.dunning.dispute"]
            .sudo()
            .search([("move_ids", "in", self.ids), ("state", "=", "open")])
        )
        if disputes:
            raise UserError(
                self.env._(
                    "These invoices are disputed by the client (%(disputes)s): "
                    "resolve or reject the dispute to resume their reminders.",
                    disputes=", ".join(disputes.mapped("display_name")),
                )
            )
        self._resume_dunning()
        return True

    def _check_dunning_pause_rights(self):
        if not is_dunning_user(self.env):
            raise AccessError(
                self.env._(
                    "Only a dunning user may pause the reminders of an invoice or "
                    "resume them."
                )
            )
        self.check_access("write")

    def _pause_dunning(self, reason, until, note=None):
        """Pause the reminders of these invoices until a date (dispute, promise).

        :param reason: "disputed" or "promise"
        :param until: the last day without reminders (a date after today)
        :param note: what was said or promised, kept in the chatter
        """
        self._check_dunning_pause_rights()
        reasons = dict(
            self._fields["dunning_pause_reason"]._description_selection(self.env)
        )
        if reason not in reasons:
            raise UserError(
                self.env._(
                    "Choose why the reminders are paused: %(reasons)s.",
                    reasons=", ".join(reasons.values()),
                )
            )
        until = fields.Date.to_date(until)
        if not until or until <= fields.Date.context_today(self):
            raise UserError(self.env._("A pause needs an end date in the future."))
        with cursor_permission(self.env, DUNNING_PAUSING, self.ids):
            self.write({"dunning_pause_until": until, "dunning_pause_reason": reason})
        for move in self:
            move.message_post(
                body=self.env._(
                    "Reminders paused until %(date)s (%(reason)s). %(note)s",
                    date=fields.Date.to_string(until),
                    reason=reasons[reason],
                    note=note or "",
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _resume_dunning(self):
        """Resume the reminders of these invoices now (the pause ends)."""
        self._check_dunning_pause_rights()
        with cursor_permission(self.env, DUNNING_PAUSING, self.ids):
            self.write({"dunning_pause_until": False, "dunning_pause_reason": False})
        return True

    # ------------------------------------------------------------------
    # Send at once, through Odoo's sending queue
    # ------------------------------------------------------------------

    # A failed automatic sending is tried again after each of these delays,
    # growing; then it stops and the banner says so.
    SEND_AT_ONCE_RETRY_DELAYS = (
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=4),
    )
    SEND_AT_ONCE_MAX_ATTEMPTS = len(SEND_AT_ONCE_RETRY_DELAYS) + 1
    # Key of the cursor's cache (never the context, which any RPC caller can
    # set) counting the open `_invoice_emails_held` blocks.
    _EMAILS_HELD_KEY = "freelance_dunning.invoice_emails_held"

    # ------------------------------------------------------------------
    # Paying online or by bank transfer
    # ------------------------------------------------------------------

    def _can_be_paid_online(self):
        """Whether a payment provider the client sees can take what is due on
        this invoice (its company, client, currency and amount)."""
        self.ensure_one()
        providers = (
            self.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                self.company_id.id,
                self.partner_id.id,
                self.amount_residual,
                currency_id=self.currency_id.id,
            )
        )
        return bool(providers.filtered("is_published"))

    def _has_to_be_paid(self):
        # Odoo offers "Pay now" on every invoice due, which leads to "No
        # payment method available" when no provider can take the payment:
        # such an invoice is paid by bank transfer (_to_pay_by_transfer).
        # Where a provider can take it, Odoo's behaviour is kept.
        return super()._has_to_be_paid() and self._can_be_paid_online()

    def _get_online_payment_error(self):
        # What the "Pay" dialog of the portal says (a link "?payment=True")
        # when the invoice is to be paid by bank transfer.
        if self._to_pay_by_transfer():
            return self.env._(
                "This invoice cannot be paid online: please pay it by bank "
                "transfer with the reference %(reference)s.",
                reference=self.payment_reference or self.name,
            )
        return super()._get_online_payment_error()

    def _to_pay_by_transfer(self):
        """Whether something is due on this posted customer invoice and no
        provider can take its payment online: its portal page and its email
        give the bank transfer details (reference, bank account) instead of
        "Pay now"."""
        self.ensure_one()
        return bool(
            self.move_type == "out_invoice"
            and self.state == "posted"
            and self.payment_state in ("not_paid", "partial")
            and not self.currency_id.is_zero(self.amount_residual)
            and not self._can_be_paid_online()
        )

    @contextmanager
    def _invoice_emails_held(self):
        """Inside this block, no invoice is emailed: the invoices posted are
        not sent at once and the orders confirmed send no installment invoice.

        Used by the code that issues invoices without telling anyone (demo
        data, benchmarks, scenario builders) through ``_post_without_email``
        and ``sale.order._action_confirm_without_email``. It lives in the
        cursor, not in the context: a caller over RPC cannot open it.
        """
        cache = self.env.cr.cache
        cache[self._EMAILS_HELD_KEY] = cache.get(self._EMAILS_HELD_KEY, 0) + 1
        try:
            yield
        finally:
            cache[self._EMAILS_HELD_KEY] -= 1

    @api.model
    def _are_invoice_emails_held(self):
        """Whether no invoice may be emailed now: inside
        ``_invoice_emails_held``, or while a module's data is loaded."""
        return bool(
            self.env.cr.cache.get(self._EMAILS_HELD_KEY)
            or self.env.context.get("install_module")
        )

    def _post_without_email(self, soft=True):
        """Post the invoices without sending them at once (data issued
        silently, see ``_invoice_emails_held``)."""
        with self._invoice_emails_held():
            return self._post(soft=soft)

    def _get_mail_template(self):
        """The addon's template, with its payment link, for the invoices of an
        order's installments and the invoices the company emails as soon as
        they are posted: Odoo's sending (Send button, queue) picks it here."""
        if self and all(
            move.move_type == "out_invoice"
            and (move.installment_ids or move.send_at_once_state == "pending")
            for move in self
        ):
            template = self.env.ref(
                "freelance_dunning.mail_template_installment_invoice",
                raise_if_not_found=False,
            )
            if template:
                return template
        return super()._get_mail_template()

    def _post(self, soft=True):
        posted = super()._post(soft=soft)
        if self._are_invoice_emails_held():
            return posted
        to_send = posted.filtered(
            lambda move: (
                move.move_type == "out_invoice"
                and move.company_id.invoice_send_at_once
                and not move.is_move_sent
            )
        )
        # Sent right after the commit by Odoo's sending queue (as the Send
        # button does for several invoices), so posting never waits for the
        # PDF and a failure never undoes the posting.
        to_send._queue_send_at_once()
        return posted

    def _queue_send_at_once(self):
        """Put the invoices in Odoo's sending queue (``sending_data``, processed
        by account's scheduled action ``_cron_account_move_send``), by email
        whatever the client's usual sending method (``invoice_sending_method``):
        the company emails its invoices as soon as they are posted. The queue
        is woken up only when something was queued. The author is who asked
        for it, else a person of the company (``_send_at_once_author``)."""
        if not self:
            return
        by_author = {}
        for move in self:
            author = move._send_at_once_author()
            by_author[author] = by_author.get(author, self.browse()) | move
        for author, moves in by_author.items():
            moves.write(
                {
                    "send_at_once_state": "pending",
                    "send_at_once_error": False,
                    "send_at_once_retry_at": False,
                    "send_at_once_author_id": author.id,
                    "sending_data": {
                        "author_user_id": author.id,
                        "author_partner_id": author.partner_id.id,
                        "sending_methods": ["email"],
                    },
                }
            )
        self.env.ref("account.ir_cron_account_move_send")._trigger()

    def _send_at_once_author(self):
        """Who the queued email is written by and who is told of its result:
        the user who asked for it; when that is nobody's session (a client on
        the portal, a payment provider's webhook: public or portal user) or
        the scheduled run (superuser), the author it was first queued with (a
        retry), else the order's salesperson, the invoice's salesperson, the
        company's dunning responsible."""
        self.ensure_one()
        user = self.env.user
        if not (user.share or user._is_superuser() or user._is_public()):
            return user
        move = self.sudo()
        company = move.company_id
        candidates = [
            move.send_at_once_author_id,
            move.line_ids.sale_line_ids.order_id.user_id[:1],
            move.invoice_user_id,
            company._get_dunning_responsible(),
        ]
        for candidate in candidates:
            if candidate and company._is_assignable_user(candidate):
                return candidate.with_env(self.env)
        return user

    @api.model
    def _cron_account_move_send(self, job_count=10):
        """Odoo's sending queue, which also emails the invoices posted in a
        company that sends them at once: a failed one is queued again after
        growing delays (``SEND_AT_ONCE_RETRY_DELAYS``: 15 minutes, 1 hour, 4
        hours, then no more), an invoice whose client
        has no email address fails before its PDF is made, and the result of
        each is recorded on it (``send_at_once_state``, ``send_at_once_error``).
        """
        # Refusals the mail queue could not record on a locked invoice.
        self.env["mail.mail"].sudo().search(
            [("refused_invoice_pending", "=", True)]
        )._record_refused_invoices()
        failed = self.search(
            [
                ("send_at_once_state", "=", "failed"),
                ("send_at_once_attempts", "<", self.SEND_AT_ONCE_MAX_ATTEMPTS),
                ("send_at_once_retry_at", "<=", fields.Datetime.now()),
                ("state", "=", "posted"),
                ("sending_data", "=", False),
            ]
        )
        # Each invoice written here is locked first, as Odoo's queue does;
        # one that another transaction holds (a reminder run, another worker)
        # waits for the next pass.
        failed = failed._lock_for_sending()
        # Sent by hand since it failed: done, never sent twice.
        failed.filtered("is_move_sent").write(
            {
                "send_at_once_state": "sent",
                "send_at_once_error": False,
                "send_at_once_retry_at": False,
            }
        )
        failed.filtered(lambda move: not move.is_move_sent)._queue_send_at_once()
        queued = self.search(
            [("send_at_once_state", "=", "pending"), ("sending_data", "!=", False)]
        )
        no_email = queued.filtered(lambda move: not move.partner_id.email)
        for move in no_email._lock_for_sending():
            move._record_send_at_once(
                self.env._(
                    "%(client)s has no email address.",
                    client=move.partner_id.display_name,
                )
            )
        result = super()._cron_account_move_send(job_count=job_count)
        done = self.search(
            [("send_at_once_state", "=", "pending"), ("sending_data", "=", False)]
        )
        for move in done._lock_for_sending():
            move._record_send_at_once(
                False
                if move.is_move_sent
                else self.env._("The email could not be prepared.")
            )
        return result

    def _lock_for_sending(self):
        """The invoices of ``self`` this transaction locks to write their
        sending state (``FOR NO KEY UPDATE SKIP LOCKED``, as Odoo's sending
        queue locks the invoices it sends): the others are being written by
        another transaction (a reminder run, another worker of the queue),
        and the queue is woken up again in a minute for them."""
        if not self:
            return self
        # None: changed by another transaction since this one began.
        locked = self.browse(lock_skip_locked(self) or ())
        if locked != self:
            self.env.ref("account.ir_cron_account_move_send")._trigger(
                at=fields.Datetime.now() + timedelta(minutes=1)
            )
        return self & locked

    def _record_send_at_once(self, error, retry=True, same_attempt=False):
        """The result of one sending: sent, or failed with the error shown on
        the invoice; a failed sending with attempts left is tried again by the
        queue after the delay of its attempt (``SEND_AT_ONCE_RETRY_DELAYS``).

        :param retry: False: failed without automatic retry (an email sent by
            hand in a company that does not send its invoices at once)
        :param same_attempt: the result of the attempt already counted (the
            mail server refused the email the queue had sent)
        """
        self.ensure_one()
        attempts = self.send_at_once_attempts
        if not (same_attempt and attempts):
            attempts += 1
        retry_at = False
        if error and retry and attempts < self.SEND_AT_ONCE_MAX_ATTEMPTS:
            delay = self.SEND_AT_ONCE_RETRY_DELAYS[attempts - 1]
            retry_at = fields.Datetime.now() + delay
        self.write(
            {
                "send_at_once_state": "failed" if error else "sent",
                "send_at_once_error": error or False,
                "send_at_once_attempts": attempts,
                "send_at_once_retry_at": retry_at,
                "sending_data": False,
            }
        )
        if retry_at:
            self.env.ref("account.ir_cron_account_move_send")._trigger(at=retry_at)

    def _fail_email_delivery(self, error):
        """The mail server refused the email of these invoices (or it could
        not reach it): they are not sent. Each shows the error on its banner,
        is found by the *Email failed* filter, and is queued again after the
        delay of its attempt when the company sends its invoices at once (or
        the invoice was already sent that way); then it stops and says so.

        The invoices are locked waiting for the transaction that holds them
        (the mail queue can wait). Returns False, changing nothing, when they
        cannot be locked: the caller keeps the refusal for later
        (``mail.mail.refused_invoice_pending``)."""
        moves = self.sudo()
        if not moves._lock_waiting():
            return False
        for move in moves:
            same_attempt = move.send_at_once_state == "sent"
            move.is_move_sent = False
            move._record_send_at_once(
                error,
                same_attempt=same_attempt,
                retry=bool(
                    move.send_at_once_state
                    or move.installment_ids
                    or move.company_id.invoice_send_at_once
                ),
            )
        return True

    def _lock_waiting(self):
        """Lock these invoices (``FOR NO KEY UPDATE``), waiting for the
        transaction that holds them. False when they cannot be: changed by
        another transaction since this one began, or a deadlock."""
        if not self:
            return True
        try:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "SELECT id FROM account_move WHERE id IN %s FOR NO KEY UPDATE",
                    [tuple(self.ids)],
                )
        except psycopg2.OperationalError:
            return False
        return True

    def action_resend_failed_email(self):
        """Send again, now, the invoices whose email failed (their banner's
        button), through Odoo's sending queue, with a fresh set of automatic
        attempts. Only for those who may send invoices."""
        if not self.env.user.has_group("account.group_account_invoice"):
            raise AccessError(
                self.env._(
                    "Only invoicing users may send invoices again: ask your accountant."
                )
            )
        self.check_access("write")
        not_failed = self.filtered(
            lambda move: move.send_at_once_state != "failed" or move.state != "posted"
        )
        if not_failed:
            raise UserError(
                self.env._(
                    "Only posted invoices whose email failed can be sent again: "
                    "%(invoices)s",
                    invoices=", ".join(not_failed.mapped("display_name")),
                )
            )
        failed = self._lock_for_sending()
        if failed != self:
            raise UserError(
                self.env._(
                    "These invoices are being sent right now: try again in a minute."
                )
            )
        failed.write({"send_at_once_attempts": 0})
        failed._queue_send_at_once()
        return True

    def _email_with_payment_link(self):
        """Email the invoice now through Odoo's sending, with its PDF and a
        payment link that needs no login (its portal URL with its token), in
        the wording of ``_get_mail_template``."""
        self._portal_ensure_token()
        self.env["account.move.send"].sudo()._generate_and_send_invoices(
            self, sending_methods={"email"}, allow_fallback_pdf=True
        )

    # ------------------------------------------------------------------
    # Penalty invoices: late interest and recovery indemnity, billed once
    # ------------------------------------------------------------------

    @api.model
    def _get_penalties_billed(self, invoices):
        """What penalty invoices (draft or posted) already bill for these
        invoices, read from their lines: the ledger is the record.

        :return: ({receivable line id: (interest billed, last day billed)},
            {id of each invoice whose indemnity is billed})
        """
        interest, indemnity = {}, set()
        if not invoices:
            return interest, indemnity
        billed = (
            self.env["account.move.line"]
            .sudo()
            .search_fetch(
                [
                    ("dunning_penalty_source_move_id", "in", invoices.ids),
                    ("parent_state", "in", ("draft", "posted")),
                ],
                [
                    "dunning_penalty_kind",
                    "dunning_penalty_source_move_id",
                    "dunning_penalty_source_line_id",
                    "dunning_penalty_date_to",
                    "price_subtotal",
                ],
            )
        )
        for line in billed:
            if line.dunning_penalty_kind == "indemnity":
                indemnity.add(line.dunning_penalty_source_move_id.id)
            elif line.dunning_penalty_source_line_id:
                key = line.dunning_penalty_source_line_id.id
                amount, until = interest.get(key, (0.0, line.dunning_penalty_date_to))
                interest[key] = (
                    amount + line.price_subtotal,
                    max(until, line.dunning_penalty_date_to),
                )
        return interest, indemnity

    @api.model
    def _get_interest_start(self, line):
        """The last day without interest of a receivable line: its due date for
        a business client, the date of its first formal notice sent for a
        consumer (False without one)."""
        if line.partner_id._is_professional_client():
            return line.date_maturity
        engine = self.env["freelance.dunning.engine"]
        return engine._get_formal_notice_dates(line)[line.id]

    @api.model
    def _get_interest_segments(self, line, until, after=None, cache=None):
        """The late interest segments (constant base and rate) of a receivable
        line from the day after ``after`` (default: its start) to ``until``,
        as ``late_interest`` counts them: payments reduce the base from the
        day after they are received. ``cache["credits"]`` holds the client's
        open credits imputed on the line (engine ``_get_open_credits``), as
        the reminders count them: give them, or the base ignores them."""
        start = self._get_interest_start(line)
        if not start:
            return []
        cache = {} if cache is None else cache
        business = line.partner_id._is_professional_client()
        key = ("rate", line.company_id.id, business)
        if key not in cache:
            cache[key] = self.env[
                "freelance.reference.rate"
            ]._get_interest_rate_function(line.company_id, business=business)
        return late_interest_segments(
            abs(line.amount_currency),
            max(start, after) if after else start,
            until,
            cache[key],
            self.env["freelance.dunning.engine"]._get_payments(line, cache),
        )

    @api.model
    def _prepare_interest_claim(self, line, until, total, billed, cache=None):
        """The late interest of a receivable line still to bill up to ``until``.

        :param total: the line's interest from its start to ``until``, rounded
            once (what a reminder stated, or ``late_interest``)
        :param billed: (amount, last day) a penalty invoice already bills
        :return: a claim (dict) or None
        """
        billed_amount, billed_until = billed or (0.0, None)
        amount = line.currency_id.round(total - billed_amount)
        if line.currency_id.compare_amounts(amount, 0.0) <= 0:
            return None
        return {
            "kind": "interest",
            "invoice": line.move_id,
            "line": line,
            "amount": amount,
            "date_to": until,
            "segments": self._get_interest_segments(
                line, until, after=billed_until, cache=cache
            ),
        }

    @api.model
    def _prepare_indemnity_amount(self, company, currency, day):
        """The company's fixed indemnity (set in euros) in ``currency``."""
        euro = self.env.ref("base.EUR")
        return euro._convert(company.recovery_indemnity_amount, currency, company, day)

    @api.model
    def _get_late_payment_claims(
        self, partner, company, currency=None, today=None, skipped=None
    ):
        """The late interest and indemnity of a client's invoices paid late
        (installments fully paid after their due date) that no penalty
        invoice bills yet: interest up to the day the last payment was
        received, the indemnity once per invoice (business clients). Only
        installments fully paid within the last five years (Code de commerce,
        L110-4), see ``_get_penalty_claims``.

        :param skipped: see ``_get_penalty_claims``
        :return: [claim], in due date order
        """
        today = today or fields.Date.context_today(self)
        domain = [
            ("company_id", "=", company.id),
            ("partner_id", "child_of", partner.commercial_partner_id.id),
            ("account_type", "=", "asset_receivable"),
            ("parent_state", "=", "posted"),
            ("move_id.move_type", "=", "out_invoice"),
            ("move_id.dunning_penalty_invoice", "=", False),
            ("reconciled", "=", True),
            ("date_maturity", "<", today),
        ]
        if currency:
            domain.append(("currency_id", "=", currency.id))
        lines = self.env["account.move.line"].search(domain, order="date_maturity, id")
        return self._get_penalty_claims(lines, today, skipped=skipped)

    @api.model
    def _get_penalty_claims(self, lines, today, skipped=None):
        """What these receivable lines owe in late interest (to their full
        payment, or to ``today``) and indemnity, not billed yet.

        The client's open credit notes and unreconciled payments are imputed
        as the reminders impute them (engine ``_get_open_credits``): an open
        installment they cover, or of a client whose net balance is not
        positive, owes no penalty (no reminder claims it), and interest runs
        only on what they leave due. An installment fully paid more than five
        years ago owes nothing any more (Code de commerce, L110-4). An invoice
        with a day of delay in a half-year without reference rates is left
        out whole (interest and indemnity), never computed with another
        half-year's rates.

        :param skipped: a list to which (invoice, first day of the half-year
            without rates) is appended for each invoice left out
        """
        billed_interest, billed_indemnity = self._get_penalties_billed(lines.move_id)
        engine = self.env["freelance.dunning.engine"]
        cache, net = {"credits": {}}, {}
        for company in lines.company_id:
            credits, company_net = engine._get_open_credits(
                company, lines.filtered(lambda ln, c=company: ln.company_id == c)
            )
            cache["credits"].update(credits)
            net.update(company_net)
        prescribed = today - relativedelta(years=5)
        claims, missing = [], {}
        for line in lines:
            currency = line.currency_id
            if not line.reconciled:
                credited = sum(
                    amount for _day, amount in cache["credits"].get(line.id, [])
                )
                client = line.partner_id.commercial_partner_id
                if (
                    currency.compare_amounts(net.get((client, currency), 0.0), 0.0) <= 0
                    or currency.compare_amounts(
                        line.amount_residual_currency - credited, 0.0
                    )
                    <= 0
                ):
                    continue
            paid_on = max(
                (day for day, _amount in engine._get_payments(line)),
                default=None,
            )
            until = paid_on if line.reconciled and paid_on else today
            if until <= line.date_maturity or until < prescribed:
                continue
            invoice = line.move_id
            if invoice in missing:
                continue
            try:
                segments = self._get_interest_segments(line, until, cache=cache)
            except MissingReferenceRate as error:
                missing[invoice] = error.date_from
                continue
            total = round(sum(segment.interest for segment in segments) + 1e-9, 2)
            claim = self._prepare_interest_claim(
                line, until, total, billed_interest.get(line.id), cache
            )
            if claim:
                claims.append(claim)
            if (
                invoice.id not in billed_indemnity
                and invoice.company_id.recovery_indemnity_amount
                and line.partner_id._is_professional_client()
            ):
                billed_indemnity.add(invoice.id)
                claims.append(
                    {
                        "kind": "indemnity",
                        "invoice": invoice,
                        "line": line,
                        "amount": self._prepare_indemnity_amount(
                            invoice.company_id, line.currency_id, until
                        ),
                        "date_to": until,
                    }
                )
        if skipped is not None:
            skipped += list(missing.items())
        return [claim for claim in claims if claim["invoice"] not in missing]

    @api.model
    def _describe_penalties_skipped(self, skipped):
        """The sentence naming the invoices ``_get_penalty_claims`` left out
        for want of reference rates, and the half-years to enter."""
        return self.env._(
            "Not invoiced, for want of late interest reference rates: "
            "%(invoices)s. Enter the rates of the half-year(s) starting "
            "%(half_years)s (Invoicing, Configuration, Late Interest Rates), "
            "then invoice their penalties again.",
            invoices=", ".join(invoice.name for invoice, _day in skipped),
            half_years=", ".join(
                format_date(self.env, day) for day in sorted({d for _i, d in skipped})
            ),
        )

    def _compute_dunning_penalty_due(self):
        today = fields.Date.context_today(self)
        for move in self:
            move.dunning_penalty_due = 0.0
            if (
                move.move_type != "out_invoice"
                or move.state != "posted"
                or move.dunning_penalty_invoice
                or not move.id
            ):
                continue
            lines = move.line_ids.filtered(
                lambda ln: ln.account_type == "asset_receivable"
            )
            # A half-year of the delay without rates: no figure is guessed
            # (the invoice is left out; the action says which half-year).
            claims = self._get_penalty_claims(lines, today)
            move.dunning_penalty_due = sum(claim["amount"] for claim in claims)

    def _get_penalty_line_name(self, claim, lang):
        """The label of a penalty invoice line, in the client's language: the
        invoice, and for interest each segment's base, rate and days."""
        env = self.with_context(lang=lang).env
        invoice = claim["invoice"]
        currency = claim["line"].currency_id

        def day(value):
            return format_date(env, value, lang_code=lang)

        if claim["kind"] == "indemnity":
            return env._(
                "Fixed indemnity for recovery costs on %(invoice)s (Code de "
                "commerce, L441-10 and D441-5): %(amount)s",
                invoice=invoice.name,
                amount=format_amount(
                    env,
                    invoice.company_id.recovery_indemnity_amount,
                    env.ref("base.EUR"),
                    lang_code=lang,
                ),
            )
        segments = claim["segments"]
        lines = [
            env._(
                "Late interest on %(invoice)s, installment due %(due)s, from "
                "%(date_from)s to %(date_to)s:",
                invoice=invoice.name,
                due=day(claim["line"].date_maturity),
                date_from=day(segments[0].date_from) if segments else "",
                date_to=day(claim["date_to"]),
            )
        ]
        for segment in segments:
            lines.append(
                env._(
                    "%(base)s x %(rate)s %% x %(days)s days / 365 (%(date_from)s "
                    "to %(date_to)s)",
                    base=format_amount(env, segment.base, currency, lang_code=lang),
                    rate=formatLang(env, segment.rate, digits=2),
                    days=segment.days,
                    date_from=day(segment.date_from),
                    date_to=day(segment.date_to),
                )
            )
        return "\n".join(lines)

    @api.model
    def _create_penalty_invoice(self, partner, company, currency, claims):
        """Issue and post one penalty invoice of the client for these claims
        (``_get_penalty_claims``): no VAT, interest and indemnity on the
        company's accounts, lines labelled in the client's language. An
        invoice's indemnity is billed once even when several of its
        installments claim it. The invoices get it as their penalty invoice
        when they have none yet.

        :return: the penalty invoice, or an empty recordset without claims
        """
        seen, kept = set(), []
        for claim in claims:
            if claim["kind"] == "indemnity":
                if claim["invoice"].id in seen:
                    continue
                seen.add(claim["invoice"].id)
            kept.append(claim)
        if not kept:
            return self.browse()
        client = partner.commercial_partner_id
        lang = client.lang or self.env.lang
        accounts = company._get_dunning_penalty_accounts()
        values = {
            "move_type": "out_invoice",
            "partner_id": client.id,
            "company_id": company.id,
            "currency_id": currency.id,
        }
        # The journal Odoo proposes for a customer invoice of the company
        # (account.move's journal_id default, _search_default_journal).
        moves = self.env["account.move"].with_company(company)
        journal = moves.new(values).journal_id
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            penalty = moves.create(
                {
                    **values,
                    "journal_id": journal.id,
                    "dunning_penalty_invoice": True,
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": self._get_penalty_line_name(claim, lang),
                                "quantity": 1,
                                "price_unit": claim["amount"],
                                "tax_ids": [Command.clear()],
                                "account_id": (
                                    accounts[claim["kind"]]
                                    or journal.default_account_id
                                ).id,
                                "dunning_penalty_kind": claim["kind"],
                                "dunning_penalty_source_move_id": claim["invoice"].id,
                                "dunning_penalty_source_line_id": claim["line"].id,
                                "dunning_penalty_date_to": claim["date_to"],
                            }
                        )
                        for claim in kept
                    ],
                }
            )
        penalty.action_post()
        invoices = self.browse([claim["invoice"].id for claim in kept])
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            invoices.filtered(
                lambda invoice: not invoice.dunning_penalty_move_id
            ).dunning_penalty_move_id = penalty
        # What they owe and no penalty invoice bills changed.
        invoices.invalidate_recordset(["dunning_penalty_due"])
        return penalty
