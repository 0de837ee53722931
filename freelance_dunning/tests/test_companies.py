from datetime import date

from freezegun import freeze_time

from odoo import Command
from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.freelance_dunning.models.account_move_line import LEVEL_WRITE_KEY
from odoo.addons.freelance_dunning.models.addon_writes import (
    DUNNING_HISTORY_WRITING,
    addon_writing,
)

from .common import LEVEL_MOVE, FreelanceDunningCommon


def foreign(fname):
    """Odoo's refusal of a link to another company's record (check_company)
    in the field ``fname``."""
    return (
        r"^Incompatible companies on records:\n- .*company “[^”]+” and "
        rf"“[^”]+” \({fname}: .*\) belongs to another company\.$"
    )


REMINDER_MOVE = (
    r"^A payment reminder stays in the company that sent it, with its history: "
    r"run the reminders of the other company instead\.$"
)
HISTORY_MOVE = (
    r"^The dunning history stays in the company of its invoices: it cannot move "
    r"to another company\.$"
)
RUN_MOVE = r"^A reminder run records one company's day: it cannot move to another"
SCHEDULE_MOVE = (
    r"^The payment schedule 30/70 is used by quotations, clients or the "
    r"company's settings: it cannot move to another company\. Create a schedule "
    r"in the other company instead\.$"
)
ORDER_MOVE = (
    r"already has installment invoices in its company: it cannot move to another "
    r"company\. Cancel it and create the quotation in the other company instead\.$"
)


