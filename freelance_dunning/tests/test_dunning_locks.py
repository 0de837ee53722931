from datetime import date
from unittest.mock import patch

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import HISTORY, LEVEL_MOVE, REMINDER_WRITE, FreelanceDunningCommon

REMINDER_CREATE = r"^Payment reminders are created by the dunning run only: run the"
REMINDER_UNLINK = r"^A payment reminder sent, failed or skipped is part of the dunning"
LEVEL_REACHED = r"^The reminder level an invoice reached is set by the dunning run"
VALIDATE = r"^Only a dunning user may validate or skip payment reminders\.$"
# Context keys an attacker may try: none of them opens anything.
FORGED_CONTEXT = {
    "freelance_dunning.dunning_history_writing": True,
    "install_mode": True,
    "tracking_disable": True,
}


@tagged("post_install", "-at_install")
class TestDunningLocks(FreelanceDunningCommon, MockEmail):
    """Reminders, their history and the levels reached are the engine's:
    ordinary users (``with_user``, their own context, public methods and
    create/write/unlink only) are refused with nothing changed; the level's
    actions follow the email's delivery."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.invoice = cls._create_invoice(amount=1200.0, due="2025-06-20")
        cls.company_b = cls.setup_other_company(name="Agency B")["company"]
        cls._set_up_ladder(cls.company_b)
        cls.client_b = cls._create_client("B's client", email="b@client.example.com")
        cls.invoice_b = cls._create_invoice(
            cls.client_b, 700.0, "2025-06-20", company=cls.company_b
        )
        cls.dunning_accountant = cls._create_user(
            "fd_lock_dunning",
            "account.group_account_invoice,freelance_dunning.group_dunning_user",
        )
        cls.salesman = cls._create_user(
            "fd_lock_salesman",
            "sales_team.group_sale_salesman,freelance_dunning.group_dunning_user",
        )
        cls.dunning_manager = cls._create_user(
            "fd_lock_manager",
            "account.group_account_invoice,freelance_dunning.group_dunning_manager",
        )

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    def _reached(self, invoice, name, day):
        """Fixture: the invoice reached a level on a day, as the engine writes it."""
        with self._as_dunning_engine():
            self._receivable(invoice).write(
                {"dunning_level_id": self._level(name).id, "dunning_last_date": day}
            )

    def _run(self, day):
        with freeze_time(day):
            return self.engine._run(self.company, date.fromisoformat(day))

    def _pay(self, invoice, amount, day):
        with freeze_time(day):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=invoice.ids
            ).create({"amount": amount, "payment_date": day})._create_payments()

    def _calls(self, partner):
        call = self.env.ref("mail.mail_activity_data_call")
        return partner.activity_ids.filtered(lambda a: a.activity_type_id == call)

    # ------------------------------------------------------------------
    # The attacks of issue 16
    # ------------------------------------------------------------------

    def test_a_user_creates_no_reminder(self):
        """A dunning user inventing a reminder at the last level with 5,000
        of interest, whatever the context: refused, nothing created."""
        Reminder = self.env["freelance.dunning.reminder"]
        last = self.levels[-1]
        line = self._receivable(self.invoice)
        values = {
            "partner_id": self.client.id,
            "company_id": self.company.id,
            "currency_id": line.currency_id.id,
            "date": "2025-06-25",
            "level_id": last.id,
            "state": "waiting",
            "line_ids": [
                Command.create(
                    {
                        "move_line_id": line.id,
                        "company_id": self.company.id,
                        "currency_id": line.currency_id.id,
                        "level_id": last.id,
                        "channel": "email",
                        "date": "2025-06-25",
                        "state": "waiting",
                        "interest": 5000.0,
                        "indemnity": 40.0,
                    }
                )
            ],
        }
        count = Reminder.sudo().search_count([])
        for user in (self.dunning_accountant, self.dunning_manager):
            for context in ({}, FORGED_CONTEXT):
                with self.subTest(user=user.login, context=context):
                    self.assertRefusedUnchanged(
                        lambda u=user, c=context: (
                            Reminder.with_user(u).with_context(**c).create(values)
                        ),
                        line,
                        ["dunning_level_id"],
                        REMINDER_CREATE,
                    )
        self.assertEqual(Reminder.sudo().search_count([]), count)

    def test_a_salesman_silences_no_invoice(self):
        """A history line created by hand (here on another company's invoice)
        or a level reached written on the invoice: refused, the engine still
        reminds both invoices."""
        History = self.env["freelance.dunning.reminder.line"]
        for invoice, company in (
            (self.invoice, self.company),
            (self.invoice_b, self.company_b),
        ):
            line = self._receivable(invoice)
            with self.subTest(invoice=invoice.name):
                self.assertRefusedUnchanged(
                    lambda ln=line, co=company: (
                        History.with_user(self.salesman)
                        .with_context(**FORGED_CONTEXT)
                        .create(
                            {
                                "move_line_id": ln.id,
                                "company_id": co.id,
                                "currency_id": ln.currency_id.id,
                                "level_id": self.engine._get_levels(co)[-1].id,
                                "channel": "email",
                                "date": "2025-06-25",
                                "state": "sent",
                            }
                        )
                    ),
                    line,
                    ["dunning_level_id"],
                    HISTORY,
                )
        line = self._receivable(self.invoice)
        for user in (self.dunning_accountant, self.dunning_manager):
            with self.subTest(user=user.login):
                self.assertRefusedUnchanged(
                    lambda u=user: line.with_user(u).write(
                        {"dunning_level_id": self.levels[-1].id}
                    ),
                    line,
                    ["dunning_level_id", "dunning_last_date"],
                    LEVEL_REACHED,
                )
                self.assertRefusedUnchanged(
                    lambda u=user: line.with_user(u).write(
                        {"dunning_last_date": "2099-01-01"}
                    ),
                    line,
                    ["dunning_level_id", "dunning_last_date"],
                    LEVEL_REACHED,
                )
        self.assertFalse(History.sudo().search([("move_line_id", "=", line.id)]))
        for invoice, company in (
            (self.invoice, self.company),
            (self.invoice_b, self.company_b),
        ):
            plan = self.engine.with_company(company)._plan(company, date(2025, 6, 25))
            planned = [ln for items in plan.values() for ln, _lv, _f in items]
            self.assertIn(self._receivable(invoice), planned, "still reminded")

    def test_a_sent_reminder_is_history(self):
        """Written back to waiting, its interest or state changed, deleted, its
        history rewritten: refused, nothing sent again."""
        reminder = self._run("2025-06-21")
        self.assertEqual(reminder.state, "sent")
        history = reminder.line_ids
        fnames = ["state", "level_id", "date", "interest", "mail_message_id"]
        for user in (self.dunning_accountant, self.dunning_manager):
            for values in (
                {"state": "waiting"},
                {"state": "failed"},
                {"interest": 5000.0},
                {"level_id": self.levels[-1].id},
            ):
                with self.subTest(user=user.login, values=values):
                    self.assertRefusedUnchanged(
                        lambda u=user, v=values: (
                            reminder.with_user(u)
                            .with_context(**FORGED_CONTEXT)
                            .write(v)
                        ),
                        reminder,
                        fnames,
                        REMINDER_WRITE,
                    )
                    self.assertRefusedUnchanged(
                        lambda u=user, v=values: history.with_user(u).write(v),
                        history,
                        ["state", "level_id", "interest"],
                        HISTORY,
                    )
        self.assertRefusedUnchanged(
            lambda: reminder.with_user(self.dunning_manager).unlink(),
            reminder,
            fnames,
            REMINDER_UNLINK,
        )
        self.assertRefusedUnchanged(
            lambda: history.with_user(self.dunning_manager).unlink(),
            history,
            ["state"],
            HISTORY,
        )
        self.assertRaisesRegex(
            UserError,
            r"^These reminders are not waiting for validation\.$",
            reminder.with_user(self.dunning_accountant).action_validate,
        )
        self.assertFalse(self._run("2025-06-21"), "nothing sent twice")
        self.assertEqual(reminder.state, "sent")

    def test_validation_is_a_dunning_users_and_plans_again(self):
        """Only a dunning user validates; what leaves is what the engine plans
        on the day of the validation, not what the reminder held."""
        self._reached(self.invoice, "Suspension notice", "2025-07-20")
        notice = self._run("2025-08-04")
        self.assertEqual(notice.level_id, self._level("Formal notice"))
        self.assertEqual(notice.state, "waiting")
        # Every group that reads reminders is a dunning user's; an access
        # right given to employees by hand does not make them validators.
        self.env["ir.model.access"].create(
            {
                "name": "employees edit reminders",
                "model_id": self.env["ir.model"]._get_id("freelance.dunning.reminder"),
                "group_id": self.env.ref("base.group_user").id,
                "perm_read": True,
                "perm_write": True,
            }
        )
        employee = self._create_user("fd_lock_employee", "base.group_user")
        for method in ("action_validate", "action_skip"):
            with self.subTest(method=method):
                self.assertRefusedUnchanged(
                    lambda m=method: getattr(notice.with_user(employee), m)(),
                    notice,
                    ["state", "date", "amount_total"],
                    VALIDATE,
                )
        self._pay(self.invoice, 700.0, "2025-08-05")
        with freeze_time("2025-08-06"):
            action = notice.with_user(self.dunning_accountant).action_validate()
            self.assertEqual(action["params"]["type"], "info")
            self.assertEqual(notice.state, "queued")
            self._send_in_background()
        self.assertEqual(notice.state, "sent")
        self.assertEqual(notice.date, date(2025, 8, 6), "planned again today")
        self.assertEqual(notice.user_id, self.dunning_accountant)
        self.assertAlmostEqual(notice.amount_residual, 500.0)
        line = self._receivable(self.invoice)
        plan = self.engine._plan(self.company, date(2025, 8, 6), lines=line)
        self.assertFalse(plan, "sent: nothing left to plan today")
        _interest, indemnity = self.engine._compute_penalties(
            line, self._level("Formal notice"), date(2025, 8, 6)
        )
        self.assertEqual(notice.line_ids.mapped("days_late")[0], 47)
        self.assertAlmostEqual(notice.indemnity, indemnity)
        self.assertEqual(line.dunning_level_id, self._level("Formal notice"))

    def test_validation_after_another_tool_was_chosen_skips_it(self):
        """A notice prepared by this addon, validated after the company chose
        another reminder tool: skipped, and the reason says so."""
        self._reached(self.invoice, "Suspension notice", "2025-07-20")
        notice = self._run("2025-08-04")
        self.env["ir.module.module"].create(
            {"name": "account_followup", "state": "installed", "shortdesc": "Follow-up"}
        )
        self.company.sudo().payment_reminders_by = "account_followup"
        with freeze_time("2025-08-06"):
            action = notice.with_user(self.dunning_accountant).action_validate()
        self.assertEqual(notice.state, "skipped")
        self.assertEqual(
            notice.error,
            f"{notice.display_name} was skipped: {self.company.name} reminds its "
            "clients with Odoo follow-up reports (account_followup): this addon "
            "sends them no payment reminder. To change, choose this addon in "
            "Settings, Sales, Payment Reminders By.",
        )
        self.assertFalse(notice.mail_message_id, "nothing sent")
        self.assertEqual(action["params"]["message"], notice.error)

    def test_validation_of_a_paid_reminder_skips_it(self):
        self._reached(self.invoice, "Suspension notice", "2025-07-20")
        notice = self._run("2025-08-04")
        self._pay(self.invoice, 1200.0, "2025-08-05")
        with freeze_time("2025-08-06"):
            action = notice.with_user(self.dunning_accountant).action_validate()
        self.assertEqual(notice.state, "skipped")
        self.assertRegex(notice.error, r"was skipped: its invoices are paid, paused")
        self.assertEqual(set(notice.line_ids.mapped("state")), {"skipped"})
        self.assertFalse(notice.mail_message_id, "nothing sent")
        self.assertEqual(action["params"]["message"], notice.error)
        self.assertEqual(
            self._receivable(self.invoice).dunning_level_id,
            self._level("Suspension notice"),
        )

    def test_a_level_stays_in_its_company(self):
        level = self.levels[0]
        for user in (self.dunning_manager, self.env.user):
            with self.subTest(user=user.login):
                self.assertRefusedUnchanged(
                    lambda u=user: level.with_user(u).write(
                        {"company_id": self.company_b.id}
                    ),
                    level,
                    ["company_id"],
                    LEVEL_MOVE,
                )
        level.with_user(self.dunning_manager).write(
            {"company_id": self.company.id, "days": -4}
        )
        self.assertEqual(level.days, -4, "the same company is no move")

    # ------------------------------------------------------------------
    # Level actions after delivery
    # ------------------------------------------------------------------

    def test_mail_server_down_no_action_until_delivery(self):
        """Suspension notice while the mail server is down: no suspension, no
        call, until the email leaves; the retry runs them once, and a bounce
        found by the next run undoes them before its retry runs them again."""
        order = self._confirm(self._create_order())
        self._run("2025-06-21")
        self._run("2025-07-05")
        self._deliver_reminder_emails("2025-07-05")
        self.assertEqual(
            self._receivable(self.invoice).dunning_level_id,
            self._level("Firm reminder"),
        )
        suspension = self._level("Suspension notice")
        reminder = self._run("2025-07-20")
        self.assertEqual(reminder.level_id, suspension)
        self.assertEqual(reminder.state, "sent")
        self.assertNotEqual(order.work_gate_state, "suspended", "not told yet")
        self.assertFalse(self._calls(self.client))
        with patch("smtplib.SMTP", side_effect=ConnectionRefusedError("refused")):
            self.env["mail.mail"].process_email_queue()
        self.assertEqual(reminder.state, "failed")
        self.assertFalse(reminder.actions_done)
        self.assertNotEqual(order.work_gate_state, "suspended")
        self.assertFalse(self._calls(self.client))
        self.assertEqual(
            self._receivable(self.invoice).dunning_level_id,
            self._level("Firm reminder"),
        )
        retry = self._run("2025-07-21")
        self.assertEqual(retry.level_id, suspension)
        self.assertNotEqual(order.work_gate_state, "suspended")
        self._deliver_reminder_emails("2025-07-21")
        self.assertTrue(retry.actions_done)
        self.assertEqual(order.work_gate_state, "suspended")
        self.assertEqual(len(self._calls(self.client)), 1)
        # The email bounces after it left: the next run undoes the level's
        # actions and sends it again; its delivery runs them once more.
        retry.mail_message_id.notification_ids.sudo().write(
            {"notification_status": "bounce"}
        )
        again = self._run("2025-07-22")
        self.assertEqual(retry.state, "failed")
        self.assertEqual(again.level_id, suspension)
        self._deliver_reminder_emails("2025-07-22")
        self.assertEqual(again.state, "sent")
        self.assertEqual(len(self._calls(self.client)), 1, "no second call")
        self.assertEqual(order.work_gate_state, "suspended")
