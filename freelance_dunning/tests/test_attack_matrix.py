"""Issue 16, Deliver 6: the attack matrix.

Every role tries, as XML-RPC lets it (``execute_kw``: its own user, any
context, public methods only), create, write, unlink and every public method
on every model the addon adds, and writes every field the addon adds or
protects on orders, invoices, clients and companies. ``MATRIX`` below is the
expected outcome of each cell, written by hand from the rules (never derived
from the code under test): allowed, with its effect checked, or refused with
the exact exception class and nothing changed in the database.
"""

import logging
from collections import Counter
from datetime import date, timedelta
from types import SimpleNamespace

from freezegun import freeze_time

from odoo import api, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.models import check_method_name
from odoo.service.model import get_public_method
from odoo.tests import tagged

from odoo.addons.freelance_dunning.models.addon_writes import (
    DUNNING_HISTORY_WRITING,
    addon_writing,
)
from odoo.addons.freelance_dunning.models.late_interest import next_half_year_start
from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

_logger = logging.getLogger(__name__)

# Outcomes: allowed, or refused with exactly this exception class.
OK = "allowed"
AE = AccessError
UE = UserError
VE = ValidationError

# The columns of MATRIX, in this order.
ROLES = (
    "portal_a",  # portal user, a contact of client A
    "portal_b",  # portal user, a contact of client B (blacklisted in company A)
    "sales_own",  # salesperson, "own documents only"
    "sales_all",  # salesperson, "all documents"
    "project",  # project user, no sales rights
    "accountant",  # billing (account.group_account_invoice)
    "dunning_user",  # dunning user only
    "dunning_manager",  # dunning manager (with billing rights), company A
    "manager_b",  # dunning manager + sales manager of company B only
)
NOBODY = (AE,) * len(ROLES)

# What any caller over RPC may add to its context: none of it opens a rule.
ATTACK_CONTEXT = {
    "freelance_commercial_sync": True,
    "freelance_installment_invoicing": True,
    "freelance_payment_processing": True,
    "freelance_schedule_write": True,
    "freelance_dunning.dunning_history_writing": True,
    "install_mode": True,
    "tracking_disable": True,
}

# The tables compared before and after each refused call.
WATCHED_TABLES = (
    "freelance_dunning_level",
    "freelance_dunning_reminder",
    "freelance_dunning_reminder_line",
    "freelance_dunning_run",
    "freelance_order_installment",
    "freelance_payment_schedule",
    "freelance_payment_schedule_installment",
    "freelance_reference_rate",
    "sale_order",
    "account_move",
    "account_move_line",
    "res_partner",
    "res_company",
    "payment_transaction",
    "mail_message",
    "mail_activity",
)

# The fields the addon computes without storing them, on Odoo's models.
SALE_ORDER_COMPUTED = (
    "work_gate_reason",
    "partner_blacklisted",
    "partner_blacklist_reason",
    "payment_term_warning",
    "amount_offered",
    "has_installment_to_invoice",
    "deposit_invoice_ids",
)
ACCOUNT_MOVE_COMPUTED = (
    "partner_blacklisted",
    "payment_term_warning",
    "amount_offered",
    "dunning_next_date",
)
PARTNER_COMPUTED = (
    "client_blacklist_proposed",
    "dunning_level_id",
    "dunning_amount_overdue",
    "dunning_days_late",
    "dunning_event_count",
)

