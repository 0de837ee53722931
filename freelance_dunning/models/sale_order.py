import logging
from contextlib import contextmanager
from datetime import timedelta

from markupsafe import Markup
from psycopg2 import errors as pg_errors

from odoo import api, fields, models
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tools import format_amount, html2plaintext

from .cursor_permission import cursor_permission, has_cursor_permission
from .res_partner import BLACKLIST_REASONS, is_dunning_manager, is_dunning_user

_logger = logging.getLogger(__name__)

PAID_TRANSACTION_STATES = ("authorized", "done")
# Set by the Confirm buttons of the order's form (sale_order_views.xml): the
# deposit invoice is issued right after the click, by a scheduled action
# woken up at once (_cron_issue_deposit_invoices), instead of in it. Any
# other confirmation issues it in the same transaction. Whoever sets this key
# only delays the issuance by a moment.
DEPOSIT_IN_BACKGROUND = "freelance_deposit_in_background"
# A deposit invoice the background step failed to issue is tried again by the
# hourly run after this delay (a little under the hour, so that the next
# hourly run takes it); the orders waiting meanwhile go first.
DEPOSIT_RETRY_DELAY = timedelta(minutes=55)
# An order's deposit installment not invoiced yet (installment domain).
UNINVOICED_DEPOSIT = [("is_deposit", "=", True), ("invoice_id", "=", False)]
# Orders the addon itself is invoicing behind a closed gate, kept on the
# cursor (see _allow_invoicing_behind_gate).
INVOICING_BEHIND_GATE = "freelance_dunning.invoicing_behind_gate"
# Orders whose rule fields one of the addon's own methods is writing (see
# _writing_rule_fields); the installments of these orders likewise.
RULE_WRITING = "freelance_dunning.order_rule_writing"
INSTALLMENTS_WRITING = "freelance_dunning.order_installments_writing"
# The fields that record the deposit and work gate rules' state, or a decision
# taken on them, with the message refusing a direct write. Each is written only
# by the method owning its rule (or computed by Odoo): see write().
RULE_FIELDS = {
    "deposit_required": "waiver",
    "installment_ids": "computed",
    "deposit_percent": "computed",
    "deposit_amount": "computed",
    "deposit_amount_paid": "computed",
    "deposit_state": "computed",
    "work_gate_required": "computed",
    "work_gate_state": "computed",
    "work_started_on": "computed",
    "signed_copy_id": "signature",
    "work_gate_override_reason": "override",
    "work_gate_override_user_id": "override",
    "work_gate_override_date": "override",
    "work_suspended": "suspension",
    "work_suspension_reason": "suspension",
    "freelance_rules_exemption": "exemption",
    "deposit_invoice_retry_at": "background",
}
# The orders another flow owns (see _freelance_rules_apply): the quotations
# existing when the addon was installed; the bridges add their flows.
RULES_EXEMPTIONS = [
    ("before_install", "Quotation existing before the install"),
]