@tagged("post_install", "-at_install")
class TestCompaniesApart(FreelanceDunningCommon):
    """A record of company A never points to a record of company B, and a
    record something depends on stays in its company: refused with Odoo's or
    the addon's message, nothing changed, whoever calls (the engine's own
    writes included)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder()
        cls.company_b = cls.setup_other_company(name="Agency B")["company"]
        cls.levels_b = cls._set_up_ladder(cls.company_b)
        cls.invoice = cls._create_invoice(amount=1200.0, due="2025-06-20")
        cls.invoice_b = cls._create_invoice(
            amount=700.0, due="2025-06-20", company=cls.company_b
        )
        cls.schedule_b = cls._create_schedule(
            "B 100%", [(100, "signature")], company=cls.company_b
        )

    def _run(self, day, company=None):
        company = company or self.company
        with freeze_time(day):
            return self.engine.with_company(company)._run(
                company, date.fromisoformat(day)
            )

    # ------------------------------------------------------------------
    # Links across companies
    # ------------------------------------------------------------------

    def test_history_never_points_to_another_company(self):
        """Even the engine's own writes: a reminder line of A on B's invoice
        or at B's level, a reminder of A at B's level, B's line at A's level."""
        reminder = self._run("2025-06-21")
        self.assertEqual(reminder.company_id, self.company)
        history = reminder.line_ids
        self.assertTrue(history)
        History = self.env["freelance.dunning.reminder.line"]
        count = History.search_count([])
        line_b = self._receivable(self.invoice_b)
        values = {
            "reminder_id": reminder.id,
            "move_line_id": self._receivable(self.invoice).id,
            "company_id": self.company.id,
            "currency_id": self.invoice.currency_id.id,
            "level_id": self.levels[0].id,
            "channel": "letter",
            "date": "2025-06-21",
            "state": "skipped",
        }
        with self._as_dunning_engine():
            for wrong in (
                {"move_line_id": line_b.id},
                {"level_id": self.levels_b[0].id},
                {"partner_id": self._create_client("B's own", self.company_b).id},
            ):
                # Alone, and in a batch with a right one (checked per
                # company, freelance_company_bound_mixin.check_company_batched).
                for batch in ([{**values, **wrong}], [values, {**values, **wrong}]):
                    with self.subTest(wrong=wrong, batch=len(batch)):
                        with (
                            self.assertRaisesRegex(
                                UserError, foreign(next(iter(wrong)))
                            ),
                            self.env.cr.savepoint(),
                        ):
                            History.create(batch)
                        self.assertEqual(History.search_count([]), count)
            self.assertRefusedUnchanged(
                lambda: reminder.write({"level_id": self.levels_b[-1].id}),
                reminder,
                ["level_id"],
                foreign("level_id"),
            )
            self.assertRefusedUnchanged(
                lambda: history.write({"level_id": self.levels_b[-1].id}),
                history,
                ["level_id"],
                foreign("level_id"),
            )
            self.assertRefusedUnchanged(
                lambda: line_b.write({"dunning_level_id": self.levels[-1].id}),
                line_b,
                ["dunning_level_id"],
                foreign("dunning_level_id"),
            )
            # Written on several lines at once, as the run does: checked per
            # company, refused the same.
            lines = (self._receivable(self.invoice) | line_b).with_context(
                **{LEVEL_WRITE_KEY: True}
            )
            self.assertRefusedUnchanged(
                lambda: lines.write({"dunning_level_id": self.levels[-1].id}),
                lines,
                ["dunning_level_id"],
                foreign("dunning_level_id"),
            )
            # Each with its own company's records, A's and B's in one batch.
            both = History.create(
                [
                    values,
                    {
                        **values,
                        "reminder_id": False,
                        "move_line_id": line_b.id,
                        "company_id": self.company_b.id,
                        "level_id": self.levels_b[0].id,
                    },
                ]
            )
            self.assertEqual(both.company_id, self.company | self.company_b)
            self.assertEqual(History.search_count([]), count + 2)

    def test_installment_never_bills_another_companys_invoice(self):
        order = self._confirm(self._create_order())
        deposit = order.installment_ids.filtered("is_deposit")
        self.assertTrue(deposit.invoice_id)
        with order._writing_installments():
            self.assertRefusedUnchanged(
                lambda: deposit.write({"invoice_id": self.invoice_b.id}),
                deposit,
                ["invoice_id", "state"],
                foreign("invoice_id"),
            )

    def test_schedules_and_levels_stay_with_their_company(self):
        """A's order, A's settings and A's client never use B's schedule or
        level."""
        order = self._create_order()
        self.assertRefusedUnchanged(
            lambda: order.write({"payment_schedule_id": self.schedule_b.id}),
            order,
            ["payment_schedule_id"],
            foreign("payment_schedule_id"),
        )
        for fname, value in (
            ("payment_schedule_id", self.schedule_b),
            ("blacklist_proposal_level_id", self.levels_b[-1]),
        ):
            with self.subTest(fname=fname):
                self.assertRefusedUnchanged(
                    lambda f=fname, v=value: self.company.write({f: v.id}),
                    self.company,
                    [fname],
                    foreign(fname),
                )
        self.company.write(
            {
                "payment_schedule_id": self.schedule_30_70.id,
                "blacklist_proposal_level_id": self.levels[-1].id,
            }
        )
        self.assertEqual(self.company.payment_schedule_id, self.schedule_30_70)
        self.assertRefusedUnchanged(
            lambda: self.client.with_company(self.company).write(
                {"payment_schedule_id": self.schedule_b.id}
            ),
            self.client.with_company(self.company),
            ["payment_schedule_id"],
            foreign("payment_schedule_id"),
        )

    def test_wizards_stay_in_their_company(self):
        """The run preview of one company never takes another's clients."""
        client_b = self._create_client("B's own", self.company_b)
        with self.assertRaisesRegex(UserError, foreign("partner_ids")):
            self.env["freelance.dunning.run.wizard"].create(
                {
                    "company_id": self.company.id,
                    "partner_ids": [Command.set(client_b.ids)],
                }
            )

    # ------------------------------------------------------------------
    # Moving a record to another company
    # ------------------------------------------------------------------

    def test_used_schedule_stays_in_its_company(self):
        """A schedule used by a quotation cannot move; an unused one can."""
        spare = self._create_schedule(
            "Spare 40/60", [(40, "signature"), (60, "date", 30)]
        )
        spare.write({"company_id": self.company_b.id})
        self.assertEqual(spare.company_id, self.company_b)
        self.assertEqual(spare.installment_ids.company_id, self.company_b)
        self._create_order(payment_schedule_id=self.schedule_30_70.id)
        for user in (self.manager, self.env.user):
            with self.subTest(user=user.login):
                self.assertRefusedUnchanged(
                    lambda u=user: self.schedule_30_70.with_user(u).write(
                        {"company_id": self.company_b.id}
                    ),
                    self.schedule_30_70,
                    ["company_id"],
                    SCHEDULE_MOVE,
                )
        self.assertEqual(self.schedule_30_70.installment_ids.company_id, self.company)

    def test_schedule_of_a_client_or_company_stays(self):
        for holder in ("client", "company"):
            with self.subTest(holder=holder), self.env.cr.savepoint() as savepoint:
                if holder == "client":
                    self.client.with_company(self.company).write(
                        {
                            "deposit_policy": "schedule",
                            "payment_schedule_id": self.schedule_30_70.id,
                        }
                    )
                else:
                    self.company.payment_schedule_id = self.schedule_30_70
                self.assertRefusedUnchanged(
                    lambda: self.schedule_30_70.write(
                        {"company_id": self.company_b.id}
                    ),
                    self.schedule_30_70,
                    ["company_id"],
                    SCHEDULE_MOVE,
                )
                savepoint.rollback()

    def test_history_and_runs_stay_in_their_company(self):
        """Reminders, their history and the runs: never moved, even by the
        engine's own writes or a dunning manager."""
        reminder = self._run("2025-06-21")
        run = self.env["freelance.dunning.run"].create(
            {"company_id": self.company.id, "date": "2025-06-22"}
        )
        with self._as_dunning_engine():
            self.assertRefusedUnchanged(
                lambda: reminder.write({"company_id": self.company_b.id}),
                reminder,
                ["company_id"],
                REMINDER_MOVE,
            )
            self.assertRefusedUnchanged(
                lambda: reminder.line_ids.write({"company_id": self.company_b.id}),
                reminder.line_ids,
                ["company_id"],
                HISTORY_MOVE,
            )
        self.assertRefusedUnchanged(
            lambda: run.with_user(self.manager).write(
                {"company_id": self.company_b.id}
            ),
            run,
            ["company_id"],
            RUN_MOVE,
        )
        level = self.levels[0]
        self.assertRefusedUnchanged(
            lambda: level.with_user(self.manager).write(
                {"company_id": self.company_b.id}
            ),
            level,
            ["company_id"],
            LEVEL_MOVE,
        )
        run.write({"company_id": self.company.id, "reminder_count": 3})
        self.assertEqual(run.reminder_count, 3, "the same company is no move")

    def test_invoiced_order_stays_in_its_company(self):
        """An order whose deposit was invoiced keeps its company: its
        installments would bill another company's invoice."""
        order = self._confirm(self._create_order())
        self.assertTrue(order.installment_ids.invoice_id)
        self.assertRefusedUnchanged(
            lambda: order.write({"company_id": self.company_b.id}),
            order,
            ["company_id"],
            rf"^{order.name} {ORDER_MOVE}",
        )
        self.assertEqual(order.installment_ids.company_id, self.company)

    def test_penalty_invoice_of_the_same_company(self):
        """Even the reminder that links a penalty invoice (the only writer of
        the field) cannot link one of another company."""
        draft = self._create_invoice(amount=100.0, due="2025-06-20", post=False)

        def link_as_the_reminder():
            with addon_writing(self.env, DUNNING_HISTORY_WRITING):
                draft.write({"dunning_penalty_move_id": self.invoice_b.id})

        self.assertRefusedUnchanged(
            link_as_the_reminder,
            draft,
            ["dunning_penalty_move_id"],
            foreign("dunning_penalty_move_id"),
        )

    def test_a_suspension_level_suspends_its_own_companys_orders(self):
        """A level of company A suspends the client's orders in A only: its
        orders in company B are B's business."""
        order = self._confirm(self._create_order())
        order_b = self._confirm(self._create_order(company=self.company_b))
        self.assertEqual(order_b.company_id, self.company_b)
        reminder = self._run("2025-06-21")
        suspension = self.levels.filtered("suspend_work")
        reminder.sudo()._dunning_action_suspend_work(suspension)
        self.assertTrue(order.work_suspended)
        self.assertFalse(order_b.work_suspended)
        self.assertEqual(reminder.suspended_order_ids, order)