#            portal_a portal_b sales_own sales_all project accountant
#            dunning_user dunning_manager manager_b
MATRIX = {
    # -- Reminder levels (the ladder) ------------------------------------
    ("freelance.dunning.level", "create"): (AE, AE, AE, AE, AE, AE, AE, OK, AE),
    ("freelance.dunning.level", "write name"): (AE, AE, AE, AE, AE, AE, AE, OK, AE),
    # attack: a level moved into company B's ladder
    ("freelance.dunning.level", "write company_id"): (
        (AE, AE, AE, AE, AE, AE, AE, VE, AE)
    ),
    ("freelance.dunning.level", "unlink"): (AE, AE, AE, AE, AE, AE, AE, OK, AE),
    # -- Reminders --------------------------------------------------------
    # attack: a reminder created at the last level with invented interest
    ("freelance.dunning.reminder", "create"): NOBODY,
    # attack: a sent reminder written back to waiting
    ("freelance.dunning.reminder", "write sent state"): NOBODY,
    ("freelance.dunning.reminder", "write waiting interest"): NOBODY,
    ("freelance.dunning.reminder", "unlink sent"): NOBODY,
    ("freelance.dunning.reminder", "unlink waiting"): (
        (AE, AE, AE, AE, AE, AE, AE, OK, AE)
    ),
    # attack: action_validate by a non-dunning user. The dunning group alone
    # gives no right on invoices: a validation plans them again, refused.
    ("freelance.dunning.reminder", "action_validate"): (
        (AE, AE, AE, OK, AE, OK, AE, OK, AE)
    ),
    # Own-documents salespeople read the reminders of unassigned invoices.
    ("freelance.dunning.reminder", "action_validate sent"): (
        (AE, AE, UE, UE, AE, UE, UE, UE, AE)
    ),
    ("freelance.dunning.reminder", "action_skip"): (
        (AE, AE, AE, OK, AE, OK, OK, OK, AE)
    ),
    # Only a failed reminder is sent again, by those who may validate.
    ("freelance.dunning.reminder", "action_resend sent"): (
        (AE, AE, UE, UE, AE, UE, UE, UE, AE)
    ),
    # -- Dunning history --------------------------------------------------
    # attack: a history line created to silence dunning (and on company B)
    ("freelance.dunning.reminder.line", "create"): NOBODY,
    ("freelance.dunning.reminder.line", "create in company B"): NOBODY,
    ("freelance.dunning.reminder.line", "write state"): NOBODY,
    ("freelance.dunning.reminder.line", "unlink"): NOBODY,
    # -- Runs -------------------------------------------------------------
    ("freelance.dunning.run", "create"): (AE, AE, AE, AE, AE, AE, AE, OK, AE),
    ("freelance.dunning.run", "write error_log"): (
        (AE, AE, AE, AE, AE, AE, AE, OK, AE)
    ),
    ("freelance.dunning.run", "write company_id"): (
        (AE, AE, AE, AE, AE, AE, AE, VE, AE)
    ),
    ("freelance.dunning.run", "unlink"): (AE, AE, AE, AE, AE, AE, AE, OK, AE),
    # -- An order's installments ----------------------------------------
    # attack: the deposit lowered or removed through the installments
    ("freelance.order.installment", "create"): NOBODY,
    ("freelance.order.installment", "write percent"): NOBODY,
    ("freelance.order.installment", "write trigger"): NOBODY,
    # attack: an installment linked to another client's paid invoice
    ("freelance.order.installment", "write invoice_id"): NOBODY,
    ("freelance.order.installment", "unlink"): NOBODY,
    # -- Payment schedules and their installments -----------------------
    ("freelance.payment.schedule", "create"): (AE, AE, AE, AE, AE, AE, AE, OK, AE),
    ("freelance.payment.schedule", "write name"): (
        (AE, AE, AE, AE, AE, AE, AE, OK, AE)
    ),
    ("freelance.payment.schedule", "write company_id"): (
        (AE, AE, AE, AE, AE, AE, AE, VE, AE)
    ),
    ("freelance.payment.schedule", "unlink"): (AE, AE, AE, AE, AE, AE, AE, OK, AE),
    ("freelance.payment.schedule.installment", "create"): (
        (AE, AE, AE, AE, AE, AE, AE, VE, AE)
    ),
    ("freelance.payment.schedule.installment", "write percent"): (
        (AE, AE, AE, AE, AE, AE, AE, VE, AE)
    ),
    ("freelance.payment.schedule.installment", "unlink"): (
        (AE, AE, AE, AE, AE, AE, AE, VE, AE)
    ),
    # -- Reference rates (shared by every company) ----------------------
    # attack: company B's manager changes the global reference rates
    ("freelance.reference.rate", "create"): NOBODY,
    ("freelance.reference.rate", "write ecb_rate"): NOBODY,
    ("freelance.reference.rate", "unlink"): NOBODY,
    # -- Wizards (create, then their button) ----------------------------
    # attack: company B's manager changes company A's blacklist
    ("freelance.client.blacklist.wizard", "action_apply"): (
        (AE, AE, AE, AE, AE, AE, AE, OK, AE)
    ),
    ("freelance.client.blacklist.wizard", "action_apply lift"): (
        (AE, AE, AE, AE, AE, AE, AE, OK, AE)
    ),
    ("freelance.deposit.waiver.wizard", "action_waive"): (
        (AE, AE, AE, AE, AE, AE, AE, OK, AE)
    ),
    ("freelance.dunning.pause.wizard", "action_pause"): (
        (AE, AE, AE, AE, AE, OK, AE, OK, AE)
    ),
    # Own documents: none of these invoices is theirs, nothing to send.
    ("freelance.dunning.run.wizard", "action_send"): (
        (AE, AE, UE, OK, AE, OK, AE, OK, AE)
    ),
    ("freelance.dunning.run.wizard.line", "create"): (
        (AE, AE, OK, OK, AE, OK, OK, OK, OK)
    ),
    ("freelance.signed.copy.wizard", "action_record"): (
        (AE, AE, AE, OK, AE, OK, AE, OK, AE)
    ),
    ("freelance.work.gate.override.wizard", "action_open"): (
        (AE, AE, AE, AE, AE, AE, AE, OK, AE)
    ),
    # Odoo's invoicing wizard (the addon adds the installment): the gate
    # holds while the deposit is unpaid.
    ("sale.advance.payment.inv", "create_invoices"): (
        (AE, AE, AE, UE, AE, AE, AE, AE, AE)
    ),
    # -- Dashboard --------------------------------------------------------
    ("freelance.dunning.dashboard", "get_dashboard_data"): (
        (AE, AE, OK, OK, AE, OK, AE, OK, OK)
    ),
    # A window action only, no record: what it lists stays behind the rights.
    ("freelance.dunning.dashboard", "action_open"): (OK,) * len(ROLES),
    # -- Private methods: refused by the RPC layer itself ---------------
    ("freelance.dunning.engine", "_run"): NOBODY,
    ("freelance.dunning.reminder", "_send"): NOBODY,
    ("freelance.dunning.reminder", "_write_history"): NOBODY,
    ("sale.order", "_waive_deposit"): NOBODY,
    ("sale.order", "_open_work_gate_early"): NOBODY,
    ("sale.order", "_record_signed_copy"): NOBODY,
    ("sale.order", "_suspend_work"): NOBODY,
    ("sale.order", "_resume_work"): NOBODY,
    ("res.partner", "_set_client_blacklist"): NOBODY,
    ("res.partner", "_lift_client_blacklist"): NOBODY,
    ("res.partner", "_write_client_blacklist"): NOBODY,
    ("account.move", "_pause_dunning"): NOBODY,
    # -- sale.order: the deposit and the work gate ----------------------
    # attack: a salesperson writes the gate fields (readonly is the view's)
    ("sale.order", "create with deposit waived"): NOBODY,
    ("sale.order", "create with gate opened"): NOBODY,
    ("sale.order", "write deposit_required"): NOBODY,
    ("sale.order", "write installment_ids"): NOBODY,
    ("sale.order", "write deposit_percent"): NOBODY,
    ("sale.order", "write deposit_amount"): NOBODY,
    ("sale.order", "write deposit_amount_paid"): NOBODY,
    ("sale.order", "write deposit_state"): NOBODY,
    ("sale.order", "write work_gate_required"): NOBODY,
    ("sale.order", "write work_gate_state"): NOBODY,
    ("sale.order", "write work_started_on"): NOBODY,
    ("sale.order", "write signed_copy_id"): NOBODY,
    ("sale.order", "write signature"): NOBODY,
    ("sale.order", "write work_gate_override_reason"): NOBODY,
    ("sale.order", "write work_gate_override_user_id"): NOBODY,
    ("sale.order", "write work_gate_override_date"): NOBODY,
    ("sale.order", "write work_suspended"): NOBODY,
    ("sale.order", "write work_suspension_reason"): NOBODY,
    # attack: an order made exempt from the rules (issue 17: set by the addon
    # alone, from the flow creating the order)
    ("sale.order", "write freelance_rules_exemption"): NOBODY,
    ("sale.order", "create exempt from the rules"): NOBODY,
    ("sale.order", "write payment_schedule_id higher"): (
        (AE, AE, AE, OK, AE, OK, AE, OK, AE)
    ),
    ("sale.order", "write payment_schedule_id lower"): (
        (AE, AE, AE, AE, AE, AE, AE, OK, AE)
    ),
    # Odoo's prepayment field may be written; the client still pays the deposit.
    ("sale.order", "write prepayment_percent"): ((AE, AE, AE, OK, AE, OK, AE, OK, AE)),
    # Computed, not stored: a write is Odoo's no-op, the value stays computed.
    **{
        ("sale.order", f"write {fname} (computed)"): (
            (AE, AE, AE, OK, AE, OK, AE, OK, AE)
        )
        for fname in SALE_ORDER_COMPUTED
    },
    # attack: a portal user reads the gate-override reason about themselves
    ("sale.order", "read work_gate_override_reason"): (
        (AE, AE, AE, OK, AE, OK, AE, OK, AE)
    ),
    ("sale.order", "action_register_deposit_payment"): (
        (AE, AE, AE, OK, AE, OK, AE, OK, AE)
    ),
    ("sale.order", "action_invoice_next_installment"): (
        (AE, AE, AE, OK, AE, OK, AE, OK, AE)
    ),
    # attack: a blacklisted client pays a quote through
    # /my/orders/<id>/transaction (the route creates it as superuser)
    ("payment.transaction", "create for a blacklisted client"): (VE,) * len(ROLES),
    # -- account.move / account.move.line -------------------------------
    # a pause is set and ended by _pause_dunning / _resume_dunning only
    ("account.move", "write dunning_pause_until"): NOBODY,
    ("account.move", "write dunning_pause_reason"): NOBODY,
    ("account.move", "write dunning_level_id"): NOBODY,
    ("account.move", "write dunning_last_date"): NOBODY,
    ("account.move", "write dunning_penalty_move_id"): NOBODY,
    # issue 18: a penalty invoice and what its lines bill are the addon's
    ("account.move", "write dunning_penalty_invoice"): NOBODY,
    ("account.move.line", "write dunning_penalty_kind"): NOBODY,
    ("account.move.line", "write dunning_penalty_source_move_id"): NOBODY,
    ("account.move.line", "write dunning_penalty_source_line_id"): NOBODY,
    ("account.move.line", "write dunning_penalty_date_to"): NOBODY,
    ("account.move", "write installment_ids"): NOBODY,
    ("account.move", "write dunning_reminder_line_ids"): NOBODY,
    ("account.move", "write send_at_once_state"): (
        (AE, AE, AE, AE, AE, OK, AE, OK, AE)
    ),
    # A window action only, on the ids given: the wizard decides.
    ("account.move", "action_open_dunning_pause"): (OK,) * len(ROLES),
    ("account.move", "write send_at_once_error"): (
        (AE, AE, AE, AE, AE, OK, AE, OK, AE)
    ),
    ("account.move", "write send_at_once_attempts"): (
        (AE, AE, AE, AE, AE, OK, AE, OK, AE)
    ),
    ("account.move", "write send_at_once_retry_at"): (
        (AE, AE, AE, AE, AE, OK, AE, OK, AE)
    ),
    # Invoicing users only, and only an invoice whose email failed.
    ("account.move", "action_resend_failed_email"): (
        (AE, AE, AE, AE, AE, UE, AE, UE, AE)
    ),
    **{
        ("account.move", f"write {fname} (computed)"): (
            (AE, AE, AE, AE, AE, OK, AE, OK, AE)
        )
        for fname in ACCOUNT_MOVE_COMPUTED
    },
    ("account.move", "action_dunning_resume"): ((AE, AE, AE, AE, AE, OK, AE, OK, AE)),
    ("account.move.line", "write dunning_level_id"): NOBODY,
    ("account.move.line", "write dunning_last_date"): NOBODY,
    # As Odoo lets invoicing users write a posted line's discount.
    ("account.move.line", "write is_offered"): (AE, AE, AE, AE, AE, OK, AE, OK, AE),
    # -- res.partner: the blacklist and the deposit terms ---------------
    # attack: freelance_commercial_sync in the context of res.partner.write
    ("res.partner", "create blacklisted"): NOBODY,
    ("res.partner", "write client_blacklisted"): NOBODY,
    ("res.partner", "write client_blacklisted off"): NOBODY,
    ("res.partner", "write client_blacklist_reason"): NOBODY,
    ("res.partner", "write client_blacklist_note"): NOBODY,
    ("res.partner", "write client_blacklist_date"): NOBODY,
    ("res.partner", "write client_blacklist_user_id"): NOBODY,
    # Only company B's sales manager may edit contacts here: the blacklist
    # (any company's) stays on the client.
    ("res.partner", "write parent_id of a blacklisted client"): (
        (AE, AE, AE, AE, AE, AE, AE, AE, UE)
    ),
    # attack: company B's manager changes company A's deposit policy; a
    # write lands in the caller's own company, never in another one. The
    # dunning manager here has billing rights but may not edit contacts.
    ("res.partner", "write deposit_policy exempt"): (
        (AE, AE, AE, AE, AE, AE, AE, AE, OK)
    ),
    ("res.partner", "write deposit_policy exempt in company A"): NOBODY,
    # attack: a business client made a consumer (no interest before the
    # formal notice, no indemnity) by anyone but a dunning manager who may
    # edit contacts (issue 18)
    ("res.partner", "write client_status consumer"): (
        (AE, AE, AE, AE, AE, AE, AE, AE, OK)
    ),
    ("res.partner", "write client_status_decided"): (
        (AE, AE, AE, AE, AE, AE, AE, AE, OK)
    ),
    # attack: a client created already decided, then its VAT number cleared:
    # the status would stay locked (review of issue 18)
    ("res.partner", "create client_status_decided"): (
        (AE, AE, AE, AE, AE, AE, AE, AE, OK)
    ),
    # Company A's schedule in company B: Odoo's company check.
    ("res.partner", "write payment_schedule_id lower"): (
        (AE, AE, AE, AE, AE, AE, AE, AE, UE)
    ),
    # attack: a portal user reads the blacklist note about themselves
    ("res.partner", "read client_blacklist_note"): (
        (AE, AE, OK, OK, OK, OK, OK, OK, OK)
    ),
    ("res.partner", "read client_blacklist_reason"): (
        (AE, AE, OK, OK, OK, OK, OK, OK, OK)
    ),
    **{
        ("res.partner", f"write {fname} (computed)"): (
            (AE, AE, AE, AE, AE, AE, AE, AE, OK)
        )
        for fname in PARTNER_COMPUTED
    },
    # Window actions on a client its own portal user may read.
    ("res.partner", "action_open_client_blacklist"): (
        (AE, OK, OK, OK, OK, OK, OK, OK, OK)
    ),
    ("res.partner", "action_view_dunning_history"): (
        (AE, OK, OK, OK, OK, OK, OK, OK, OK)
    ),
    # -- res.company: the settings are an administrator's ---------------
    ("res.company", "write deposit_required"): NOBODY,
    ("res.company", "write work_gate_required"): NOBODY,
    ("res.company", "write blacklist_policy"): NOBODY,
    ("res.company", "write blacklist_proposal_level_id"): NOBODY,
    ("res.company", "write blacklist_proposal_count"): NOBODY,
    ("res.company", "write invoice_send_at_once"): NOBODY,
    ("res.company", "write deposit_percent"): NOBODY,
    ("res.company", "write payment_schedule_id"): NOBODY,
    ("res.company", "write late_interest_margin"): NOBODY,
    ("res.company", "write contractual_interest_rate"): NOBODY,
    ("res.company", "write recovery_indemnity_amount"): NOBODY,
    ("res.company", "write suspend_work_on_nonpayment"): NOBODY,
    ("res.company", "write dunning_interest_account_id"): NOBODY,
    ("res.company", "write dunning_indemnity_account_id"): NOBODY,
    # who gets the activities of clients without a salesperson
    ("res.company", "write dunning_responsible_id"): NOBODY,
    # nothing paid late to bill in the fixture: a dunning manager is told so
    ("res.partner", "action_invoice_late_payment_penalties"): (
        (AE, AE, AE, AE, AE, AE, AE, UE, UE)
    ),
    # nothing reaches a client before a dunning manager switched it on from
    # the run's preview; which tool chases the company's invoices
    ("res.company", "write nightly_reminders"): NOBODY,
    ("res.company", "write payment_reminders_by"): NOBODY,
    ("freelance.dunning.run.wizard", "action_switch_on_nightly_reminders"): (
        (AE, AE, AE, AE, AE, AE, AE, OK, AE)
    ),
    ("res.config.settings", "create"): NOBODY,
}


