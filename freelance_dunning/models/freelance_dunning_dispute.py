"""A client's dispute of invoices (issue 21): raised on the client's page or
recorded by an accountant, it pauses the reminders of its invoices, with no
end date, until an accountant resolves or rejects it."""

from markupsafe import Markup

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError

from .account_move import DUNNING_PAUSING
from .cursor_permission import cursor_permission, has_cursor_permission
from .freelance_dunning_promise import (
    ClientFormRefusal,
    check_client_invoices,
    said_on_the_page,
    statement_creator,
    statement_values,
)
from .res_partner import is_dunning_manager, is_dunning_user

DISPUTE_WRITING = "freelance_dunning.dispute_writing"
DISPUTE_PROTECTED = {
    "partner_id",
    "company_id",
    "move_ids",
    "reason",
    "message",
    "state",
    "source",
    "created_by_id",
    "request_date",
    "resolved_by_id",
    "resolved_date",
}
# A message longer than this is cut: the page is open to anyone with the link.
MESSAGE_MAX = 4000


class FreelanceDunningDispute(models.Model):
    _name = "freelance.dunning.dispute"
    _description = "Invoice Dispute"
    _inherit = ["mail.thread", "mail.activity.mixin", "freelance.company.bound.mixin"]
    _order = "request_date desc, id desc"
    _check_company_auto = True

    name = fields.Char(compute="_compute_name")
    partner_id = fields.Many2one(
        comodel_name="res.partner",
        string="Client",
        required=True,
        index=True,
    )
    company_id = fields.Many2one(
        comodel_name="res.company",
        required=True,
        index=True,
        default=lambda self: self.env.company,
    )
    move_ids = fields.Many2many(
        comodel_name="account.move",
        relation="freelance_dunning_dispute_move_rel",
        column1="dispute_id",
        column2="move_id",
        string="Invoices",
        required=True,
        check_company=True,
    )
    reason = fields.Selection(
        selection=[
            ("amount", "The amount is wrong"),
            ("work", "The work was not done"),
            ("paid", "Already paid"),
            ("other", "Other"),
        ],
        required=True,
    )
    message = fields.Text()
    state = fields.Selection(
        selection=[
            ("open", "Open"),
            ("resolved", "Resolved"),
            ("rejected", "Rejected"),
        ],
        default="open",
        required=True,
        tracking=True,
        index=True,
    )
    resolution_note = fields.Text(
        help="What was decided, for the client and the books (required to reject)."
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
        string="Raised On", readonly=True, default=fields.Date.context_today
    )
    resolved_by_id = fields.Many2one(comodel_name="res.users", readonly=True)
    resolved_date = fields.Date(readonly=True)

    @api.depends("partner_id", "reason")
    def _compute_name(self):
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        for dispute in self:
            dispute.name = self.env._(
                "Dispute of %(client)s: %(reason)s",
                client=dispute.partner_id.name or "",
                reason=reasons.get(dispute.reason, ""),
            )

    @api.model_create_multi
    def create(self, vals_list):
        from_page = said_on_the_page(self.env)
        if not from_page and not is_dunning_user(self.env):
            raise AccessError(self.env._("Only a dunning user may record a dispute."))
        for vals in vals_list:
            vals.update(
                statement_values(self, from_page),
                resolved_by_id=False,
                resolved_date=False,
                resolution_note=False,
            )
            self._check_dispute_rules(vals)
        with cursor_permission(self.env, DISPUTE_WRITING, ["new"]):
            disputes = super(
                FreelanceDunningDispute, statement_creator(self, from_page)
            ).create(vals_list)
        disputes._start()
        return disputes

    def write(self, vals):
        if vals.keys() & DISPUTE_PROTECTED and not has_cursor_permission(
            self.env, DISPUTE_WRITING, self.ids or ["new"]
        ):
            self.check_access("write")
            raise AccessError(
                self.env._(
                    "A dispute keeps what the client said: resolve or reject it "
                    "with its buttons."
                )
            )
        if "resolution_note" in vals and self.filtered(lambda d: d.state != "open"):
            raise UserError(self.env._("The note of a closed dispute cannot change."))
        return super().write(vals)

    @api.model
    def _check_dispute_rules(self, vals):
        env = self.env
        client = env["res.partner"].sudo().browse(vals.get("partner_id")).exists()
        company = env["res.company"].sudo().browse(vals.get("company_id")).exists()
        if not client or not company or client != client.commercial_partner_id:
            raise ValidationError(
                env._(
                    "A dispute needs the client's company and the company it is with."
                )
            )
        move_ids = self._fields["move_ids"].convert_to_cache(
            vals.get("move_ids", []), self.browse()
        )
        moves = env["account.move"].sudo().browse(move_ids)
        check_client_invoices(env, client, company, moves)
        if vals.get("reason") not in dict(self._fields["reason"].selection):
            raise ClientFormRefusal(
                env._("Choose the reason of the dispute."), "dispute_reason"
            )
        message = (vals.get("message") or "").strip()
        if not message:
            raise ClientFormRefusal(
                env._("Tell us what is wrong in a few words."), "dispute_message"
            )
        vals["message"] = message[:MESSAGE_MAX]
        already = (
            self.sudo()
            .search(
                [
                    ("partner_id", "=", client.id),
                    ("company_id", "=", company.id),
                    ("state", "=", "open"),
                    ("move_ids", "in", moves.ids),
                ]
            )
            .move_ids
            & moves
        )
        if already:
            raise ClientFormRefusal(
                env._(
                    "%(invoices)s is already disputed: we are looking into it.",
                    invoices=", ".join(already.mapped("name")),
                ),
                "dispute_already",
            )

    def _start(self):
        """Pause the invoices with no end date and give the freelancer an
        activity."""
        for dispute in self.sudo():
            moves = dispute.move_ids
            with cursor_permission(self.env, DUNNING_PAUSING, moves.ids):
                moves.write(
                    {"dunning_pause_until": False, "dunning_pause_reason": "disputed"}
                )
            text = dispute._describe()
            # Said by the client on its page (not by the public user).
            author = dispute.partner_id.id if dispute.source == "page" else None
            for move in moves:
                move.message_post(
                    body=text, subtype_xmlid="mail.mt_note", author_id=author
                )
            dispute.message_post(
                body=text, subtype_xmlid="mail.mt_note", author_id=author
            )
            user = dispute.company_id._get_activity_user(
                dispute.partner_id, salesperson=moves.invoice_user_id[:1]
            )
            if user:
                lang_env = dispute.with_context(lang=user.lang or self.env.lang).env
                dispute.activity_schedule(
                    "mail.mail_activity_data_todo",
                    summary=lang_env._(
                        "Resolve the dispute of %(client)s",
                        client=dispute.partner_id.name,
                    ),
                    # The client's message, escaped (an Html field keeps links).
                    note=Markup("<p>%s</p>") % dispute.with_env(lang_env)._describe(),
                    user_id=user.id,
                )

    def _describe(self):
        self.ensure_one()
        reasons = dict(self._fields["reason"]._description_selection(self.env))
        return self.env._(
            "%(client)s disputes %(invoices)s (%(reason)s): %(message)s. Their "
            "reminders are paused until the dispute is resolved.",
            client=self.partner_id.name,
            invoices=", ".join(self.move_ids.mapped("name")),
            reason=reasons[self.reason],
            message=self.message,
        )

    def _check_rights(self):
        # An accountant settles a dispute: an invoicing user or a dunning
        # manager, not any salesperson (who is a dunning user).
        if not (
            is_dunning_manager(self.env)
            or (
                is_dunning_user(self.env)
                and self.env.user.has_group("account.group_account_invoice")
            )
        ):
            raise AccessError(
                self.env._(
                    "Only an accountant (an invoicing user) or a dunning manager "
                    "may resolve or reject a dispute: ask one of them."
                )
            )
        self.check_access("write")

    def action_resolve(self):
        """The dispute is settled: the invoices' reminders resume."""
        return self._close("resolved")

    def action_reject(self):
        """The dispute is refused: the reminders resume, the note says why."""
        if self.filtered(lambda d: d.state == "open" and not d.resolution_note):
            raise UserError(
                self.env._("Write in the resolution note why the dispute is rejected.")
            )
        return self._close("rejected")

    def _close(self, state):
        self._check_rights()
        today = fields.Date.context_today(self)
        labels = dict(self._fields["state"]._description_selection(self.env))
        for dispute in self.filtered(lambda d: d.state == "open"):
            with cursor_permission(self.env, DISPUTE_WRITING, dispute.ids):
                dispute.write(
                    {
                        "state": state,
                        "resolved_by_id": self.env.uid,
                        "resolved_date": today,
                    }
                )
            dispute.sudo()._resume_invoices()
            dispute.message_post(
                body=self.env._(
                    "Dispute %(state)s by %(user)s; the reminders resume. %(note)s",
                    state=labels[state].lower(),
                    user=self.env.user.name,
                    note=dispute.resolution_note or "",
                ),
                subtype_xmlid="mail.mt_note",
            )
            dispute.activity_ids.sudo().action_feedback(feedback=labels[state])
        return True

    def _resume_invoices(self):
        """End the pause of the invoices no other open dispute holds; an
        open promise on one of them pauses it again until its date."""
        still = self.search(
            [("state", "=", "open"), ("move_ids", "in", self.move_ids.ids)]
        ).move_ids
        moves = (
            self.move_ids.filtered(lambda move: move.dunning_pause_reason == "disputed")
            - still
        )
        with cursor_permission(self.env, DUNNING_PAUSING, moves.ids):
            moves.write({"dunning_pause_until": False, "dunning_pause_reason": False})
            promises = self.env["freelance.dunning.promise"].search(
                [("state", "=", "open"), ("move_ids", "in", moves.ids)]
            )
            for promise in promises:
                (promise.move_ids & moves).write(
                    {
                        "dunning_pause_until": promise.date,
                        "dunning_pause_reason": "promise",
                    }
                )

    def _get_company_move_refusal(self):
        return self.env._("A dispute stays in the company it was raised with.")

    @api.ondelete(at_uninstall=False)
    def _unlink_except_open(self):
        if self.filtered(lambda dispute: dispute.state == "open"):
            raise UserError(
                self.env._("Resolve or reject an open dispute instead of deleting it.")
            )
