"""A client's promise to pay (issue 21): made on the client's page or
recorded by an accountant, it pauses the reminders of its invoices until its
date; the dunning run marks it kept (paid) or missed (the reminders resume
and the next one says so)."""

from datetime import timedelta

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import format_date

from .account_move import DUNNING_PAUSING
from .cursor_permission import cursor_permission, has_cursor_permission
from .res_partner import is_dunning_user
from .value_checks import check_values

# What the addon's own methods write past write()'s refusal (a cursor mark,
# which no RPC caller reaches).
PROMISE_WRITING = "freelance_dunning.promise_writing"
# Set by the client's page (controllers/client_page_forms.py) around its
# create: the record's source is "page", else "backend".
CLIENT_PAGE_SOURCE = "freelance_dunning.client_page_source"
# The amount's sign is the rules' (_check_promise_rules), with their message.
PROMISE_BOUNDS = {"amount": {}, "date": {}}
# Written by the addon only: the promise is what the client said.
PROMISE_PROTECTED = {
    "partner_id",
    "company_id",
    "move_ids",
    "date",
    "amount",
    "state",
    "source",
    "created_by_id",
    "request_date",
    "closed_date",
    "missed_reminder_id",
}
OPEN_PAYMENT_STATES = ("not_paid", "partial")


def said_on_the_page(env):
    """Whether the records being created are said by the client on its page
    (the page's controller grants CLIENT_PAGE_SOURCE), not by a user."""
    return has_cursor_permission(env, CLIENT_PAGE_SOURCE, ["page"])


def statement_values(model, from_page):
    """What the addon decides on a new promise or dispute, whatever the
    caller sent: open, where it comes from, who recorded it and when."""
    return {
        "state": "open",
        "source": "page" if from_page else "backend",
        "created_by_id": False if from_page else model.env.uid,
        "request_date": fields.Date.context_today(model),
    }


def statement_creator(model, from_page):
    """The model to create with: from the page, no "created" note nor
    follower of the public user (_start posts the client's own note,
    authored by the client)."""
    if from_page:
        return model.with_context(mail_create_nolog=True, mail_create_nosubscribe=True)
    return model


class ClientFormRefusal(ValidationError):
    """A rule refused what the client asked; ``code`` names the notice the
    client's page shows (controllers/client_page_forms.py)."""

    def __init__(self, message, code):
        super().__init__(message)
        self.code = code


def open_invoices_of(client, company):
    """The client's posted customer invoices with ``company`` still to be
    paid (superuser records)."""
    return (
        client.env["account.move"]
        .sudo()
        .search(
            [
                ("company_id", "=", company.id),
                ("commercial_partner_id", "=", client.commercial_partner_id.id),
                ("move_type", "=", "out_invoice"),
                ("state", "=", "posted"),
                ("payment_state", "in", OPEN_PAYMENT_STATES),
                ("amount_residual", ">", 0),
            ],
            order="invoice_date_due, id",
        )
    )


def check_client_invoices(env, client, company, moves):
    """Refuse invoices that are not ``client``'s open invoices with
    ``company`` (the page posts ids an attacker may have changed)."""
    if not moves:
        raise ClientFormRefusal(env._("Choose at least one invoice."), "invoices")
    allowed = open_invoices_of(client, company)
    strangers = moves.sudo() - allowed
    if strangers:
        raise ClientFormRefusal(
            env._(
                "Only your own invoices with %(company)s that are still to be "
                "paid can be chosen.",
                company=company.name,
            ),
            "invoices",
        )