# Operations, built per row: {"call": f(rpc), "effect": f(test, result, user),
# "watch": (records, fields re-read as superuser), "before": f(test)}.


def _write_op(model, records, vals, fnames=None, company=None):
    return {
        "call": lambda rpc: rpc(model, "write", records.ids, vals),
        "effect": lambda self, result, user: self._assert_written(
            records, vals, company or user.company_id
        ),
        "watch": (records, fnames or list(vals)),
    }


def _create_op(model, vals, effect=None):
    return {
        "call": lambda rpc: rpc(model, "create", vals),
        "effect": effect
        or (
            lambda self, result, user: self.assertTrue(
                self.env[model].browse(result).exists()
            )
        ),
    }


def _unlink_op(model, records):
    return {
        "call": lambda rpc: rpc(model, "unlink", records.ids),
        "effect": lambda self, result, user: self.assertFalse(records.exists()),
        "watch": (records, ["id"]),
    }


def _method_op(model, records, name, *args, effect=None, watch=None):
    return {
        "call": lambda rpc: rpc(model, name, records.ids, *args),
        "effect": effect,
        "watch": watch,
    }


def _wizard_op(model, vals, button, effect, watch=None):
    def call(rpc):
        wizard_id = rpc(model, "create", vals)
        return rpc(model, button, [wizard_id])

    return {"call": call, "effect": effect, "watch": watch}


def _read_op(model, records, fname):
    return {
        "call": lambda rpc: rpc(model, "read", records.ids, [fname]),
        "effect": lambda self, result, user: self.assertEqual(
            result[0][fname],
            records.sudo().with_company(user.company_id).read([fname])[0][fname],
        ),
    }


def _computed_op(model, records, fname, value):
    """A write of a field computed and not stored: the value stays."""
    stays = records.sudo().read([fname])

    def effect(self, result, user):
        records.invalidate_recordset()
        self.assertEqual(records.sudo().read([fname]), stays)

    return {
        "call": lambda rpc: rpc(model, "write", records.ids, {fname: value}),
        "effect": effect,
    }