class SaleOrder(models.Model):
    _name = "sale.order"
    _inherit = ["sale.order", "freelance.company.bound.mixin"]

    payment_schedule_id = fields.Many2one(
        comodel_name="freelance.payment.schedule",
        compute="_compute_payment_schedule_id",
        store=True,
        readonly=False,
        precompute=True,
        check_company=True,
        domain="[('company_id', '=', company_id)]",
        tracking=True,
        help="How the total is paid: the installments due at signature form the "
        "deposit.",
    )
    deposit_required = fields.Boolean(
        compute="_compute_deposit_required",
        store=True,
        precompute=True,
        tracking=True,
        help="The client pays a deposit (acompte) invoiced when the quotation is "
        "confirmed. Only a dunning manager may waive it.",
    )
    installment_ids = fields.One2many(
        comodel_name="freelance.order.installment",
        inverse_name="order_id",
        string="Installments",
        compute="_compute_installment_ids",
        store=True,
        copy=False,
    )
    deposit_percent = fields.Float(
        string="Deposit (%)",
        compute="_compute_deposit_percent",
        store=True,
        precompute=True,
    )
    deposit_amount = fields.Monetary(
        string="Deposit",
        compute="_compute_deposit_state",
        store=True,
        help="Deposit including taxes, in the quotation's currency.",
    )
    deposit_amount_paid = fields.Monetary(
        string="Deposit Paid",
        compute="_compute_deposit_state",
        store=True,
        help="What the client has paid against the deposit: payments reconciled "
        "with the deposit invoice (online or by bank transfer) or online payments "
        "made on the quotation before it was invoiced.",
    )
    deposit_state = fields.Selection(
        selection=[
            ("not_required", "Not required"),
            ("to_pay", "To pay"),
            ("partial", "Partly paid"),
            ("paid", "Paid"),
        ],
        string="Deposit Status",
        compute="_compute_deposit_state",
        store=True,
        index=True,
    )
    deposit_invoice_retry_at = fields.Datetime(
        string="Deposit Invoice Next Try",
        copy=False,
        readonly=True,
        index="btree_not_null",
        help="Set when the order is confirmed from its form: when the scheduled "
        "action issues its deposit invoice (again, after a failure). Empty once "
        "it is issued.",
    )
    work_gate_required = fields.Boolean(
        string="Work Gate",
        compute="_compute_work_gate_required",
        store=True,
        precompute=True,
        help="The quotation must be signed before it is confirmed, and no work "
        "starts until its deposit is paid.",
    )
    signed_copy_id = fields.Many2one(
        comodel_name="ir.attachment",
        copy=False,
        readonly=True,
        groups="base.group_user",
        help="The copy of the quotation signed by the client, recorded by the "
        "salesperson when it was not signed online.",
    )
    work_gate_state = fields.Selection(
        selection=[
            ("waiting_signature", "To sign"),
            ("waiting_deposit", "Deposit due"),
            ("cleared", "Cleared"),
            ("overridden", "Overridden"),
            ("suspended", "Suspended"),
        ],
        string="Work Gate Status",
        compute="_compute_work_gate_state",
        store=True,
        index=True,
    )
    # Who decided what and why: for the team, never shown to the client.
    work_gate_reason = fields.Char(
        compute="_compute_work_gate_reason", groups="base.group_user"
    )
    work_gate_override_reason = fields.Text(
        copy=False, readonly=True, groups="base.group_user"
    )
    work_gate_override_user_id = fields.Many2one(
        comodel_name="res.users",
        string="Gate Opened By",
        copy=False,
        readonly=True,
        groups="base.group_user",
    )
    work_gate_override_date = fields.Datetime(
        string="Gate Opened On", copy=False, readonly=True, groups="base.group_user"
    )
    freelance_rules_exemption = fields.Selection(
        selection=RULES_EXEMPTIONS,
        string="Deposit and Gate Exemption",
        copy=False,
        readonly=True,
        help="Set by the addon alone when another flow owns the sale (web shop, "
        "project or task, quotation existing before the install): the deposit "
        "and the work gate do not apply, Odoo's behaviour is kept.",
    )
    work_suspended = fields.Boolean(copy=False, readonly=True, tracking=True)
    work_suspension_reason = fields.Char(
        copy=False, readonly=True, groups="base.group_user"
    )
    work_started_on = fields.Datetime(
        copy=False,
        readonly=True,
        help="When the work gate opened and the work started.",
    )
    # The client's blacklist in the order's company (a company-dependent field).
    partner_blacklisted = fields.Boolean(
        string="Blacklisted Client",
        compute="_compute_partner_blacklisted",
    )
    partner_blacklist_reason = fields.Selection(
        selection=BLACKLIST_REASONS,
        string="Blacklist Reason",
        compute="_compute_partner_blacklisted",
        groups="base.group_user",
    )
    partner_blacklist_policy = fields.Char(
        string="Blacklist Policy",
        compute="_compute_partner_blacklisted",
        help="What the company's setting lets a quotation of this blacklisted "
        "client do.",
    )
    payment_term_warning = fields.Char(compute="_compute_payment_term_warning")
    amount_offered = fields.Monetary(
        string="Value Offered",
        compute="_compute_amount_offered",
        help="The real price of what is given for free, taxes excluded.",
    )
    has_installment_to_invoice = fields.Boolean(compute="_compute_deposit_invoice_ids")
    installment_invoice_sending = fields.Boolean(
        string="Invoice Being Sent",
        compute="_compute_installment_invoice_sending",
        help="An invoice of the order is being emailed in the background.",
    )
    deposit_invoice_ids = fields.Many2many(
        comodel_name="account.move",
        string="Deposit Invoices",
        compute="_compute_deposit_invoice_ids",
    )

    # ------------------------------------------------------------------
    # Deposit rule
    # ------------------------------------------------------------------

    @api.depends("partner_id", "company_id")
    def _compute_partner_blacklisted(self):
        for order in self:
            client = order.partner_id._get_client_terms(order.company_id)
            order.partner_blacklisted = client.client_blacklisted
            order.partner_blacklist_reason = client.client_blacklist_reason
            order.partner_blacklist_policy = (
                client.client_blacklisted and order._get_blacklist_policy_text()
            )

    def _get_blacklist_policy_text(self):
        """The company's blacklist policy, as the quotation's banner says it."""
        self.ensure_one()
        labels = dict(
            self.env["res.company"]
            ._fields["blacklist_policy"]
            ._description_selection(self.env)
        )
        policy = self.company_id.blacklist_policy
        if policy == "full_upfront":
            consequence = self.env._(
                "Its quotations need a deposit of the full amount, paid upfront."
            )
        else:
            consequence = self.env._("No quotation can be saved for this client.")
        return self.env._(
            "Company policy: %(policy)s. %(consequence)s",
            policy=labels.get(policy, policy or ""),
            consequence=consequence,
        )

    def _get_client_payment_schedule(self):
        """The schedule the client's terms ask for, in this order's company."""
        self.ensure_one()
        partner = self.partner_id._get_client_terms(self.company_id)
        if (
            partner.deposit_policy == "schedule"
            and partner.payment_schedule_id.company_id == self.company_id
        ):
            return partner.payment_schedule_id
        return self.company_id.payment_schedule_id

    def _get_minimum_deposit_percent(self):
        """The lowest deposit a dunning user may ask of this client."""
        self.ensure_one()
        partner = self.partner_id._get_client_terms(self.company_id)
        if partner.deposit_policy == "exempt" or not self.company_id.deposit_required:
            return 0.0
        schedule = self._get_client_payment_schedule()
        if partner.deposit_policy == "schedule" and schedule:
            return schedule.deposit_percent
        return self.company_id.deposit_percent

    def _is_deposit_editable(self):
        return self.state in ("draft", "sent") and not self.installment_ids.invoice_id

    @api.depends("partner_id", "company_id")
    def _compute_payment_schedule_id(self):
        for order in self:
            if order._is_deposit_editable():
                order.payment_schedule_id = order._get_client_payment_schedule()

    def _is_loaded_by_other_module(self):
        """Whether the orders are being created from another addon's data files.

        Demo and data files of other addons (sale_project, sale_stock...) load
        and confirm sample orders: they are no freelancer's quotations, and the
        deposit and work gate rules do not apply to them.
        """
        module = self.env.context.get("install_module")
        if not module or module.startswith("freelance_dunning"):
            return False
        # The loader's context key is no proof (any caller over RPC can set
        # it): the module must really be installing or upgrading.
        return bool(
            self.env["ir.module.module"]
            .sudo()
            .search_count(
                [("name", "=", module), ("state", "in", ("to install", "to upgrade"))],
                limit=1,
            )
        )

    def _freelance_rules_apply(self):
        """Whether the deposit and the work gate apply to this order.

        The rules are for the quotations the freelancer's team makes and sends
        (backend and portal). Another flow owning the sale keeps Odoo's
        behaviour: the orders the addon marked exempt at their creation
        (``freelance_rules_exemption``: web shop, project or task, quotations
        existing before the install) and sample orders of other addons' data
        files. Each rule can also be switched off per company.

        Read when the order's rule fields are computed (at its creation, and
        when its client or company changes); every rule (deposit and its
        installments, the amount paid online, the signature asked before
        confirmation, invoicing and work held by the gate) follows those
        fields. Override it to exempt an integrator's own flow, from what the
        order stores, never from the context or a field a salesperson writes:
        ``super()`` first, then turn a value off.

        :return: ``{"deposit": bool, "work_gate": bool}``
        """
        self.ensure_one()
        if self.freelance_rules_exemption or self._is_loaded_by_other_module():
            return {"deposit": False, "work_gate": False}
        return {
            "deposit": bool(self.company_id.deposit_required),
            "work_gate": bool(self.company_id.work_gate_required),
        }

    @api.model
    def _freelance_rules_exemption_at_creation(self, vals):
        """The exemption of an order created now with ``vals``, or False.

        Hook for the bridges: the flow creating the order is known only while
        it creates it (the web shop's cart, sale_project's order created from
        a task). The caller's ``vals`` never carry it (see create()).
        """
        return False

    def _exempt_from_freelance_rules(self, exemption):
        """Give these quotations Odoo's behaviour back: no deposit, no
        installments, no work gate (quotations existing before the install).
        The signature setting they had is kept. The addon's decision, not a
        user's (no deposit waiver by a manager): written as the system."""
        quotes = self.sudo().filtered(lambda o: o.state in ("draft", "sent"))
        quotes = quotes.with_context(tracking_disable=True, mail_notrack=True)
        for signature in (True, False):
            orders = quotes.filtered(lambda o, s=signature: o.require_signature == s)
            # The installments follow deposit_required (recomputed).
            with orders._writing_rule_fields():
                orders.write(
                    {
                        "freelance_rules_exemption": exemption,
                        "deposit_required": False,
                        "work_gate_required": False,
                        "require_signature": signature,
                    }
                )
        return self.browse(quotes.ids)

    @api.depends(
        "order_line.is_offered", "order_line.price_unit", "order_line.product_uom_qty"
    )
    def _compute_amount_offered(self):
        for order in self:
            order.amount_offered = order.order_line._get_offered_value()

    @api.depends("payment_term_id", "partner_id")
    def _compute_payment_term_warning(self):
        for order in self:
            order.payment_term_warning = order.payment_term_id._get_french_b2b_warning(
                order.partner_id
            )

    @api.onchange("payment_term_id", "partner_id")
    def _onchange_payment_term_french_maximum(self):
        if self.payment_term_warning:
            return {
                "warning": {
                    "title": self.env._("Payment term too long"),
                    "message": self.payment_term_warning,
                }
            }

    def _blacklist_requires_full_upfront(self):
        self.ensure_one()
        return bool(
            self.partner_id._get_client_terms(self.company_id).client_blacklisted
            and self.company_id.blacklist_policy == "full_upfront"
        )

    def _blacklist_refuses_business(self):
        self.ensure_one()
        return bool(
            self.partner_id._get_client_terms(self.company_id).client_blacklisted
            and self.company_id.blacklist_policy == "refuse"
        )

    def _blacklist_error_message(self):
        """Why this order may not go on with its blacklisted client, or False."""
        self.ensure_one()
        partner = self.partner_id._get_client_terms(self.company_id)
        reasons = self.env["res.partner"]._fields["client_blacklist_reason"]
        reason = dict(reasons._description_selection(self.env)).get(
            partner.client_blacklist_reason
        )
        if self._blacklist_refuses_business():
            return self.env._(
                "%(client)s is blacklisted (%(reason)s): %(company)s takes no new "
                "business with this client.",
                client=partner.name,
                reason=reason,
                company=self.company_id.name,
            )
        if (
            self._blacklist_requires_full_upfront()
            and self.deposit_percent < 100
            # A quotation written before the blacklist, paid in full online.
            and self.currency_id.compare_amounts(self.amount_paid, self.amount_total)
            < 0
        ):
            return self.env._(
                "%(client)s is blacklisted (%(reason)s): a quotation needs 100%% paid "
                "upfront.",
                client=partner.name,
                reason=reason,
            )
        return False

    def _check_blacklist(self):
        for order in self.filtered(lambda o: o.state in ("draft", "sent")):
            message = order._blacklist_error_message()
            if message:
                raise UserError(message)

    @api.depends("partner_id", "company_id")
    def _compute_deposit_required(self):
        for order in self:
            # Confirmed orders keep their value: orders confirmed before the
            # addon was installed never get a deposit after the fact.
            if order._is_deposit_editable():
                order.deposit_required = order._blacklist_requires_full_upfront() or (
                    order._freelance_rules_apply()["deposit"]
                    and order.partner_id._get_client_terms(
                        order.company_id
                    ).deposit_policy
                    != "exempt"
                )

    @api.depends("payment_schedule_id", "deposit_required", "company_id")
    def _compute_installment_ids(self):
        for order in self:
            # Odoo's warning onchange blanks the client of a saved quotation
            # (sale_warn "block"): replacing the installments now would flush
            # an order without a client. They follow the next client set.
            if not order._is_deposit_editable() or not order.partner_id:
                continue
            commands = [Command.clear()]
            if order.deposit_required:
                commands += [
                    Command.create(values) for values in order._prepare_installments()
                ]
            # Outside a recompute (install hook), the assignment is a write.
            with order._writing_installments(), order._writing_rule_fields():
                order.installment_ids = commands

    def _prepare_installments(self):
        """Installments from the schedule, or deposit + balance from the default %."""
        self.ensure_one()
        if self._blacklist_requires_full_upfront():
            return [{"sequence": 1, "percent": 100.0, "trigger": "signature"}]
        if self.payment_schedule_id:
            return self.payment_schedule_id._prepare_order_installments()
        percent = self.company_id.deposit_percent
        installments = [
            {"sequence": 1, "percent": percent, "trigger": "signature"},
            {"sequence": 2, "percent": 100.0 - percent, "trigger": "delivery"},
        ]
        return [values for values in installments if values["percent"] > 0]

    @api.depends("payment_schedule_id", "deposit_required", "company_id")
    def _compute_deposit_percent(self):
        # Derived from the same rules as the installments, so that it is known
        # before the order (and its installments) are saved.
        for order in self:
            if not order._is_deposit_editable():
                continue
            signature = [
                values["percent"]
                for values in order._prepare_installments()
                if values["trigger"] == "signature"
            ]
            order.deposit_percent = sum(signature) if order.deposit_required else 0.0

    @api.depends("installment_ids.invoice_id.send_at_once_state")
    def _compute_installment_invoice_sending(self):
        for order in self:
            order.installment_invoice_sending = any(
                state == "pending"
                for state in order.installment_ids.invoice_id.mapped(
                    "send_at_once_state"
                )
            )

    @api.depends("installment_ids.invoice_id")
    def _compute_deposit_invoice_ids(self):
        for order in self:
            order.deposit_invoice_ids = order.installment_ids.filtered(
                "is_deposit"
            ).invoice_id
            order.has_installment_to_invoice = any(
                not installment.invoice_id for installment in order.installment_ids
            )

    @api.depends(
        "installment_ids.amount",
        "installment_ids.is_deposit",
        "installment_ids.amount_paid",
        "installment_ids.state",
        "transaction_ids.state",
        "transaction_ids.amount",
        "transaction_ids.currency_id",
    )
    def _compute_deposit_state(self):
        for order in self:
            deposits = order.installment_ids.filtered("is_deposit")
            currency = order.currency_id
            order.deposit_amount = sum(deposits.mapped("amount"))
            if not deposits or currency.is_zero(order.deposit_amount):
                order.deposit_amount_paid = 0.0
                order.deposit_state = "not_required"
                continue
            # Odoo's amount_paid only sees online transactions; a bank transfer
            # reconciled with the deposit invoice shows on the invoice instead.
            invoiced_paid = sum(deposits.mapped("amount_paid"))
            # Only transactions in the quote's currency can pay its deposit.
            online_paid = sum(
                tx.amount
                for tx in order.transaction_ids
                if tx.state in PAID_TRANSACTION_STATES and tx.currency_id == currency
            )
            paid = min(order.deposit_amount, max(invoiced_paid, online_paid))
            order.deposit_amount_paid = paid
            if all(deposit.state == "paid" for deposit in deposits) or (
                currency.compare_amounts(paid, order.deposit_amount) >= 0
            ):
                order.deposit_state = "paid"
            elif currency.compare_amounts(paid, 0.0) > 0:
                order.deposit_state = "partial"
            else:
                order.deposit_state = "to_pay"

    @api.depends("deposit_required", "deposit_percent")
    def _compute_prepayment_percent(self):
        # Keep Odoo's online prepayment (portal) asking for the deposit itself.
        result = super()._compute_prepayment_percent()
        for order in self:
            if order.deposit_required and order.deposit_percent > 0:
                order.prepayment_percent = order.deposit_percent / 100.0
        return result

    # ------------------------------------------------------------------
    # Rights: who may soften the deposit
    # ------------------------------------------------------------------

    def _check_deposit_rights(self):
        if is_dunning_manager(self.env):
            return
        for order in self.filtered(lambda o: o.state in ("draft", "sent")):
            minimum = order._get_minimum_deposit_percent()
            if (minimum and not order.deposit_required) or (
                order.deposit_required and order.deposit_percent < minimum
            ):
                raise AccessError(
                    self.env._(
                        "Only a dunning manager may waive the deposit of %(order)s or "
                        "lower it below %(minimum)s%%.",
                        order=order.display_name,
                        minimum=minimum,
                    )
                )

    def _waive_deposit(self, reason):
        """Waive the deposit of these quotations, a dunning manager's decision.

        :param reason: why no deposit is asked, kept in each quotation's chatter
        """
        if not is_dunning_manager(self.env):
            raise AccessError(self.env._("Only a dunning manager may waive a deposit."))
        self.check_access("write")
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Write down why the deposit is waived."))
        confirmed = self.filtered(lambda o: o.state not in ("draft", "sent"))
        if confirmed:
            raise UserError(
                self.env._(
                    "The deposit of a confirmed order cannot be waived (%(orders)s).",
                    orders=", ".join(confirmed.mapped("name")),
                )
            )
        with self._writing_rule_fields():
            self.deposit_required = False
        for order in self:
            order.message_post(
                body=Markup("%s<br/>%s")
                % (
                    self.env._("Deposit waived by %(user)s.", user=self.env.user.name),
                    reason,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------
    # Rule fields: written only by the methods owning the rules
    # ------------------------------------------------------------------

    @contextmanager
    def _writing_rule_fields(self):
        """Let the addon's own methods write the rule fields of these orders.

        The methods owning the rules (_waive_deposit, _record_signed_copy,
        _open_work_gate_early, _suspend_work, _resume_work,
        _start_work_if_gate_open) check who calls them and log the decision,
        then write inside this block.
        """
        with cursor_permission(self.env, RULE_WRITING, self.ids):
            yield

    @contextmanager
    def _writing_installments(self):
        """Let the addon's own methods write the installments of these orders:
        their copy from the schedule and their invoicing."""
        with cursor_permission(self.env, INSTALLMENTS_WRITING, self.ids):
            yield

    def _rule_field_error(self, fnames):
        """The message refusing a direct write of the rule fields ``fnames``."""
        kinds = {RULE_FIELDS[fname] for fname in fnames}
        order = self[:1].sudo().display_name or self.env._("a new quotation")
        if "waiver" in kinds:
            return self.env._(
                "Only a dunning manager may waive the deposit of %(order)s, with "
                "the Waive Deposit action and a written reason.",
                order=order,
            )
        if "override" in kinds:
            return self.env._(
                "Only a dunning manager may open the work gate of %(order)s early, "
                "with the Open Work Gate action and a written reason.",
                order=order,
            )
        if "signature" in kinds:
            return self.env._(
                "The signature of %(order)s is given by the client online, or "
                "recorded with the Record Signed Copy action.",
                order=order,
            )
        if "exemption" in kinds:
            return self.env._(
                "Whether the deposit and the work gate apply to %(order)s follows "
                "the flow that created it (web shop, project or task, quotation "
                "existing before the install): it cannot be written.",
                order=order,
            )
        if "background" in kinds:
            return self.env._(
                "The deposit invoice of %(order)s is issued in the background "
                "after the Confirm button of its form, never on request: issue "
                "it with Invoice Next Installment.",
                order=order,
            )
        if "suspension" in kinds:
            return self.env._(
                "The work on %(order)s is suspended and resumed by the dunning "
                "reminders and the client's payments, not by hand.",
                order=order,
            )
        labels = ", ".join(
            sorted(
                self._fields[fname]._description_string(self.env) for fname in fnames
            )
        )
        return self.env._(
            "These fields of %(order)s follow the payment schedule, the payments "
            "and the company's settings, and cannot be written: %(fields)s.",
            fields=labels,
            order=order,
        )

    def _check_rule_fields_write(self, vals, creating=False):
        """Refuse a direct write of the rule fields, whoever and whatever the
        context: only the methods owning the rules write them (see
        _writing_rule_fields); Odoo computes the others. A quotation is born
        without any decision on its rules."""
        fnames = set(RULE_FIELDS) & set(vals)
        if fnames and self:
            # Orders the caller may not change get Odoo's refusal, which does
            # not name them.
            self.check_access("write")
        if fnames and (
            creating
            or (self and not has_cursor_permission(self.env, RULE_WRITING, self.ids))
        ):
            raise AccessError(self._rule_field_error(fnames))
        # The online signature is Odoo's (the portal writes it as superuser);
        # a user drawing or uploading one would sign in the client's place.
        if (
            vals.get("signature")
            and not self.env.su
            and not has_cursor_permission(self.env, RULE_WRITING, self.ids)
            and any(order.work_gate_required for order in self)
        ):
            raise AccessError(self._rule_field_error({"signed_copy_id"}))

    @api.model
    def default_get(self, fields_list):
        """The rule fields take no default from the context (``default_*``
        keys) nor from saved defaults (``ir.default``): a quotation is born
        without any decision on its rules, as ``create`` checks for the
        values given. Their own defaults, if any, stay."""
        defaults = super().default_get(fields_list)
        for fname in set(RULE_FIELDS) & set(defaults):
            field = self._fields[fname]
            if field.default is not None and not field.compute:
                defaults[fname] = field.default(self)
            else:
                del defaults[fname]
        return defaults

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            self.browse()._check_rule_fields_write(vals, creating=True)
        vals_list = [
            dict(vals, freelance_rules_exemption=exemption)
            if (exemption := self._freelance_rules_exemption_at_creation(vals))
            else vals
            for vals in vals_list
        ]
        orders = super().create(vals_list)
        if not self.env.su:
            orders.filtered(
                lambda o: o.signature and o.work_gate_required
            )._check_rule_fields_write({"signature": True})
        if any(
            {"deposit_required", "payment_schedule_id"} & set(vals)
            for vals in vals_list
        ):
            orders._check_deposit_rights()
        # New business with a blacklisted client, duplicates included.
        orders._check_blacklist()
        return orders

    def write(self, vals):
        self._check_rule_fields_write(vals)
        result = super().write(vals)
        if {"deposit_required", "payment_schedule_id"} & set(vals):
            self._check_deposit_rights()
        if "partner_id" in vals:
            self._check_blacklist()
        return result

    def _get_company_move_refusal(self):
        """An order whose installments were invoiced stays in its company:
        the invoices, the deposit and the gate are that company's."""
        invoiced = self.filtered(lambda order: order.installment_ids.invoice_id)
        if not invoiced:
            return False
        return self.env._(
            "%(orders)s already has installment invoices in its company: it "
            "cannot move to another company. Cancel it and create the quotation "
            "in the other company instead.",
            orders=", ".join(invoiced.mapped("name")),
        )

    # ------------------------------------------------------------------
    # Confirmation and invoicing of installments
    # ------------------------------------------------------------------

    def _confirmation_error_message(self):
        message = super()._confirmation_error_message()
        if message:
            return message
        blacklisted = self._blacklist_error_message()
        if blacklisted:
            return blacklisted
        if self.work_gate_required and not self._is_signed():
            return self.env._(
                "%(order)s must be signed before it is confirmed: ask the client to "
                "sign it online, or record the copy the client signed.",
                order=self.name,
            )
        return False

    def _action_confirm(self):
        """Issue the deposit invoice of every confirmed order.

        In the same transaction for every path that confirms an order (RPC,
        mass confirmation, portal signature, payment-link transactions, a
        deposit paid online before confirmation); right after the click for
        the Confirm buttons of the order's form (``DEPOSIT_IN_BACKGROUND``),
        so that the click returns at once: the order reads "Issuing the
        deposit invoice..." meanwhile.
        """
        result = super()._action_confirm()
        # A zero-total order has no deposit to ask (nor anything to invoice):
        # it keeps Odoo's behaviour, its signature follows the company's rule.
        free = self.filtered(
            lambda o: (
                o.installment_ids
                and not o.installment_ids.invoice_id
                and o.currency_id.compare_amounts(o.amount_total, 0.0) <= 0
            )
        )
        with free._writing_installments(), free._writing_rule_fields():
            free.installment_ids = [Command.clear()]
        in_background = self.env.context.get(DEPOSIT_IN_BACKGROUND)
        deferred = self.browse()
        for order in self:
            deposits = order._deposits_to_invoice()
            if not deposits:
                # Nothing to issue: no banner left from an earlier Confirm.
                order._deposit_invoice_not_pending()
                continue
            if in_background and not order._has_online_payment():
                deferred |= order
                continue
            order._invoice_installments(deposits)
        if deferred:
            # Not a tracked field: Odoo's tracking is not prepared for it.
            with deferred._writing_rule_fields():
                deferred.sudo().with_context(
                    tracking_disable=True
                ).deposit_invoice_retry_at = fields.Datetime.now()
            self.env.ref(
                "freelance_dunning.ir_cron_issue_deposit_invoices"
            ).sudo()._trigger()
        # A deposit paid online before confirmation opens the gate at once.
        self._start_work_if_gate_open()
        return result

    def _deposits_to_invoice(self):
        """The deposit installments of this order not invoiced yet."""
        self.ensure_one()
        return self.installment_ids.filtered(
            lambda i: i.is_deposit and not i.invoice_id
        )

    def _has_online_payment(self):
        """Whether a client paid (or authorized) something online for this
        order: its deposit invoice is issued at once, for the payment flow
        to reconcile it."""
        self.ensure_one()
        return any(
            tx.state in PAID_TRANSACTION_STATES for tx in self.sudo().transaction_ids
        )

    def _is_deposit_invoice_pending(self):
        """Whether this confirmed order's deposit invoice is still to be
        issued by the background step (a Confirm clicked on its form)."""
        self.ensure_one()
        return (
            self.state == "sale"
            and bool(self.deposit_invoice_retry_at)
            and bool(self._deposits_to_invoice())
        )

    @api.model
    def _cron_issue_deposit_invoices(self, batch_size=50):
        """Issue the deposit invoices of the orders confirmed from the form.

        Only those: a deposit invoice an accountant deleted is not issued
        again behind their back. Woken up by the Confirm button
        (``_trigger``) and run every hour: an order that failed stays
        pending, its failure is written in its chatter and told to its
        salesperson, and it is tried again about an hour later
        (``DEPOSIT_RETRY_DELAY``), after the others. Each call issues one
        batch; Odoo's cron runner commits it and calls again while work
        remains. ``_invoice_installments`` locks the installments, so a
        deposit is never invoiced twice.
        """
        domain = [
            ("deposit_invoice_retry_at", "<=", fields.Datetime.now()),
            ("state", "=", "sale"),
        ]
        batch = self.search(
            domain, order="deposit_invoice_retry_at, id", limit=batch_size
        )
        for order in batch:
            deposits = order._deposits_to_invoice()
            if not deposits:
                # Issued meanwhile (Invoice Next Installment, an online payment).
                order._deposit_invoice_not_pending()
                continue
            try:
                with self.env.cr.savepoint():
                    invoices = order._invoice_installments(deposits)
            except pg_errors.SerializationFailure:
                # Another worker is issuing it: it finds it issued next time.
                continue
            except Exception as error:
                _logger.exception(
                    "Could not issue the deposit invoice of %s", order.name
                )
                order._deposit_invoice_failed(error)
                continue
            order._deposit_invoice_issued(invoices)
        self.env["ir.cron"]._notify_progress(
            done=len(batch), remaining=self.search_count(domain) if batch else 0
        )

    def _deposit_invoice_not_pending(self):
        """The deposit invoices of these orders are issued (or not asked any
        more): the background step leaves them."""
        pending = self.filtered("deposit_invoice_retry_at")
        if pending:
            with pending._writing_rule_fields():
                pending.sudo().with_context(
                    tracking_disable=True
                ).deposit_invoice_retry_at = False

    def _deposit_background_user(self):
        """Who is told of the deposit invoice issued in the background: the
        order's salesperson, else the company's dunning responsible."""
        self.ensure_one()
        company = self.company_id
        for candidate in (self.user_id, company._get_dunning_responsible()):
            if candidate and company._is_assignable_user(candidate):
                return candidate
        return self.env["res.users"]

    def _deposit_invoice_issued(self, invoices):
        self.ensure_one()
        user = self._deposit_background_user()
        if not user or not invoices:
            return
        env = self.with_context(lang=user.lang or self.env.lang).env
        names = ", ".join(invoices.mapped("name"))
        if any(state == "pending" for state in invoices.mapped("send_at_once_state")):
            message = env._(
                "%(invoices)s of %(order)s is issued; it is being emailed to the "
                "client.",
                invoices=names,
                order=self.name,
            )
        else:
            message = env._(
                "%(invoices)s of %(order)s is issued.", invoices=names, order=self.name
            )
        user._bus_send(
            "simple_notification",
            {
                "type": "success",
                "title": env._("Deposit invoice issued"),
                "message": message,
            },
        )

    def _deposit_invoice_failed(self, error):
        """Written once in the order's chatter (a failure repeated by the
        next runs is not written again) and told to the salesperson; tried
        again in about an hour."""
        self.ensure_one()
        with self._writing_rule_fields():
            self.sudo().deposit_invoice_retry_at = (
                fields.Datetime.now() + DEPOSIT_RETRY_DELAY
            )
        body = self.env._(
            "The deposit invoice could not be issued: %(error)s. It is tried "
            "again every hour; correct the cause (or cancel the order).",
            error=str(error),
        )
        self._post_note_once(body)
        user = self._deposit_background_user()
        if user:
            user._bus_send(
                "simple_notification",
                {
                    "type": "danger",
                    "title": self.name,
                    "message": body,
                    "sticky": True,
                },
            )

    def _invoice_installments(self, installments):
        """Create, post and email the invoice of each given installment.

        Installments other than the last are down payments of Odoo's sale flow
        (the final invoice deducts them); the last one is the final invoice.
        """
        self.ensure_one()
        order = self.sudo().with_company(self.company_id)
        invoices = self.env["account.move"]
        # Two requests or workers invoicing the same installment: the second
        # waits on this lock, then fails to serialize and is retried by Odoo,
        # and finds the invoice already issued.
        self.env.cr.execute(
            "SELECT id FROM freelance_order_installment"
            " WHERE id IN %s FOR NO KEY UPDATE",
            [tuple(installments.ids)],
        )
        installments.invalidate_recordset(["invoice_id"])
        for installment in installments.sudo().sorted("sequence"):
            if installment.invoice_id:
                continue
            invoice = order._create_installment_invoice(installment)
            with self._writing_installments():
                installment.invoice_id = invoice
            if invoice.state == "draft":
                invoice.action_post()
            invoices |= invoice
        if not order._deposits_to_invoice():
            # Issued by whichever path: the background step leaves it.
            self._deposit_invoice_not_pending()
        if not invoices:
            return invoices
        # A deposit paid online before confirmation is reconciled by Odoo's
        # payment flow with the invoices linked to the transaction; it is
        # emailed once paid (see payment.transaction._post_process).
        online = order.transaction_ids.filtered(
            lambda tx: tx.state in PAID_TRANSACTION_STATES and not tx.payment_id
        )
        if online:
            online.invoice_ids = [Command.link(invoice.id) for invoice in invoices]
        else:
            # A payment link paid before the quotation was signed left its
            # payment unreconciled: it settles the deposit now.
            order._reconcile_online_payments(invoices)
            order._send_installment_invoices(invoices)
        return invoices

    def _reconcile_online_payments(self, invoices):
        self.ensure_one()
        payments = self.transaction_ids.filtered(
            lambda tx: (
                tx.state == "done" and tx.payment_id.state in ("in_process", "paid")
            )
        ).payment_id
        if not payments:
            return
        lines = (payments.move_id.line_ids | invoices.line_ids).filtered(
            lambda line: (
                line.account_id.account_type == "asset_receivable"
                and not line.reconciled
                and line.parent_state == "posted"
            )
        )
        for account in lines.account_id:
            lines.filtered(lambda line, a=account: line.account_id == a).reconcile()

    def _create_installment_invoice(self, installment):
        self.ensure_one()
        pending_after = self.installment_ids.filtered(
            lambda i: not i.invoice_id and i.sequence > installment.sequence
        )
        if not installment.is_deposit and not pending_after:
            # The balance: Odoo's final invoice, deducting every down payment.
            self._force_lines_to_invoice_policy_order()
            with self._allow_invoicing_behind_gate():
                invoice = self.with_context(
                    raise_if_nothing_to_invoice=False
                )._create_invoices(final=True)
            if invoice:
                return invoice[:1]
        wizard = self.env["sale.advance.payment.inv"].create(
            {
                "sale_order_ids": [Command.set(self.ids)],
                "advance_payment_method": "fixed",
                "fixed_amount": installment.amount,
                "freelance_installment_id": installment.id,
            }
        )
        return wizard._create_invoices(self)

    def _action_confirm_without_email(self):
        """Confirm the orders and issue their deposit invoices without emailing
        anyone (demo data, benchmarks): see
        ``account.move._invoice_emails_held``. Private, so not callable over
        RPC; the web client's Confirm button always emails the client."""
        with self.env["account.move"]._invoice_emails_held():
            return self.action_confirm()

    def _send_installment_invoices(self, invoices):
        """Email the invoices with their PDF and a payment link needing no login.

        Queued, not sent here: the PDF and the email are made by Odoo's
        sending queue (``account.move._queue_send_at_once``), so confirming a
        quotation returns at once; the order and the invoice read "Sending..."
        meanwhile and whoever confirmed is told when it is sent.
        """
        self.ensure_one()
        if self.env["account.move"]._are_invoice_emails_held():
            # Demo data and data files issue invoices without emailing anyone
            # (_action_confirm_without_email, a module being installed).
            return
        to_queue = self.env["account.move"]
        for invoice in invoices:
            if not invoice.partner_id.email:
                self.message_post(
                    body=self.env._(
                        "%(invoice)s could not be emailed: the client has no email "
                        "address.",
                        invoice=invoice._get_html_link(),
                    ),
                    subtype_xmlid="mail.mt_note",
                )
                continue
            # The payment link needing no login is the invoice's portal token.
            invoice.sudo()._portal_ensure_token()
            to_queue |= invoice
        to_queue.sudo()._queue_send_at_once()

    def _generate_downpayment_invoices(self):
        # Odoo's automatic invoicing after an online payment: the deposit
        # invoice issued at confirmation already covers it, never add a second.
        # One the background step has not issued yet is issued now.
        for order in self:
            deposits = order._deposits_to_invoice() if order.state == "sale" else None
            if deposits:
                order._invoice_installments(deposits)
        issued = self.filtered(
            lambda o: o.installment_ids.filtered("is_deposit").invoice_id
        )
        invoices = issued.installment_ids.filtered("is_deposit").invoice_id
        return (
            invoices | super(SaleOrder, self - issued)._generate_downpayment_invoices()
        )

    def action_register_deposit_payment(self):
        """Open Odoo's payment wizard on the deposit invoices (transfer, cheque...)."""
        invoices = self.deposit_invoice_ids.filtered(
            lambda inv: (
                inv.state == "posted"
                and inv.payment_state not in ("paid", "in_payment")
            )
        )
        if not invoices:
            pending = self.filtered(lambda o: o._is_deposit_invoice_pending())
            if pending:
                raise UserError(
                    self.env._(
                        "The deposit invoice of %(orders)s is being issued: try "
                        "again in a moment.",
                        orders=", ".join(pending.mapped("name")),
                    )
                )
            raise UserError(
                self.env._("There is no unpaid deposit invoice on these orders.")
            )
        action = invoices.action_register_payment()
        # Back on the order once paid: the freelancer sees the gate open.
        action["context"] = {
            **action.get("context", {}),
            "dont_redirect_to_payments": True,
        }
        return action

    def _demo_pay_deposit(self):
        """Demo data: the client paid its deposit by bank transfer."""
        invoices = self.deposit_invoice_ids.filtered(lambda inv: inv.state == "posted")
        self.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=invoices.ids
        ).create({})._create_payments()

    def action_invoice_next_installment(self):
        """Invoice the next installment (milestone reached, delivery coming...)."""
        for order in self:
            if order.state != "sale":
                raise UserError(
                    self.env._(
                        "%(order)s is not confirmed: its installments cannot be "
                        "invoiced yet.",
                        order=order.name,
                    )
                )
            pending = order.installment_ids.filtered(lambda i: not i.invoice_id).sorted(
                "sequence"
            )
            if not pending:
                raise UserError(
                    self.env._(
                        "Every installment of %(order)s has been invoiced.",
                        order=order.name,
                    )
                )
            if pending[:1].is_deposit:
                # Not issued yet by the background step: issued now.
                order._invoice_installments(pending[:1])
                continue
            if order._deposit_holds_installments():
                raise UserError(
                    self.env._(
                        "The deposit of %(order)s is not paid yet: its next "
                        "installment is invoiced once the deposit is paid, or "
                        "after a dunning manager opened the work early.",
                        order=order.name,
                    )
                )
            order._invoice_installments(pending[:1])
        return True

    def _deposit_holds_installments(self):
        """Whether the order's later installments wait for its deposit: a
        deposit invoiced and not fully paid, unless a dunning manager opened
        the work gate early."""
        self.ensure_one()
        return (
            self.deposit_state in ("to_pay", "partial")
            and self.work_gate_state != "overridden"
        )

    @api.model
    def _cron_invoice_dated_installments(self, batch_size=100):
        """Invoice the installments whose date has come, one batch per call.

        Odoo's cron runner commits after each call and calls again while
        progress reports work remaining, so a long backlog never runs in one
        transaction.
        """
        domain = [
            ("trigger", "=", "date"),
            ("invoice_id", "=", False),
            ("date_planned", "<=", fields.Date.context_today(self)),
            ("order_id.state", "=", "sale"),
            # Not while the deposit waits (see _deposit_holds_installments).
            "|",
            ("order_id.deposit_state", "not in", ("to_pay", "partial")),
            ("order_id.work_gate_state", "=", "overridden"),
            # Nor before the deposit is invoiced, gate open early or not: the
            # balance's final invoice deducts the deposit, it must exist.
            (
                "order_id.installment_ids",
                "not any",
                UNINVOICED_DEPOSIT,
            ),
        ]
        Installment = self.env["freelance.order.installment"]
        total = Installment.search_count(domain)
        installments = Installment.search(
            domain, order="date_planned, id", limit=batch_size
        )
        done = 0
        for order in installments.order_id:
            try:
                with self.env.cr.savepoint():
                    order._invoice_installments(
                        installments.filtered(lambda i, o=order: i.order_id == o)
                    )
                done += 1
            except Exception:
                # One failing order must not stop the others; it stays pending
                # and is retried on the next daily run.
                _logger.exception(
                    "Could not invoice the installments of %s", order.name
                )
        if total <= len(installments):
            # The day's last call: what waits for a deposit invoice is told.
            self._note_installments_held_by_a_missing_deposit()
        remaining = total - len(installments) if done else 0
        self.env["ir.cron"]._notify_progress(done=done, remaining=max(remaining, 0))

    @api.model
    def _note_installments_held_by_a_missing_deposit(self):
        """Dated installments due whose deposit has no invoice, and none
        coming from the background step (deleted by an accountant, say): the
        order's chatter says so once, for someone to issue the deposit or
        cancel the order."""
        held = self.env["freelance.order.installment"].search(
            [
                ("trigger", "=", "date"),
                ("invoice_id", "=", False),
                ("date_planned", "<=", fields.Date.context_today(self)),
                ("order_id.state", "=", "sale"),
                ("order_id.deposit_invoice_retry_at", "=", False),
                (
                    "order_id.installment_ids",
                    "any",
                    UNINVOICED_DEPOSIT,
                ),
            ]
        )
        for order in held.order_id:
            body = self.env._(
                "The dated installments of %(order)s wait for its deposit "
                "invoice, which is not issued: issue it with Invoice Next "
                "Installment, or cancel the order.",
                order=order.name,
            )
            order._post_note_once(body, recent=5)

    def _post_note_once(self, body, recent=1):
        """Post the plain text ``body`` as a note in the order's chatter,
        unless one of its ``recent`` last messages already says it (a run
        repeating itself writes it once)."""
        self.ensure_one()
        text = " ".join(body.split())
        if not any(
            text in " ".join(html2plaintext(message.body or "").split())
            for message in self.message_ids[:recent]
        ):
            self.message_post(body=body, subtype_xmlid="mail.mt_note")

    # ------------------------------------------------------------------
    # Work gate: no work before signature and deposit
    # ------------------------------------------------------------------

    @api.depends("company_id")
    def _compute_work_gate_required(self):
        for order in self:
            # Orders confirmed before the addon was installed stay open.
            if order._is_deposit_editable():
                order.work_gate_required = order._freelance_rules_apply()["work_gate"]

    @api.depends("work_gate_required")
    def _compute_require_signature(self):
        # The client must be able to sign online when the gate asks for it.
        result = super()._compute_require_signature()
        for order in self:
            if order.work_gate_required:
                order.require_signature = True
        return result

    def _is_signed(self):
        self.ensure_one()
        # The signed copy is the team's: read as such on the client's pages.
        return bool(self.signature or self.sudo().signed_copy_id)

    def _has_to_be_signed(self):
        # A signed copy recorded by the salesperson counts as the signature; a
        # blacklisted client cannot accept a quotation online, nor one that is
        # to be paid in full first when no provider can take the payment.
        return (
            (super()._has_to_be_signed() or self._signature_replaces_payment())
            and not self.sudo().signed_copy_id
            and not self._blacklist_refuses_business()
            and not self._upfront_to_pay_by_transfer()
        )

    def _signature_replaces_payment(self):
        """Whether the client accepts this quotation by signing it because the
        deposit it asks cannot be paid online (no provider can take it), even
        when it asks no signature: signing confirms it and issues the deposit
        invoice, paid by bank transfer. Never for a client to pay in full
        upfront (blacklisted), nor for quotations outside the deposit rules."""
        self.ensure_one()
        return bool(
            self.deposit_required
            and self.require_payment
            and not self.signature
            and not self._blacklist_requires_full_upfront()
            and self._awaits_payment()
            and not self._can_be_paid_online()
        )

    def _upfront_to_pay_by_transfer(self):
        """Whether this quotation of a client blacklisted under the "100 %
        upfront" policy is still to be paid in full before its confirmation,
        and no provider can take that payment online: it cannot be accepted
        online; the client pays by bank transfer and the team confirms it."""
        self.ensure_one()
        return bool(
            self._blacklist_requires_full_upfront()
            and self._awaits_payment()
            and not self._can_be_paid_online()
        )

    def _awaits_payment(self):
        """Odoo's conditions of a payment online, but for the payment asked
        (``require_payment``): a quotation still open whose amount to pay
        before confirmation is not reached yet."""
        self.ensure_one()
        return (
            self.state in ("draft", "sent")
            and not self.is_expired
            and self.currency_id.compare_amounts(self.amount_total, 0.0) > 0
            and not self._is_confirmation_amount_reached()
        )

    def _has_to_be_paid(self):
        if self._blacklist_refuses_business():
            return False
        if self._blacklist_requires_full_upfront():
            # Quotations written before the client was blacklisted too: the
            # whole amount is paid online before the order is confirmed; with
            # no provider to take it, by bank transfer (the portal says so).
            return self._awaits_payment() and self._can_be_paid_online()
        to_pay = super()._has_to_be_paid()
        # No provider can take the deposit online: the signature confirms the
        # quotation and issues the deposit invoice, paid by bank transfer.
        if to_pay and self.deposit_required and not self._can_be_paid_online():
            return False
        return to_pay

    def _can_be_paid_online(self, amount=None):
        """Whether a payment provider can take this order's online payment
        (its company, client, currency and the amount to pay: the deposit of a
        quotation by default)."""
        self.ensure_one()
        if amount is None:
            amount = self._get_prepayment_required_amount()
        return bool(
            self.env["payment.provider"]
            .sudo()
            ._get_compatible_providers(
                self.company_id.id,
                self.partner_id.id,
                amount,
                currency_id=self.currency_id.id,
                sale_order_id=self.id,
            )
        )

    def _get_deposit_to_pay_by_transfer(self):
        """The posted deposit invoices of this confirmed order that the client
        must pay by bank transfer, no provider taking them online."""
        self.ensure_one()
        invoices = self.sudo().deposit_invoice_ids.filtered(
            lambda inv: (
                inv.state == "posted"
                and inv.payment_state not in ("paid", "in_payment", "reversed")
            )
        )
        if not invoices or self.state != "sale":
            return invoices.browse()
        if self._can_be_paid_online(sum(invoices.mapped("amount_residual"))):
            return invoices.browse()
        return invoices

    def _get_prepayment_required_amount(self):
        # A blacklisted client under the "100 % upfront" policy pays it all.
        if self._blacklist_requires_full_upfront():
            return self.amount_total
        # The deposit itself, whatever Odoo's prepayment fields say: a
        # salesperson may write those (prepayment_percent, require_payment),
        # never lower what the client pays online to confirm.
        if (
            self.deposit_required
            and self.currency_id.compare_amounts(self.deposit_amount, 0.0) > 0
            and self.state in ("draft", "sent")
        ):
            return self.deposit_amount
        return super()._get_prepayment_required_amount()

    def _record_signed_copy(self, signed_by, signed_on, file, filename=None):
        """Record the copy of this quotation that the client signed on paper or
        by email: it counts as the signature, and is kept in the chatter.

        :param signed_by: the signatory's name
        :param signed_on: the date of the signature (a date, not in the future)
        :param file: the signed copy, base64-encoded
        :param filename: its file name (default: "<quotation> - signed.pdf")
        """
        self.ensure_one()
        if not is_dunning_user(self.env):
            raise AccessError(
                self.env._(
                    "Only a dunning user (salesperson or invoicing user) may record "
                    "the signed copy of a quotation."
                )
            )
        self.check_access("write")
        if self.state not in ("draft", "sent"):
            raise UserError(
                self.env._(
                    "%(order)s is no longer a quotation: its signature cannot change.",
                    order=self.name,
                )
            )
        if self._is_signed():
            raise UserError(self.env._("%(order)s is already signed.", order=self.name))
        if not file:
            raise UserError(self.env._("Attach the signed copy of the quotation."))
        signed_by = (signed_by or "").strip()
        signed_on = fields.Date.to_date(signed_on)
        if not signed_by or not signed_on:
            raise UserError(
                self.env._("Give the name of the signatory and the date of signature.")
            )
        if signed_on > fields.Date.context_today(self):
            raise UserError(self.env._("The signature date cannot be in the future."))
        attachment = self.env["ir.attachment"].create(
            {
                "name": filename or f"{self.name} - signed.pdf",
                "datas": file,
                "res_model": "sale.order",
                "res_id": self.id,
            }
        )
        with self._writing_rule_fields():
            self.write(
                {
                    "signed_copy_id": attachment.id,
                    "signed_by": signed_by,
                    "signed_on": fields.Datetime.to_datetime(signed_on),
                }
            )
        self.message_post(
            body=Markup("%s")
            % self.env._(
                "Signed copy recorded: signed by %(name)s on %(date)s. %(next)s",
                name=signed_by,
                date=fields.Date.to_string(signed_on),
                next=self._get_next_step_after_signature(),
            ),
            attachment_ids=attachment.ids,
            subtype_xmlid="mail.mt_note",
        )
        return True

    def _get_next_step_after_signature(self):
        """What comes next once the quotation is signed, for the salesperson."""
        self.ensure_one()
        if (
            self.deposit_required
            and self.currency_id.compare_amounts(self.deposit_amount, 0.0) > 0
        ):
            return self.env._(
                "Next: confirm the quotation; the deposit invoice of %(amount)s is "
                "then issued and emailed to the client, and the work starts once "
                "it is paid.",
                amount=format_amount(self.env, self.deposit_amount, self.currency_id),
            )
        return self.env._("Next: confirm the quotation.")

    @api.depends(
        "work_gate_required",
        "signature",
        "signed_copy_id",
        "deposit_state",
        "work_gate_override_date",
        "work_suspended",
    )
    def _compute_work_gate_state(self):
        for order in self:
            if order.work_suspended:
                order.work_gate_state = "suspended"
            elif not order.work_gate_required:
                order.work_gate_state = "cleared"
            elif order.work_gate_override_date:
                order.work_gate_state = "overridden"
            elif not order._is_signed():
                order.work_gate_state = "waiting_signature"
            elif order.deposit_state in ("to_pay", "partial"):
                order.work_gate_state = "waiting_deposit"
            else:
                order.work_gate_state = "cleared"

    @api.depends(
        "work_gate_state",
        "deposit_amount_paid",
        "deposit_amount",
        "installment_ids.invoice_id",
    )
    def _compute_work_gate_reason(self):
        for order in self:
            state = order.work_gate_state
            if state == "waiting_signature" and order.deposit_required:
                reason = self.env._(
                    "The client has not signed the quotation yet. Deposit "
                    "%(amount)s due at signature.",
                    amount=format_amount(
                        self.env, order.deposit_amount, order.currency_id
                    ),
                )
            elif state == "waiting_signature":
                reason = self.env._("The client has not signed the quotation yet.")
            elif state == "waiting_deposit" and not order.deposit_invoice_ids:
                # No deposit invoice yet: nothing can have been paid against it.
                reason = self.env._(
                    "Deposit %(amount)s due at confirmation.",
                    amount=format_amount(
                        self.env, order.deposit_amount, order.currency_id
                    ),
                )
            elif state == "waiting_deposit":
                reason = self.env._(
                    "Deposit not paid yet: %(paid)s paid of %(amount)s.",
                    paid=format_amount(
                        self.env, order.deposit_amount_paid, order.currency_id
                    ),
                    amount=format_amount(
                        self.env, order.deposit_amount, order.currency_id
                    ),
                )
            elif state == "overridden":
                reason = self.env._(
                    "Opened early by %(user)s: %(reason)s",
                    user=order.work_gate_override_user_id.name or "",
                    reason=order.work_gate_override_reason or "",
                )
            elif state == "suspended":
                reason = self.env._(
                    "Work suspended: %(reason)s",
                    reason=order.work_suspension_reason or "",
                )
            else:
                reason = False
            order.work_gate_reason = reason

    def _is_work_open(self):
        """Whether work may happen on this order: projects, timesheets, deliveries."""
        self.ensure_one()
        return self.work_gate_state in ("cleared", "overridden")

    def _check_work_open(self, action):
        """Raise a clear error when the gate of one of these orders is closed."""
        for order in self:
            if not order._is_work_open():
                raise UserError(
                    self.env._(
                        "%(action)s is not possible yet on %(order)s. %(reason)s",
                        action=action,
                        order=order.name,
                        reason=order.work_gate_reason,
                    )
                )

    def _start_work_if_gate_open(self):
        """Start the work of confirmed orders whose gate has just opened.

        Called when a payment is reconciled, after online payments, by the
        manager's override and by a scheduled action; safe to call twice.
        """
        opened = self.filtered(
            lambda o: (
                o.state == "sale"
                and o.work_gate_required
                and not o.work_started_on
                and o._is_work_open()
            )
        )
        for order in opened:
            with order._writing_rule_fields():
                order.work_started_on = fields.Datetime.now()
            order._start_work()
            order.message_post(
                body=self.env._("The work gate is open: the work can start."),
                subtype_xmlid="mail.mt_note",
            )
            # Written in the language of the person who is to start the work,
            # whoever's payment or scheduled run opened the gate.
            user = (
                order.company_id._get_activity_user(
                    order.partner_id, salesperson=order.user_id
                )
                or self.env.user
            )
            env = self.with_context(lang=user.lang or self.env.lang).env
            if order.work_gate_state == "overridden":
                note = order.work_gate_reason
            else:
                note = env._("The deposit is paid.")
            order.activity_schedule(
                "mail.mail_activity_data_todo",
                user_id=user.id,
                summary=env._("Start the work"),
                note=note,
            )
        return opened

    def _start_work(self):
        """Hook: start what Odoo held back while the gate was closed (bridges)."""
        return True

    def _get_started_work_summary(self):
        """Hook: what the work of this order is in Odoo (projects, tasks,
        deliveries), as HTML links for its chatter; bridges add theirs."""
        self.ensure_one()
        return []

    @api.model
    def _open_held_work_gates_at_uninstall(self):
        """The addon is being uninstalled: every order its gate still holds
        gets the work Odoo starts when an order is confirmed, and says so.

        Without the addon nothing would ever open these gates: paying the
        deposit afterwards would start nothing. Run by the uninstall hook,
        while the addon's models and bridges are still loaded.
        """
        held = self.search(
            [
                ("state", "=", "sale"),
                ("work_gate_required", "=", True),
                ("work_started_on", "=", False),
            ]
        )
        now = fields.Datetime.now()
        for order in held.with_context(tracking_disable=True):
            waiting = order.work_gate_reason or self.env._("The work gate was closed.")
            reason = self.env._("Freelance Dunning was uninstalled.")
            with order._writing_rule_fields():
                order.write(
                    {
                        "work_gate_override_reason": reason,
                        "work_gate_override_user_id": self.env.uid,
                        "work_gate_override_date": now,
                        "work_suspended": False,
                        "work_started_on": now,
                    }
                )
            order._start_work()
            body = self.env._(
                "Freelance Dunning is uninstalled: the work gate no longer holds "
                "this order, and the work Odoo starts when an order is confirmed "
                "has started. Held until now: %(waiting)s",
                waiting=waiting,
            )
            work = order._get_started_work_summary()
            if work:
                body = Markup("%s<br/>%s") % (body, Markup("<br/>").join(work))
            order.message_post(body=body, subtype_xmlid="mail.mt_note")
        return held

    def _open_work_gate_early(self, reason):
        """Open the work gate of this order before its deposit is paid, a dunning
        manager's decision: the work starts now, the reason is kept.

        :param reason: why the work starts early (text)
        """
        self.ensure_one()
        if not is_dunning_manager(self.env):
            raise AccessError(
                self.env._("Only a dunning manager may open a work gate early.")
            )
        self.check_access("write")
        reason = (reason or "").strip()
        if not reason:
            raise UserError(self.env._("Write down why the work starts early."))
        if self._blacklist_refuses_business():
            raise UserError(
                self.env._(
                    "%(client)s is blacklisted: no work starts before the deposit is "
                    "paid.",
                    client=self.partner_id.commercial_partner_id.name,
                )
            )
        if self.state != "sale" or self._is_work_open():
            raise UserError(
                self.env._(
                    "The work gate of %(order)s is not waiting for a deposit.",
                    order=self.name,
                )
            )
        with self._writing_rule_fields():
            self.write(
                {
                    "work_gate_override_reason": reason,
                    "work_gate_override_user_id": self.env.uid,
                    "work_gate_override_date": fields.Datetime.now(),
                    "work_suspended": False,
                }
            )
        self.message_post(
            body=self.env._(
                "Work gate opened early by %(user)s: %(reason)s",
                user=self.env.user.name,
                reason=reason,
            ),
            subtype_xmlid="mail.mt_note",
        )
        self._start_work_if_gate_open()
        return True

    @api.model
    def _cron_open_work_gates(self):
        """Open the gates whose deposit got paid without passing by a hook."""
        orders = self.search(
            [
                ("state", "=", "sale"),
                ("work_gate_required", "=", True),
                ("work_started_on", "=", False),
                ("work_gate_state", "in", ("cleared", "overridden")),
            ]
        )
        orders._start_work_if_gate_open()

    @contextmanager
    def _allow_invoicing_behind_gate(self):
        """Let the addon itself invoice these orders while their gate is closed.

        For the schedule's installments and for what a payment received online
        invoices. The permission lives on the cursor for the duration of the
        block, where no caller over RPC reaches (unlike a context key).
        """
        with cursor_permission(self.env, INVOICING_BEHIND_GATE, self.ids):
            yield

    def _create_invoices(self, grouped=False, final=False, date=None):
        # While the gate is closed, only the schedule's invoices are issued.
        self.filtered(
            lambda o: (
                not has_cursor_permission(self.env, INVOICING_BEHIND_GATE, o.ids)
                and o.work_gate_state in ("waiting_signature", "waiting_deposit")
            )
        )._check_work_open(self.env._("Invoicing"))
        return super()._create_invoices(grouped=grouped, final=final, date=date)

    def _check_suspension_rights(self, resume=False):
        """Suspending the work is a dunning user's (or the reminder run's, whose
        level actions run as the system); lifting a suspension before the
        client pays is a dunning manager's, like opening a gate early."""
        if resume and not is_dunning_manager(self.env):
            raise AccessError(
                self.env._("Only a dunning manager may resume suspended work.")
            )
        if not is_dunning_user(self.env):
            raise AccessError(
                self.env._("Only a dunning user may suspend the work on an order.")
            )
        self.check_access("write")

    def _suspend_work(self, reason):
        """Close the gate of these orders (dunning suspension), with a reason."""
        self._check_suspension_rights()
        to_suspend = self.filtered(lambda o: not o.work_suspended)
        with to_suspend._writing_rule_fields():
            to_suspend.write({"work_suspended": True, "work_suspension_reason": reason})
        for order in to_suspend:
            order.message_post(
                body=self.env._("Work suspended: %(reason)s", reason=reason),
                subtype_xmlid="mail.mt_note",
            )
        return to_suspend

    def _resume_work(self, reason):
        """Reopen the gate of suspended orders, with a reason."""
        self._check_suspension_rights(resume=True)
        to_resume = self.filtered("work_suspended")
        with to_resume._writing_rule_fields():
            to_resume.write({"work_suspended": False, "work_suspension_reason": False})
        for order in to_resume:
            order.message_post(
                body=self.env._("Work resumed: %(reason)s", reason=reason),
                subtype_xmlid="mail.mt_note",
            )
        to_resume._start_work_if_gate_open()
        return to_resume