class FreelanceDunningPromise(models.Model):
    _name = "freelance.dunning.promise"
    _description = "Promise to Pay"
    _inherit = ["mail.thread", "mail.activity.mixin", "freelance.company.bound.mixin"]
    _order = "request_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Client",
        required=True,
        index=True,
        domain="[('is_company', '=', True)]",
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    move_ids = fields.Many2many(
        comodel_name="account.move",
        relation="freelance_dunning_promise_move_rel",
        column1="promise_id",
        column2="move_id",
        string="Invoices",
        required=True,
        check_company=True,
    )
    currency_id = fields.Many2one(
        comodel_name="res.currency", compute="_compute_amounts"
    )
    amount_left = fields.Monetary(
        string="Left to Pay",
        compute="_compute_amounts",
        help="What the promised invoices still owe.",
    )
    date = fields.Date(
        string="Promised Date",
        required=True,
        tracking=True,
        help="The client pays by this date; no reminder of these invoices until then.",
    )
    amount = fields.Monetary(
        string="Promised Amount",
        help="Empty: everything the invoices owe.",
    )
    state = fields.Selection(
        selection=[
            ("open", "Open"),
            ("kept", "Kept"),
            ("missed", "Missed"),
            ("cancelled", "Cancelled"),
        ],
        default="open",
        required=True,
        readonly=True,
        tracking=True,
        index=True,
    )
    source = fields.Selection(
        selection=[("page", "Client's page"), ("backend", "Recorded by an accountant")],
        required=True,
        readonly=True,
        default="backend",
    )
    created_by_id = fields.Many2one(
        comodel_name="res.users", string="Recorded By", readonly=True
    )
    request_date = fields.Date(
        string="Made On",
        readonly=True,
        index=True,
        default=fields.Date.context_today,
    )
    closed_date = fields.Date(string="Closed On", readonly=True)
    missed_reminder_id = fields.Many2one(
        comodel_name="freelance.dunning.reminder",
        string="Reminder Saying It Was Missed",
        readonly=True,
        index="btree_not_null",
        help="The first reminder after the promise was missed, which says so.",
    )

    @api.depends("partner_id", "date")
    def _compute_name(self):
        for promise in self:
            promise.name = self.env._(
                "Promise of %(client)s for %(date)s",
                client=promise.partner_id.name or "",
                date=format_date(self.env, promise.date, lang_code=self.env.lang) or "",
            )

    @api.depends("move_ids.amount_residual", "company_id")
    def _compute_amounts(self):
        for promise in self:
            moves = promise.move_ids.sudo()
            promise.currency_id = (
                moves[:1].currency_id or promise.company_id.currency_id
            )
            promise.amount_left = sum(moves.mapped("amount_residual"))

    # ------------------------------------------------------------------
    # The rules (the client writes through the page, a user through RPC)
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        check_values(self, vals_list, PROMISE_BOUNDS)
        from_page = said_on_the_page(self.env)
        if not from_page and not is_dunning_user(self.env):
            raise AccessError(
                self.env._("Only a dunning user may record a promise to pay.")
            )
        for vals in vals_list:
            vals.update(
                statement_values(self, from_page),
                closed_date=False,
                missed_reminder_id=False,
            )
            self._check_promise_rules(vals)
        with cursor_permission(self.env, PROMISE_WRITING, ["new"]):
            promises = super(
                FreelanceDunningPromise, statement_creator(self, from_page)
            ).create(vals_list)
        promises._start()
        return promises

    def write(self, vals):
        check_values(self, vals, PROMISE_BOUNDS)
        if vals.keys() & PROMISE_PROTECTED and not has_cursor_permission(
            self.env, PROMISE_WRITING, self.ids or ["new"]
        ):
            self.check_access("write")
            raise AccessError(
                self.env._(
                    "A promise to pay keeps what the client promised: cancel it "
                    "and record a new one instead of changing it."
                )
            )
        return super().write(vals)

    def _protected_write(self, vals):
        with cursor_permission(self.env, PROMISE_WRITING, self.ids):
            return self.write(vals)

    @api.model
    def _client_open_invoices(self, client, company):
        """The invoices a client may promise or dispute on its page."""
        return open_invoices_of(client, company)

    @api.model
    def _check_promise_rules(self, vals):
        """Refuse a promise the company's rules forbid, with what to fix."""
        env = self.env
        client = env["res.partner"].sudo().browse(vals.get("partner_id")).exists()
        company = env["res.company"].sudo().browse(vals.get("company_id")).exists()
        if not client or not company:
            raise ValidationError(
                env._("A promise to pay needs a client and a company.")
            )
        if client != client.commercial_partner_id:
            raise ValidationError(
                env._(
                    "A promise to pay is made by the client's company %(client)s, "
                    "not by one of its contacts.",
                    client=client.commercial_partner_id.name,
                )
            )
        move_ids = self._fields["move_ids"].convert_to_cache(
            vals.get("move_ids", []), self.browse()
        )
        moves = env["account.move"].sudo().browse(move_ids)
        check_client_invoices(env, client, company, moves)
        disputed = moves.filtered(
            lambda move: (
                move.dunning_pause_reason == "disputed"
                and (
                    not move.dunning_pause_until
                    or move.dunning_pause_until >= fields.Date.context_today(self)
                )
            )
        )
        if disputed:
            raise ClientFormRefusal(
                env._(
                    "%(invoices)s is disputed: a disputed invoice cannot be "
                    "promised until the dispute is settled.",
                    invoices=", ".join(disputed.mapped("name")),
                ),
                "promise_disputed",
            )
        today = fields.Date.context_today(self)
        when = fields.Date.to_date(vals.get("date"))
        latest = today + timedelta(days=company.promise_max_days)
        if not when or when <= today or when > latest:
            raise ClientFormRefusal(
                env._(
                    "Choose a date after today and no later than %(latest)s.",
                    latest=format_date(env, latest, lang_code=env.lang),
                ),
                "promise_date",
            )
        amount = vals.get("amount")
        # Empty (or zero, as a form leaves it): everything the invoices owe.
        if amount:
            if len(moves.currency_id) > 1:
                raise ClientFormRefusal(
                    env._(
                        "Invoices in different currencies: promise their whole "
                        "amounts, or one currency at a time."
                    ),
                    "promise_amount",
                )
            currency = moves.currency_id
            left = sum(moves.mapped("amount_residual"))
            if currency.compare_amounts(amount, 0) <= 0 or (
                currency.compare_amounts(amount, left) > 0
            ):
                raise ClientFormRefusal(
                    env._(
                        "The promised amount must be more than zero and at most "
                        "what the invoices still owe (%(left)s).",
                        left=currency.format(left),
                    ),
                    "promise_amount",
                )
        Promise = self.sudo()
        if Promise.search_count(
            [
                ("partner_id", "=", client.id),
                ("company_id", "=", company.id),
                ("state", "=", "open"),
            ]
        ):
            raise ClientFormRefusal(
                env._(
                    "A promise to pay is already open: it must be kept, missed or "
                    "cancelled before another one is made."
                ),
                "promise_open",
            )
        since = today - timedelta(days=company.promise_period_days)
        made = Promise.search_count(
            [
                ("partner_id", "=", client.id),
                ("company_id", "=", company.id),
                ("state", "!=", "cancelled"),
                ("request_date", ">", since),
            ]
        )
        if not company.promise_max_count:
            raise ClientFormRefusal(
                env._(
                    "%(company)s does not take promises to pay: please pay the "
                    "invoices or contact us.",
                    company=company.name,
                ),
                "promise_limit",
            )
        if made >= company.promise_max_count:
            raise ClientFormRefusal(
                env._(
                    "At most %(count)s promises to pay can be made in %(days)s days: "
                    "please pay the invoices or contact us.",
                    count=company.promise_max_count,
                    days=company.promise_period_days,
                ),
                "promise_limit",
            )

    # ------------------------------------------------------------------
    # Effects
    # ------------------------------------------------------------------

    def _start(self):
        """Pause the invoices until the promised date and tell the salesperson."""
        for promise in self.sudo():
            moves = promise.move_ids
            with cursor_permission(self.env, DUNNING_PAUSING, moves.ids):
                moves.write(
                    {
                        "dunning_pause_until": promise.date,
                        "dunning_pause_reason": "promise",
                    }
                )
            text = promise._describe()
            # Said by the client on its page (not by the public user).
            author = promise.partner_id.id if promise.source == "page" else None
            for move in moves:
                move.message_post(
                    body=text, subtype_xmlid="mail.mt_note", author_id=author
                )
            promise.message_post(
                body=text, subtype_xmlid="mail.mt_note", author_id=author
            )
            salesperson = moves.invoice_user_id[:1]
            user = promise.company_id._get_activity_user(
                promise.partner_id, salesperson=salesperson
            )
            if user:
                lang_env = promise.with_context(lang=user.lang or self.env.lang).env
                promise.activity_schedule(
                    "mail.mail_activity_data_todo",
                    date_deadline=promise.date,
                    summary=lang_env._(
                        "Promise to pay by %(date)s",
                        date=format_date(
                            lang_env, promise.date, lang_code=lang_env.lang
                        ),
                    ),
                    # The client's text, escaped (an Html field keeps links).
                    note=Markup("<p>%s</p>") % promise.with_env(lang_env)._describe(),
                    user_id=user.id,
                )

    def _describe(self):
        self.ensure_one()
        amount = (
            self.currency_id.format(self.amount)
            if self.amount
            else self.env._("the whole amount")
        )
        return self.env._(
            "%(client)s promised to pay %(amount)s of %(invoices)s by %(date)s; "
            "their reminders are paused until then.",
            client=self.partner_id.name,
            amount=amount,
            invoices=", ".join(self.move_ids.mapped("name")),
            date=format_date(self.env, self.date, lang_code=self.env.lang),
        )

    def _check_rights(self):
        if not is_dunning_user(self.env):
            raise AccessError(
                self.env._("Only a dunning user may cancel a promise to pay.")
            )
        self.check_access("write")

    def action_cancel(self):
        """The accountant cancels open promises: the invoices' reminders resume."""
        self._check_rights()
        for promise in self.filtered(lambda p: p.state == "open"):
            promise._close("cancelled")
            promise.message_post(
                body=self.env._(
                    "Promise cancelled by %(user)s; the reminders resume.",
                    user=self.env.user.name,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    def _close(self, state):
        today = fields.Date.context_today(self)
        for promise in self.sudo():
            promise._protected_write({"state": state, "closed_date": today})
            paused = promise.move_ids.filtered(
                lambda move: move.dunning_pause_reason == "promise"
            )
            with cursor_permission(self.env, DUNNING_PAUSING, paused.ids):
                paused.write(
                    {"dunning_pause_until": False, "dunning_pause_reason": False}
                )
            promise.activity_ids.sudo().action_feedback(
                feedback=promise._fields["state"].convert_to_export(state, promise)
            )

    def _is_paid(self):
        """Whether the client paid what was promised."""
        self.ensure_one()
        moves = self.move_ids.sudo()
        if all(move.payment_state not in OPEN_PAYMENT_STATES for move in moves):
            return True
        if not self.amount:
            return False
        # A promised part: paid once the invoices owe that much less than
        # when it was made is not known without a snapshot; count what was
        # paid on them since the promise was made.
        paid = sum(
            partial.amount
            for move in moves
            for partial in move.line_ids.matched_credit_ids
            if partial.max_date and partial.max_date >= self.request_date
        )
        return moves.currency_id[:1].compare_amounts(paid, self.amount) >= 0

    @api.model
    def _update_due(self, company, today=None):
        """Before a run: open promises paid become kept, those past their date
        missed (their invoices' pause ended the day after the date: the
        reminders resume, and the next one says the promise was missed)."""
        today = today or fields.Date.context_today(self)
        promises = self.sudo().search(
            [("company_id", "=", company.id), ("state", "=", "open")]
        )
        for promise in promises:
            if promise._is_paid():
                promise._close("kept")
                promise.message_post(
                    body=self.env._("Promise kept: the invoices are paid."),
                    subtype_xmlid="mail.mt_note",
                )
            elif promise.date < today:
                promise._close("missed")
                promise.message_post(
                    body=self.env._(
                        "Promise missed: nothing was paid by %(date)s; the "
                        "reminders resume.",
                        date=format_date(
                            self.env, promise.date, lang_code=self.env.lang
                        ),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
        return promises

    @api.model
    def _missed_to_announce(self, company, client, moves):
        """The missed promises of ``client`` with ``company`` on one of
        ``moves`` that no reminder has mentioned yet (of several clients or
        companies, those of any of them)."""
        return self.sudo().search(
            [
                ("company_id", "in", company.ids),
                ("partner_id", "in", client.ids),
                ("state", "=", "missed"),
                # Not yet said by a reminder that went (or may still go).
                "|",
                ("missed_reminder_id", "=", False),
                ("missed_reminder_id.state", "in", ("failed", "skipped")),
                ("move_ids", "in", moves.ids),
            ]
        )

    def _get_company_move_refusal(self):
        return self.env._("A promise to pay stays in the company it was made with.")

    @api.ondelete(at_uninstall=False)
    def _unlink_except_open(self):
        if self.filtered(lambda promise: promise.state == "open"):
            raise UserError(
                self.env._("Cancel an open promise to pay instead of deleting it.")
            )