@tagged("post_install", "-at_install")
class TestAttackMatrix(FreelanceDunningCommon, MockEmail):
    """Each role against each model and operation, over RPC semantics."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_b = cls.setup_other_company(name="Agency B")["company"]
        Level = cls.env["freelance.dunning.level"]
        Level._create_default_levels(cls.company | cls.company_b)
        cls.engine = cls.env["freelance.dunning.engine"]
        cls.levels = cls.engine._get_levels(cls.company)
        cls.levels_b = cls.engine._get_levels(cls.company_b)
        # Company A's quotations follow 50/25/25 (a setting in use).
        cls.company.payment_schedule_id = cls.schedule_50_25_25
        cls.client_b = cls._create_client("Shady Ltd", email="ap@shady.example.com")
        cls._create_roles()
        with freeze_time("2025-06-02"):
            cls._create_orders()
        cls._create_invoices_and_reminders()
        # Client B, blacklisted by company A after its quotation was sent.
        cls.client_b._set_client_blacklist(
            "late_payer", "Never paid the 2024 invoices", companies=cls.company
        )
        cls.run_a = cls.env["freelance.dunning.run"].create(
            {"company_id": cls.company.id, "date": "2025-06-01"}
        )
        cls.rate = cls.env.ref("freelance_dunning.reference_rate_2023_h1")
        # The matrix plays today: validating the waiting reminder plans it
        # again for today, which needs the rates of every half-year since its
        # due date (a half-year without rates stops it, test_claims_rates.py).
        # After the shipped table: test values (no figure is checked here).
        Rate = cls.env["freelance.reference.rate"]
        start = date(2026, 7, 1)
        while start <= fields.Date.today():
            if not Rate.search_count([("date_from", "=", start)]):
                Rate.create({"date_from": start, "ecb_rate": 2.15, "legal_rate": 2.62})
            start = next_half_year_start(start)
        cls.attachment = cls.env["ir.attachment"].create(
            {"name": "signed.pdf", "datas": "JVBERi0xLjQgZmFrZQ=="}
        )
        cls.operations = cls._operations()
        cls.outcomes = Counter()  # outcome -> cells played

    @classmethod
    def _create_roles(cls):
        project = cls.env.ref("project.group_project_user", raise_if_not_found=False)
        cls.portal_a = cls._create_portal_user("fd_mx_portal_a", client=cls.client)
        cls.portal_b = cls._create_portal_user("fd_mx_portal_b", client=cls.client_b)
        cls.roles = {
            "portal_a": cls.portal_a,
            "portal_b": cls.portal_b,
            "sales_own": cls._create_user(
                "fd_mx_sales_own", "sales_team.group_sale_salesman"
            ),
            "sales_all": cls._create_user(
                "fd_mx_sales_all", "sales_team.group_sale_salesman_all_leads"
            ),
            "project": cls._create_user(
                "fd_mx_project",
                "base.group_user" + (",project.group_project_user" * bool(project)),
            ),
            "accountant": cls._create_user(
                "fd_mx_accountant", "account.group_account_invoice"
            ),
            "dunning_user": cls._create_user(
                "fd_mx_dunning", "base.group_user,freelance_dunning.group_dunning_user"
            ),
            "dunning_manager": cls._create_user(
                "fd_mx_dunning_manager",
                "account.group_account_invoice,freelance_dunning.group_dunning_manager",
            ),
            "manager_b": cls._create_user(
                "fd_mx_manager_b",
                "sales_team.group_sale_manager,freelance_dunning.group_dunning_manager",
                company=cls.company_b,
            ),
        }
        cls.owner = cls.roles["dunning_manager"]

    @classmethod
    def _create_orders(cls):
        """A quotation, an order waiting for its deposit, an order opened early
        then suspended (client A), a sent quotation of client B; all of them
        another salesperson's."""
        owner = {"user_id": cls.owner.id}
        cls.quote = cls._create_order(**owner)
        cls.order = cls._confirm(cls._create_order(**owner))
        cls.opened = cls._confirm(cls._create_order(**owner))
        cls.opened._open_work_gate_early("Trusted client")
        cls.suspended = cls._confirm(cls._create_order(**owner))
        cls.suspended._open_work_gate_early("Trusted client")
        cls.suspended._suspend_work("Invoice 3 months late")
        cls.quote_b = cls._create_order(cls.client_b, require_payment=True, **owner)
        cls._sign(cls.quote_b).action_quotation_sent()

    @classmethod
    def _create_invoices_and_reminders(cls):
        """Client A: an overdue invoice with a reminder waiting for
        validation; client B: an invoice reminded (sent) and a paid one;
        company B: an invoice of its own."""
        cls.inv_a = cls._create_invoice(amount=1200.0, due="2025-06-20")
        cls.inv_sent = cls._create_invoice(cls.client_b, 700.0, due="2025-06-20")
        cls.paid_b = cls._create_invoice(cls.client_b, 300.0, due="2025-06-20")
        cls.inv_company_b = cls._create_invoice(
            cls.client_b, 500.0, "2025-06-20", company=cls.company_b
        )
        cls.env["account.payment.register"].with_context(
            active_model="account.move", active_ids=cls.paid_b.ids
        ).create({"payment_date": "2025-06-20"})._create_payments()
        with freeze_time("2025-06-21"):
            cls.sent = cls.engine._run(
                cls.company, date(2025, 6, 21), partners=cls.client_b
            )
        suspension = cls.levels.filtered(lambda lv: lv.name == "Suspension notice")
        with addon_writing(cls.env, DUNNING_HISTORY_WRITING):
            cls._receivable(cls.inv_a).write(
                {"dunning_level_id": suspension.id, "dunning_last_date": "2025-07-20"}
            )
        with freeze_time("2025-08-04"):
            cls.waiting = cls.engine._run(
                cls.company, date(2025, 8, 4), partners=cls.client
            )
        cls.history = cls.sent.line_ids[:1]

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    # ------------------------------------------------------------------
    # RPC semantics
    # ------------------------------------------------------------------

    def _rpc(self, user, model, method, *args, context=None, **kwargs):
        """Call as ``execute_kw`` does: a fresh environment of ``user`` (its own
        companies), the public-method check, then Odoo's ``call_kw`` with the
        caller's context."""
        records = api.Environment(self.env.cr, user.id, {})[model]
        get_public_method(records, method)
        kwargs["context"] = {**ATTACK_CONTEXT, **(context or {})}
        return api.call_kw(records, method, list(args), kwargs)

    def _database_state(self):
        """One digest per watched table, of every row: what a refused call
        must leave as it was."""
        self.env.cr.execute(
            " UNION ALL ".join(
                f"SELECT '{table}', md5(coalesce(string_agg(t::text, '|' "
                f"ORDER BY t.id), '')) FROM {table} t"
                for table in WATCHED_TABLES
            )
        )
        return dict(self.env.cr.fetchall())

    # ------------------------------------------------------------------
    # The operations: (call, effect, watched records and fields)
    # ------------------------------------------------------------------

    @classmethod
    def _operations(cls):
        """{(model, operation): {"call": f(rpc), "effect": f(test, result,
        user) checked when allowed, "watch": (records, fields) re-read},
        "before": f(test) run first}."""
        ops = {}
        v = SimpleNamespace(
            level=cls.levels.filtered(lambda lv: lv.name == "Friendly reminder"),
            unused_level=cls.levels.filtered(lambda lv: lv.name == "Courtesy notice"),
            last=cls.levels[-1],
            receivable=cls._receivable(cls.inv_a),
            deposit=cls.quote.installment_ids.filtered("is_deposit"),
            balance=cls.order.installment_ids.filtered(lambda i: not i.invoice_id)[:1],
            schedule_line=cls.schedule_50_25_25.installment_ids.filtered(
                lambda i: i.trigger == "milestone"
            ),
            in_a_month=fields.Date.to_string(fields.Date.today() + timedelta(days=30)),
        )
        v.currency = v.receivable.currency_id
        v.revenue = cls.company_data["default_account_revenue"]
        v.history_values = {
            "move_line_id": v.receivable.id,
            "company_id": cls.company.id,
            "currency_id": v.currency.id,
            "level_id": v.last.id,
            "channel": "email",
            "date": "2025-08-05",
            "state": "sent",
        }
        for build in (
            cls._dunning_operations,
            cls._schedule_operations,
            cls._wizard_operations,
            cls._private_operations,
            cls._order_operations,
            cls._invoice_operations,
            cls._partner_company_operations,
            cls._computed_operations,
        ):
            build(ops, v)
        return ops

    @classmethod
    def _dunning_operations(cls, ops, v):
        """Levels, reminders, their history and the runs."""
        # Levels
        ops["freelance.dunning.level", "create"] = _create_op(
            "freelance.dunning.level",
            {
                "name": "Phone call",
                "days": 400,
                "sequence": 1000,
                "company_id": cls.company.id,
            },
        )
        ops["freelance.dunning.level", "write name"] = _write_op(
            "freelance.dunning.level", v.level, {"name": "Gentle nudge"}
        )
        ops["freelance.dunning.level", "write company_id"] = _write_op(
            "freelance.dunning.level", v.level, {"company_id": cls.company_b.id}
        )
        ops["freelance.dunning.level", "unlink"] = _unlink_op(
            "freelance.dunning.level", v.unused_level
        )
        # Reminders
        ops["freelance.dunning.reminder", "create"] = _create_op(
            "freelance.dunning.reminder",
            {
                "partner_id": cls.client.id,
                "company_id": cls.company.id,
                "currency_id": v.currency.id,
                "date": "2025-08-04",
                "level_id": v.last.id,
                "state": "waiting",
                "line_ids": [
                    Command.create(
                        {
                            "move_line_id": v.receivable.id,
                            "company_id": cls.company.id,
                            "currency_id": v.currency.id,
                            "level_id": v.last.id,
                            "channel": "email",
                            "date": "2025-08-04",
                            "state": "waiting",
                            "interest": 5000.0,
                            "indemnity": 40.0,
                        }
                    )
                ],
            },
        )
        ops["freelance.dunning.reminder", "write sent state"] = _write_op(
            "freelance.dunning.reminder", cls.sent, {"state": "waiting"}
        )
        ops["freelance.dunning.reminder", "write waiting interest"] = _write_op(
            "freelance.dunning.reminder",
            cls.waiting,
            {"interest": 5000.0, "level_id": v.last.id},
        )
        ops["freelance.dunning.reminder", "unlink sent"] = _unlink_op(
            "freelance.dunning.reminder", cls.sent
        )
        ops["freelance.dunning.reminder", "unlink waiting"] = _unlink_op(
            "freelance.dunning.reminder", cls.waiting
        )
        ops["freelance.dunning.reminder", "action_validate"] = _method_op(
            "freelance.dunning.reminder",
            cls.waiting,
            "action_validate",
            effect=lambda self, result, user: self.assertEqual(
                # Queued for the background sending, in the user's name.
                (self.waiting.state, self.waiting.user_id),
                ("queued", user),
            ),
            watch=(cls.waiting, ["state", "user_id"]),
        )
        ops["freelance.dunning.reminder", "action_validate sent"] = _method_op(
            "freelance.dunning.reminder",
            cls.sent,
            "action_validate",
            watch=(cls.sent, ["state"]),
        )
        ops["freelance.dunning.reminder", "action_resend sent"] = _method_op(
            "freelance.dunning.reminder",
            cls.sent,
            "action_resend",
            watch=(cls.sent, ["state"]),
        )
        ops["freelance.dunning.reminder", "action_skip"] = _method_op(
            "freelance.dunning.reminder",
            cls.waiting,
            "action_skip",
            effect=lambda self, result, user: self.assertEqual(
                (self.waiting.state, self.waiting.user_id), ("skipped", user)
            ),
            watch=(cls.waiting, ["state", "user_id"]),
        )
        # History
        receivable_b = cls._receivable(cls.inv_company_b)
        ops["freelance.dunning.reminder.line", "create"] = _create_op(
            "freelance.dunning.reminder.line", v.history_values
        )
        ops["freelance.dunning.reminder.line", "create in company B"] = _create_op(
            "freelance.dunning.reminder.line",
            {
                **v.history_values,
                "move_line_id": receivable_b.id,
                "company_id": cls.company_b.id,
                "level_id": cls.levels_b[-1].id,
            },
        )
        ops["freelance.dunning.reminder.line", "write state"] = _write_op(
            "freelance.dunning.reminder.line", cls.history, {"state": "skipped"}
        )
        ops["freelance.dunning.reminder.line", "unlink"] = _unlink_op(
            "freelance.dunning.reminder.line", cls.history
        )
        # Runs
        ops["freelance.dunning.run", "create"] = _create_op(
            "freelance.dunning.run",
            {"company_id": cls.company.id, "date": "2025-06-02"},
        )
        ops["freelance.dunning.run", "write error_log"] = _write_op(
            "freelance.dunning.run", cls.run_a, {"error_log": "Nothing"}
        )
        ops["freelance.dunning.run", "write company_id"] = _write_op(
            "freelance.dunning.run", cls.run_a, {"company_id": cls.company_b.id}
        )
        ops["freelance.dunning.run", "unlink"] = _unlink_op(
            "freelance.dunning.run", cls.run_a
        )

    @classmethod
    def _schedule_operations(cls, ops, v):
        """Installments, schedules and reference rates."""
        # An order's installments
        ops["freelance.order.installment", "create"] = _create_op(
            "freelance.order.installment",
            {"order_id": cls.quote.id, "percent": 1.0, "trigger": "signature"},
        )
        ops["freelance.order.installment", "write percent"] = _write_op(
            "freelance.order.installment", v.deposit, {"percent": 1.0}
        )
        ops["freelance.order.installment", "write trigger"] = _write_op(
            "freelance.order.installment", v.deposit, {"trigger": "delivery"}
        )
        ops["freelance.order.installment", "write invoice_id"] = _write_op(
            "freelance.order.installment", v.balance, {"invoice_id": cls.paid_b.id}
        )
        ops["freelance.order.installment", "unlink"] = _unlink_op(
            "freelance.order.installment", v.deposit
        )
        # Schedules
        ops["freelance.payment.schedule", "create"] = _create_op(
            "freelance.payment.schedule",
            {
                "name": "Upfront",
                "company_id": cls.company.id,
                "installment_ids": [Command.create({"percent": 100.0})],
            },
        )
        ops["freelance.payment.schedule", "write name"] = _write_op(
            "freelance.payment.schedule", cls.schedule_50_25_25, {"name": "Thirds"}
        )
        ops["freelance.payment.schedule", "write company_id"] = _write_op(
            "freelance.payment.schedule",
            cls.schedule_50_25_25,
            {"company_id": cls.company_b.id},
        )
        ops["freelance.payment.schedule", "unlink"] = _unlink_op(
            "freelance.payment.schedule", cls.schedule_30_70
        )
        ops["freelance.payment.schedule.installment", "create"] = _create_op(
            "freelance.payment.schedule.installment",
            {"schedule_id": cls.schedule_50_25_25.id, "percent": 10.0},
        )
        ops["freelance.payment.schedule.installment", "write percent"] = _write_op(
            "freelance.payment.schedule.installment", v.schedule_line, {"percent": 5.0}
        )
        ops["freelance.payment.schedule.installment", "unlink"] = _unlink_op(
            "freelance.payment.schedule.installment", v.schedule_line
        )
        # Reference rates
        ops["freelance.reference.rate", "create"] = _create_op(
            "freelance.reference.rate",
            {"date_from": "2000-01-01", "ecb_rate": 1.0, "legal_rate": 1.0},
        )
        ops["freelance.reference.rate", "write ecb_rate"] = _write_op(
            "freelance.reference.rate", cls.rate, {"ecb_rate": 9.0}
        )
        ops["freelance.reference.rate", "unlink"] = _unlink_op(
            "freelance.reference.rate", cls.rate
        )

    @classmethod
    def _wizard_operations(cls, ops, v):
        """The wizards (created, then their button) and the dashboard."""
        # Wizards
        ops["freelance.client.blacklist.wizard", "action_apply"] = _wizard_op(
            "freelance.client.blacklist.wizard",
            {
                "partner_id": cls.client.id,
                "reason": "disputes",
                "note": "Disputes every invoice",
                "company_ids": [Command.set(cls.company.ids)],
            },
            "action_apply",
            lambda self, result, user: self.assertEqual(
                self._blacklist(self.client, self.company),
                (True, "disputes", user),
            ),
            watch=(cls.client, ["client_blacklisted"]),
        )
        ops["freelance.client.blacklist.wizard", "action_apply lift"] = _wizard_op(
            "freelance.client.blacklist.wizard",
            {
                "partner_id": cls.client_b.id,
                "lift": True,
                "lift_reason": "Paid everything",
                "company_ids": [Command.set(cls.company.ids)],
            },
            "action_apply",
            lambda self, result, user: self.assertEqual(
                self._blacklist(self.client_b, self.company),
                (False, False, self.env["res.users"]),
            ),
            watch=(cls.client_b, ["client_blacklisted"]),
        )
        ops["freelance.deposit.waiver.wizard", "action_waive"] = _wizard_op(
            "freelance.deposit.waiver.wizard",
            {"order_ids": [Command.set(cls.quote.ids)], "reason": "Old client"},
            "action_waive",
            lambda self, result, user: self.assertEqual(
                (self.quote.deposit_required, self.quote.deposit_state),
                (False, "not_required"),
            ),
            watch=(cls.quote, ["deposit_required", "deposit_state"]),
        )
        ops["freelance.dunning.pause.wizard", "action_pause"] = _wizard_op(
            "freelance.dunning.pause.wizard",
            {
                "move_ids": [Command.set(cls.inv_a.ids)],
                "reason": "promise",
                "until": v.in_a_month,
            },
            "action_pause",
            lambda self, result, user: self.assertEqual(
                (
                    fields.Date.to_string(self.inv_a.dunning_pause_until),
                    self.inv_a.dunning_pause_reason,
                ),
                (v.in_a_month, "promise"),
            ),
            watch=(cls.inv_a, ["dunning_pause_until", "dunning_pause_reason"]),
        )
        ops["freelance.dunning.run.wizard", "action_send"] = _wizard_op(
            "freelance.dunning.run.wizard",
            {
                "company_id": cls.company.id,
                "partner_ids": [Command.set(cls.client_b.ids)],
            },
            "action_send",
            lambda self, result, user: self.assertTrue(
                self.env["freelance.dunning.reminder"].search(
                    [("partner_id", "=", self.client_b.id), ("user_id", "=", user.id)]
                )
            ),
        )
        ops["freelance.dunning.run.wizard.line", "create"] = _create_op(
            "freelance.dunning.run.wizard.line",
            {"partner_id": cls.client.id, "currency_id": v.currency.id},
        )
        ops["freelance.signed.copy.wizard", "action_record"] = _wizard_op(
            "freelance.signed.copy.wizard",
            {
                "order_id": cls.quote.id,
                "signed_file": "JVBERi0xLjQgc2lnbmVk",
                "signed_by": "Jane Client",
                "signed_on": "2025-06-02",
            },
            "action_record",
            lambda self, result, user: self.assertEqual(
                (self.quote.signed_by, bool(self.quote.signed_copy_id)),
                ("Jane Client", True),
            ),
            watch=(cls.quote, ["signed_by", "signed_copy_id"]),
        )
        ops["freelance.work.gate.override.wizard", "action_open"] = _wizard_op(
            "freelance.work.gate.override.wizard",
            {"order_id": cls.order.id, "reason": "Trusted client"},
            "action_open",
            lambda self, result, user: self.assertEqual(
                (self.order.work_gate_state, self.order.work_gate_override_user_id),
                ("overridden", user),
            ),
            watch=(cls.order, ["work_gate_state", "work_gate_override_user_id"]),
        )
        ops["sale.advance.payment.inv", "create_invoices"] = _wizard_op(
            "sale.advance.payment.inv",
            {
                "sale_order_ids": [Command.set(cls.order.ids)],
                "advance_payment_method": "fixed",
                "fixed_amount": 10.0,
            },
            "create_invoices",
            None,
            watch=(cls.order, ["invoice_ids"]),
        )
        # Dashboard
        ops["freelance.dunning.dashboard", "get_dashboard_data"] = {
            "call": lambda rpc: rpc(
                "freelance.dunning.dashboard", "get_dashboard_data"
            ),
            "effect": lambda self, result, user: self.assertIsInstance(result, dict),
        }
        ops["freelance.dunning.dashboard", "action_open"] = {
            "call": lambda rpc: rpc(
                "freelance.dunning.dashboard", "action_open", "todo", "blacklisted"
            ),
            "effect": lambda self, result, user: self.assertEqual(
                result["res_model"], "res.partner"
            ),
        }

    @classmethod
    def _private_operations(cls, ops, v):
        """Private methods: the RPC layer refuses them."""
        # Private methods
        ops["freelance.dunning.engine", "_run"] = {
            "call": lambda rpc: rpc(
                "freelance.dunning.engine", "_run", cls.company.id, "2025-08-05"
            )
        }
        ops["freelance.dunning.reminder", "_send"] = _method_op(
            "freelance.dunning.reminder", cls.waiting, "_send"
        )
        ops["freelance.dunning.reminder", "_write_history"] = _method_op(
            "freelance.dunning.reminder",
            cls.sent,
            "_write_history",
            {"state": "waiting"},
        )
        ops["sale.order", "_waive_deposit"] = _method_op(
            "sale.order", cls.quote, "_waive_deposit", "Friend"
        )
        ops["sale.order", "_open_work_gate_early"] = _method_op(
            "sale.order", cls.order, "_open_work_gate_early", "Friend"
        )
        ops["sale.order", "_record_signed_copy"] = _method_op(
            "sale.order", cls.quote, "_record_signed_copy", "Me", "2025-06-02", "eA=="
        )
        ops["sale.order", "_suspend_work"] = _method_op(
            "sale.order", cls.order, "_suspend_work", "Because"
        )
        ops["sale.order", "_resume_work"] = _method_op(
            "sale.order", cls.suspended, "_resume_work", "Because"
        )
        ops["res.partner", "_set_client_blacklist"] = _method_op(
            "res.partner", cls.client, "_set_client_blacklist", "other"
        )
        ops["res.partner", "_lift_client_blacklist"] = _method_op(
            "res.partner", cls.client_b, "_lift_client_blacklist", "Because"
        )
        ops["res.partner", "_write_client_blacklist"] = _method_op(
            "res.partner",
            cls.client_b,
            "_write_client_blacklist",
            {"client_blacklisted": False},
            cls.company.id,
        )
        ops["account.move", "_pause_dunning"] = _method_op(
            "account.move", cls.inv_a, "_pause_dunning", "promise", v.in_a_month
        )

    @classmethod
    def _order_operations(cls, ops, v):
        """The deposit and work gate fields of sale.order."""
        # sale.order
        ops["sale.order", "create with deposit waived"] = _create_op(
            "sale.order", {"partner_id": cls.client.id, "deposit_required": False}
        )
        ops["sale.order", "create with gate opened"] = _create_op(
            "sale.order",
            {
                "partner_id": cls.client.id,
                "work_gate_override_date": "2025-06-02 00:00:00",
                "work_gate_override_reason": "Trusted",
            },
        )
        ops["sale.order", "create exempt from the rules"] = _create_op(
            "sale.order",
            {
                "partner_id": cls.client.id,
                "freelance_rules_exemption": "before_install",
            },
        )
        rule_writes = {
            "deposit_required": (cls.quote, False),
            "installment_ids": (cls.quote, [Command.clear()]),
            "deposit_percent": (cls.quote, 0.0),
            "deposit_amount": (cls.quote, 0.0),
            "deposit_amount_paid": (cls.order, cls.order.deposit_amount),
            "deposit_state": (cls.order, "paid"),
            "work_gate_required": (cls.order, False),
            "work_gate_state": (cls.order, "cleared"),
            "work_started_on": (cls.order, "2025-06-02 00:00:00"),
            "signed_copy_id": (cls.quote, cls.attachment.id),
            "signature": (cls.quote, cls.SIGNATURE),
            "work_gate_override_reason": (cls.order, "Trusted"),
            "work_gate_override_user_id": (cls.order, cls.owner.id),
            "work_gate_override_date": (cls.order, "2025-06-02 00:00:00"),
            "work_suspended": (cls.suspended, False),
            "work_suspension_reason": (cls.suspended, False),
            "freelance_rules_exemption": (cls.quote, "before_install"),
        }
        for fname, (order, value) in rule_writes.items():
            ops["sale.order", f"write {fname}"] = _write_op(
                "sale.order",
                order,
                {fname: value},
                fnames=[
                    "deposit_required",
                    "deposit_percent",
                    "deposit_state",
                    "work_gate_state",
                    "work_gate_override_reason",
                    "work_suspended",
                    "signature",
                    "freelance_rules_exemption",
                ],
            )
        ops["sale.order", "write payment_schedule_id higher"] = _write_op(
            "sale.order", cls.quote, {"payment_schedule_id": cls.schedule_100.id}
        )
        ops["sale.order", "write payment_schedule_id lower"] = _write_op(
            "sale.order", cls.quote, {"payment_schedule_id": cls.schedule_30_70.id}
        )
        ops["sale.order", "write prepayment_percent"] = {
            "call": lambda rpc: rpc(
                "sale.order",
                "write",
                cls.quote.ids,
                {"require_payment": True, "prepayment_percent": 0.01},
            ),
            "effect": lambda self, result, user: self.assertGreaterEqual(
                self.quote._get_prepayment_required_amount(),
                self.quote.deposit_amount,
                "the client still pays the deposit online",
            ),
            "watch": (cls.quote, ["prepayment_percent"]),
        }
        ops["sale.order", "read work_gate_override_reason"] = _read_op(
            "sale.order", cls.suspended, "work_gate_override_reason"
        )
        ops["sale.order", "action_register_deposit_payment"] = _method_op(
            "sale.order",
            cls.order,
            "action_register_deposit_payment",
            effect=lambda self, result, user: self.assertEqual(
                result["res_model"], "account.payment.register"
            ),
        )
        ops["sale.order", "action_invoice_next_installment"] = _method_op(
            "sale.order",
            cls.opened,
            "action_invoice_next_installment",
            # the order whose work a manager opened early: its deposit
            # does not hold the next installment
            effect=lambda self, result, user: self.assertTrue(
                self.opened.installment_ids.sorted("sequence")[1].invoice_id
            ),
            watch=(cls.opened, ["invoice_ids"]),
        )
        ops["payment.transaction", "create for a blacklisted client"] = {
            "call": lambda rpc: (
                rpc.user_env["payment.transaction"]
                .sudo()
                .create(
                    {
                        "provider_id": cls.provider.id,
                        "payment_method_id": cls.payment_method_id,
                        "amount": cls.quote_b.amount_total,
                        "currency_id": cls.quote_b.currency_id.id,
                        "partner_id": cls.client_b.id,
                        "reference": f"MX-{rpc.user_env.uid}",
                        "operation": "online_direct",
                        "sale_order_ids": [Command.set(cls.quote_b.ids)],
                    }
                )
            )
        }

    @classmethod
    def _invoice_operations(cls, ops, v):
        """Invoices and their receivable lines."""
        # account.move and its lines
        for fname, value in (
            ("dunning_pause_until", v.in_a_month),
            ("dunning_pause_reason", "disputed"),
            ("dunning_level_id", v.last.id),
            ("dunning_last_date", "2025-08-05"),
            ("dunning_penalty_move_id", cls.paid_b.id),
            ("dunning_penalty_invoice", True),
            ("send_at_once_state", "sent"),
            ("send_at_once_error", "Forged"),
            ("send_at_once_attempts", 99),
            ("send_at_once_retry_at", "2099-01-01 00:00:00"),
        ):
            ops["account.move", f"write {fname}"] = _write_op(
                "account.move", cls.inv_a, {fname: value}
            )
        ops["account.move", "write installment_ids"] = _write_op(
            "account.move",
            cls.paid_b,
            {"installment_ids": [Command.link(v.balance.id)]},
            fnames=["installment_ids"],
        )
        ops["account.move", "write dunning_reminder_line_ids"] = _write_op(
            "account.move",
            cls.inv_a,
            {"dunning_reminder_line_ids": [Command.create(v.history_values)]},
            fnames=["dunning_reminder_line_ids"],
        )
        ops["account.move", "action_open_dunning_pause"] = _method_op(
            "account.move",
            cls.inv_a,
            "action_open_dunning_pause",
            effect=lambda self, result, user: self.assertEqual(
                result["context"]["default_move_ids"], self.inv_a.ids
            ),
        )
        ops["account.move", "action_resend_failed_email"] = _method_op(
            "account.move",
            cls.inv_a,
            "action_resend_failed_email",
            watch=(cls.inv_a, ["send_at_once_state", "send_at_once_attempts"]),
        )
        ops["account.move", "action_dunning_resume"] = {
            "call": lambda rpc: rpc(
                "account.move", "action_dunning_resume", cls.inv_a.ids
            ),
            "effect": lambda self, result, user: self.assertFalse(
                self.inv_a.dunning_pause_until
            ),
            "before": lambda self: self._pause(self.inv_a),
            "watch": (cls.inv_a, ["dunning_pause_until"]),
        }
        ops["account.move.line", "write dunning_level_id"] = _write_op(
            "account.move.line", v.receivable, {"dunning_level_id": v.last.id}
        )
        ops["account.move.line", "write dunning_last_date"] = _write_op(
            "account.move.line", v.receivable, {"dunning_last_date": "2099-01-01"}
        )
        for fname, value in (
            ("dunning_penalty_kind", "interest"),
            ("dunning_penalty_source_move_id", cls.paid_b.id),
            ("dunning_penalty_source_line_id", v.receivable.id),
            ("dunning_penalty_date_to", "2099-01-01"),
        ):
            ops["account.move.line", f"write {fname}"] = _write_op(
                "account.move.line", cls.inv_a.invoice_line_ids, {fname: value}
            )
        ops["account.move.line", "write is_offered"] = _write_op(
            "account.move.line",
            cls.inv_a.invoice_line_ids,
            {"is_offered": True},
            fnames=["is_offered", "discount"],
        )

    @classmethod
    def _partner_company_operations(cls, ops, v):
        """Clients and companies."""
        # res.partner
        ops["res.partner", "create blacklisted"] = _create_op(
            "res.partner",
            {
                "name": "Fake Ltd",
                "is_company": True,
                "client_blacklisted": True,
                "client_blacklist_reason": "other",
            },
        )
        blacklist_writes = {
            "client_blacklisted": (cls.client, True),
            "client_blacklisted off": (cls.client_b, False),
            "client_blacklist_reason": (cls.client_b, "scope"),
            "client_blacklist_note": (cls.client_b, "Forged"),
            "client_blacklist_date": (cls.client_b, "2020-01-01"),
            "client_blacklist_user_id": (cls.client_b, cls.owner.id),
        }
        for label, (partner, value) in blacklist_writes.items():
            fname = label.split()[0]
            ops["res.partner", f"write {label}"] = _write_op(
                "res.partner",
                partner,
                {fname: value},
                fnames=["client_blacklisted", "client_blacklist_note"],
            )
        other_company = cls._create_client("Holding Group")
        ops["res.partner", "write parent_id of a blacklisted client"] = _write_op(
            "res.partner",
            cls.client_b,
            {"parent_id": other_company.id, "is_company": False},
            fnames=["parent_id", "client_blacklisted"],
        )
        ops["res.partner", "write deposit_policy exempt"] = _write_op(
            "res.partner", cls.client, {"deposit_policy": "exempt"}
        )
        ops["res.partner", "write client_status consumer"] = _write_op(
            "res.partner", cls.client, {"client_status": "consumer"}
        )
        ops["res.partner", "write client_status_decided"] = _write_op(
            "res.partner", cls.client, {"client_status_decided": True}
        )
        ops["res.partner", "create client_status_decided"] = _create_op(
            "res.partner",
            {
                "name": "Sole Trader",
                "vat": "FR40303265045",
                "client_status_decided": True,
            },
            effect=lambda self, result, user: self.assertEqual(
                self.env["res.partner"]
                .browse(result)
                .read(["client_status", "client_status_decided"])[0],
                {
                    "id": result,
                    "client_status": "professional",
                    "client_status_decided": True,
                },
            ),
        )
        ops["res.partner", "write deposit_policy exempt in company A"] = {
            "call": lambda rpc: rpc(
                "res.partner",
                "write",
                cls.client.ids,
                {"deposit_policy": "exempt"},
                context={"allowed_company_ids": cls.company.ids},
            ),
            "effect": lambda self, result, user: self.assertEqual(
                self.client.with_company(self.company).deposit_policy, "exempt"
            ),
            "watch": (cls.client, ["deposit_policy"]),
        }
        ops["res.partner", "write payment_schedule_id lower"] = _write_op(
            "res.partner",
            cls.client,
            {
                "deposit_policy": "schedule",
                "payment_schedule_id": cls.schedule_30_70.id,
            },
        )
        ops["res.partner", "read client_blacklist_note"] = _read_op(
            "res.partner", cls.client_b, "client_blacklist_note"
        )
        ops["res.partner", "read client_blacklist_reason"] = _read_op(
            "res.partner", cls.client_b, "client_blacklist_reason"
        )
        ops["res.partner", "action_open_client_blacklist"] = _method_op(
            "res.partner",
            cls.client_b,
            "action_open_client_blacklist",
            effect=lambda self, result, user: self.assertEqual(
                result["res_model"], "freelance.client.blacklist.wizard"
            ),
        )
        ops["res.partner", "action_view_dunning_history"] = _method_op(
            "res.partner",
            cls.client_b,
            "action_view_dunning_history",
            effect=lambda self, result, user: self.assertEqual(
                result["domain"], [("partner_id", "=", self.client_b.id)]
            ),
        )
        ops["res.partner", "action_invoice_late_payment_penalties"] = _method_op(
            "res.partner",
            cls.client,
            "action_invoice_late_payment_penalties",
            watch=(cls.client, ["invoice_ids"]),
        )
        # res.company
        for fname, value in (
            ("deposit_required", False),
            ("work_gate_required", False),
            ("blacklist_policy", "full_upfront"),
            ("blacklist_proposal_level_id", cls.levels_b[0].id),
            ("blacklist_proposal_count", 99),
            ("invoice_send_at_once", False),
            ("deposit_percent", 0.0),
            ("payment_schedule_id", cls.schedule_30_70.id),
            ("late_interest_margin", 0.0),
            ("contractual_interest_rate", 50.0),
            ("recovery_indemnity_amount", 0.0),
            ("suspend_work_on_nonpayment", False),
            ("dunning_interest_account_id", v.revenue.id),
            ("dunning_indemnity_account_id", v.revenue.id),
            ("dunning_responsible_id", cls.roles["dunning_manager"].id),
        ):
            ops["res.company", f"write {fname}"] = _write_op(
                "res.company", cls.company, {fname: value}
            )
        ops["res.config.settings", "create"] = _create_op(
            "res.config.settings", {"deposit_percent": 0.0}
        )
        ops["res.company", "write nightly_reminders"] = {
            **_write_op("res.company", cls.company, {"nightly_reminders": True}),
            "before": lambda self: self._switch_off_nightly_reminders(),
        }
        ops["res.company", "write payment_reminders_by"] = _write_op(
            "res.company", cls.company, {"payment_reminders_by": "account_followup"}
        )
        ops["freelance.dunning.run.wizard", "action_switch_on_nightly_reminders"] = {
            **_wizard_op(
                "freelance.dunning.run.wizard",
                {"company_id": cls.company.id},
                "action_switch_on_nightly_reminders",
                lambda self, result, user: self.assertTrue(
                    self.company.nightly_reminders
                ),
                watch=(cls.company, ["nightly_reminders"]),
            ),
            "before": lambda self: self._switch_off_nightly_reminders(),
        }

    @classmethod
    def _computed_operations(cls, ops, v):
        """Fields computed and not stored: a write keeps the computed value."""
        forged = {
            "work_gate_reason": "Forged",
            "partner_blacklisted": False,
            "partner_blacklist_reason": False,
            "payment_term_warning": False,
            "amount_offered": 0.0,
            "has_installment_to_invoice": False,
            "deposit_invoice_ids": [Command.clear()],
            "dunning_next_date": "2099-01-01",
            "client_blacklist_proposed": False,
            "dunning_level_id": False,
            "dunning_amount_overdue": 0.0,
            "dunning_days_late": 0,
            "dunning_event_count": 0,
        }
        for fname in SALE_ORDER_COMPUTED:
            ops["sale.order", f"write {fname} (computed)"] = _computed_op(
                "sale.order", cls.quote_b, fname, forged[fname]
            )
        for fname in ACCOUNT_MOVE_COMPUTED:
            ops["account.move", f"write {fname} (computed)"] = _computed_op(
                "account.move", cls.inv_sent, fname, forged[fname]
            )
        for fname in PARTNER_COMPUTED:
            ops["res.partner", f"write {fname} (computed)"] = _computed_op(
                "res.partner", cls.client_b, fname, forged[fname]
            )

        def _method_op(model, records, name, *args):
            return _method_op(model, records, name, *args)

    # ------------------------------------------------------------------
    # Checks
    # ------------------------------------------------------------------

    def _blacklist(self, partner, company):
        partner = partner.sudo().with_company(company)
        partner.invalidate_recordset()
        return (
            partner.client_blacklisted,
            partner.client_blacklist_reason,
            partner.client_blacklist_user_id,
        )

    def _pause(self, invoice):
        invoice._pause_dunning(
            "promise", fields.Date.today() + timedelta(days=10), "Fixture"
        )

    def _assert_written(self, records, vals, company):
        records = records.sudo().with_company(company)
        records.invalidate_recordset()
        for fname, value in vals.items():
            field = records._fields[fname]
            if field.type in ("one2many", "many2many"):
                continue
            expected = field.convert_to_cache(value, records[:1], validate=False)
            for record in records:
                self.assertEqual(
                    field.convert_to_cache(record[fname], record, validate=False)
                    if field.type != "many2one"
                    else record[fname].id,
                    expected,
                    f"{fname} written",
                )

    def _watched(self, operation):
        watch = operation.get("watch")
        if not watch:
            return None
        records, fnames = watch
        records = records.sudo()
        records.invalidate_recordset()
        return [
            records.with_company(company).read(fnames)
            for company in (self.company, self.company_b)
        ]

    def _switch_off_nightly_reminders(self):
        """Company A's nightly reminders off, as at install."""
        self.company.sudo().nightly_reminders = False

    def _play(self, role, key):
        """Play one cell as ``role``: return its outcome (OK or the exception
        class). A refused call is undone as over RPC; then its records,
        re-read as superuser, and every row of the watched tables must be as
        before. An allowed call's effect is checked, then undone too: every
        cell starts from the same data."""
        user = self.roles[role]
        operation = self.operations[key]
        expected = MATRIX[key][ROLES.index(role)]

        def rpc(model, method, *args, **kwargs):
            return self._rpc(user, model, method, *args, **kwargs)

        rpc.user_env = api.Environment(self.env.cr, user.id, {})
        cell = self.env.cr.savepoint()
        try:
            if operation.get("before"):
                operation["before"](self)
                self.env.flush_all()
            before = self._watched(operation)
            before_db = self._database_state()
            call = self.env.cr.savepoint()
            try:
                result = operation["call"](rpc)
                self.env.flush_all()
            except (AccessError, UserError) as error:
                outcome = type(error)
                self.assertTrue(str(error), "a refusal says why")
            else:
                outcome = OK
                self.env.invalidate_all()
                if expected is OK and operation.get("effect"):
                    operation["effect"](self, result, user)
            finally:
                call.close(rollback=True)
            self.env.invalidate_all()
            self.assertEqual(self._watched(operation), before, "unchanged")
            self.assertEqual(self._database_state(), before_db, "nothing changed")
        finally:
            cell.close(rollback=True)
            self.env.invalidate_all()
        return outcome

    # ------------------------------------------------------------------
    # The test
    # ------------------------------------------------------------------

    def test_rpc_refuses_private_names(self):
        """What the matrix's private rows rely on: Odoo's RPC entry point
        refuses any name starting with an underscore."""
        for name in ("_waive_deposit", "_run", "_write_client_blacklist"):
            with self.subTest(name=name), self.assertRaises(AccessError):
                check_method_name(name)
        check_method_name("action_validate")
        with self.assertRaisesRegex(AccessError, r"^Private methods \(such as"):
            get_public_method(self.env["sale.order"], "_open_work_gate_early")
        self.assertTrue(get_public_method(self.env["sale.order"], "write"))

    def test_holes_found_by_the_matrix(self):
        """The refusals added for the holes the matrix found, word for word."""
        manager = self.roles["dunning_manager"]
        # A penalty invoice linked by hand would stop the level issuing one.
        with self.assertRaisesText(
            AccessError,
            "The penalty invoice of an invoice is issued and linked by its "
            "payment reminders only: it cannot be written by hand.",
        ):
            self.inv_a.with_user(manager).dunning_penalty_move_id = self.paid_b
        self.assertFalse(self.inv_a.dunning_penalty_move_id)
        # A schedule's installment added or deleted on its own.
        Installment = self.env["freelance.payment.schedule.installment"]
        milestone = self.schedule_50_25_25.installment_ids.filtered(
            lambda i: i.trigger == "milestone"
        )
        total = "The installments of the payment schedule 50/25/25 add up to %s%%; "
        total += "they must add up to exactly 100%%."
        with self.assertRaisesText(ValidationError, total % "110.0"):
            Installment.with_user(manager).create(
                {"schedule_id": self.schedule_50_25_25.id, "percent": 10.0}
            )
        with self.assertRaisesText(ValidationError, total % "75.0"):
            milestone.with_user(manager).unlink()
        self.assertEqual(self.schedule_50_25_25.summary, "50/25/25")
        # Through the schedule, several lines at once stay possible.
        self.schedule_50_25_25.with_user(manager).write(
            {
                "installment_ids": [
                    Command.delete(milestone.id),
                    Command.create({"percent": 25.0, "trigger": "delivery"}),
                ]
            }
        )
        self.assertEqual(
            self.schedule_50_25_25.installment_ids.mapped("trigger"),
            ["signature", "delivery", "delivery"],
        )
        # A client making itself a contact learns nothing of its blacklist.
        with self.assertRaisesText(
            AccessError, "You are not allowed to modify 'Contact'"
        ) as refused:
            self.client_b.with_user(self.portal_b).write(
                {"parent_id": self.client.id, "is_company": False}
            )
        self.assertNotIn("blacklist", str(refused.exception))
        self.assertFalse(self.client_b.parent_id)

    def test_attack_matrix(self):
        self.assertEqual(set(self.operations), set(MATRIX), "every row is played")
        for key, expected_row in MATRIX.items():
            self.assertEqual(len(expected_row), len(ROLES), key)
            if OK in expected_row:
                self.assertTrue(self.operations[key].get("effect"), f"{key}: effect")
            for role, expected in zip(ROLES, expected_row, strict=True):
                with self.subTest(model=key[0], operation=key[1], role=role):
                    outcome = self._play(role, key)
                    type(self).outcomes[outcome] += 1
                    self.assertIs(outcome, expected, f"{role}: {key[1]} on {key[0]}")

    @classmethod
    def tearDownClass(cls):
        """The figures of the closing note: the matrix's size and outcomes."""
        if cls.outcomes:
            models = {model for model, _operation in MATRIX}
            operations = {operation for _model, operation in MATRIX}
            refused = {
                error.__name__: count
                for error, count in cls.outcomes.items()
                if error is not OK
            }
            _logger.info(
                "Attack matrix: %s roles x %s models x %s operations (%s model "
                "operations) = %s cells played: %s allowed, %s refused %s",
                len(ROLES),
                len(models),
                len(operations),
                len(MATRIX),
                sum(cls.outcomes.values()),
                cls.outcomes[OK],
                sum(refused.values()),
                refused,
            )
        super().tearDownClass()
