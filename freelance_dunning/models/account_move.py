from odoo import api, fields, models
from odoo.exceptions import UserError


class AccountMove(models.Model):
    _inherit = "account.move"

    installment_ids = fields.One2many(
        comodel_name="sale.order.installment",
        inverse_name="invoice_id",
        string="Order Installments",
        readonly=True,
        help="The installments of a sales order's payment schedule this invoice bills.",
    )

    partner_blacklisted = fields.Boolean(
        related="commercial_partner_id.client_blacklisted", string="Blacklisted Client"
    )
    dunning_level_id = fields.Many2one(
        comodel_name="freelance.dunning.level",
        string="Reminder Level",
        compute="_compute_dunning_level",
        store=True,
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
        help="The invoice of the late interest and recovery indemnity of this invoice.",
    )
    dunning_next_date = fields.Date(
        string="Next Reminder",
        compute="_compute_dunning_next_date",
        help="When the next reminder level applies, if nothing is paid before.",
    )
    dunning_event_ids = fields.One2many(
        comodel_name="freelance.dunning.event",
        inverse_name="move_id",
        string="Reminders",
    )

    @api.depends("line_ids.dunning_level_id", "line_ids.dunning_last_date")
    def _compute_dunning_level(self):
        for move in self:
            lines = move.line_ids.filtered("dunning_level_id")
            top = lines.sorted(lambda line: line.dunning_level_id.sequence)[-1:]
            move.dunning_level_id = top.dunning_level_id
            move.dunning_last_date = max(
                lines.mapped("dunning_last_date"), default=False
            )

    def _compute_dunning_next_date(self):
        engine = self.env["freelance.dunning.engine"]
        for move in self:
            move.dunning_next_date = False
            if move.move_type != "out_invoice" or move.state != "posted":
                continue
            levels = engine._get_levels(move.company_id)
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
                move.dunning_next_date = next_date

    def action_open_dunning_pause(self):
        return {
            "type": "ir.actions.act_window",
            "name": self.env._("Pause the Reminders"),
            "res_model": "freelance.dunning.pause",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_move_ids": self.ids,
                "default_reason": self.env.context.get("default_reason", "disputed"),
            },
        }

    def action_dunning_resume(self):
        self.write({"dunning_pause_until": False, "dunning_pause_reason": False})
        return True

    def action_dunning_pause(self, reason, until, note=None):
        """Pause the reminders of these invoices until a date (dispute, promise)."""
        if not until or until <= fields.Date.context_today(self):
            raise UserError(self.env._("A pause needs an end date in the future."))
        self.write({"dunning_pause_until": until, "dunning_pause_reason": reason})
        for move in self:
            move.message_post(
                body=self.env._(
                    "Reminders paused until %(date)s (%(reason)s). %(note)s",
                    date=fields.Date.to_string(until),
                    reason=dict(self._fields["dunning_pause_reason"].selection)[reason],
                    note=note or "",
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True
