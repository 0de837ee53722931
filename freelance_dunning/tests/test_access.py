import logging
import re
from datetime import date

from freezegun import freeze_time

from odoo.exceptions import AccessError
from odoo.models import check_method_name
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

_logger = logging.getLogger(__name__)

DUNNING_MODELS = (
    "freelance.dunning.reminder",
    "freelance.dunning.reminder.line",
    "freelance.dunning.run",
    "freelance.dunning.level",
)


def acl_refusal(operation, model):
    """Odoo's refusal by access rights (operation: access, modify, create or
    delete)."""
    return rf"You are not allowed to {operation} '[^']+' \({re.escape(model)}\) records"


def rule_refusal(operation, model):
    """Odoo's refusal by record rules (operation: read, write, ...)."""
    return rf"doesn't have '{operation}' access to:\n- [^\n]* \({re.escape(model)}\)"


@tagged("post_install", "-at_install")
class TestAccess(FreelanceDunningCommon, MockEmail):
    """Who may read, write, run, validate, override and blacklist, for each
    kind of user; company walls through search, read, read_group, exports and
    what RPC may call; reminders that show only the recipient's invoices."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Level = cls.env["freelance.dunning.level"]
        Level._create_default_levels(cls.company)
        cls.other_client = cls._create_client(
            "Northwind", email="ap@northwind.example.com"
        )
        cls.invoice = cls._overdue_invoice(cls.client, cls.company)
        cls.other_invoice = cls._overdue_invoice(cls.other_client, cls.company)
        # Company B, its levels, client, invoice and reminder.
        cls.company_b = cls.setup_other_company(name="Agency B")["company"]
        Level._create_default_levels(cls.company_b)
        cls.client_b = cls._create_client("B's client", email="b@client.example.com")
        cls.invoice_b = cls._overdue_invoice(cls.client_b, cls.company_b)
        engine = cls.env["freelance.dunning.engine"]
        with freeze_time("2025-06-25"):
            cls.messages = engine._run(cls.company, date(2025, 6, 25))
            cls.message_b = engine.with_company(cls.company_b)._run(
                cls.company_b, date(2025, 6, 25)
            )
            cls.dunning_run = cls.env["freelance.dunning.run"].create(
                {"company_id": cls.company.id, "date": "2025-06-25"}
            )
        cls.message = cls.messages.filtered(lambda m: m.partner_id == cls.client)
        cls.portal = cls._create_portal_user("fd_acc_portal", client=cls.client)
        project = cls.env.ref("project.group_project_user", raise_if_not_found=False)
        cls.project_user = cls._create_user(
            "fd_acc_project",
            "base.group_user" + (",project.group_project_user" * bool(project)),
        )
        cls.plain_salesman = cls._create_user(
            "fd_acc_salesman", "sales_team.group_sale_salesman"
        )
        cls.accountant = cls._create_user(
            "fd_acc_accountant", "account.group_account_invoice"
        )
        cls.dunning_user = cls._create_user(
            "fd_acc_dunning", "base.group_user,freelance_dunning.group_dunning_user"
        )
        cls.dunning_manager = cls._create_user(
            "fd_acc_dunning_manager",
            "account.group_account_invoice,freelance_dunning.group_dunning_manager",
        )
        cls.user_b = cls._create_user(
            "fd_acc_company_b",
            "account.group_account_invoice,sales_team.group_sale_manager,"
            "freelance_dunning.group_dunning_manager,base.group_allow_export",
            company=cls.company_b,
        )
        cls.checked = 0

    @classmethod
    def _overdue_invoice(cls, partner, company):
        return cls._create_invoice(
            partner, 700.0, "2025-06-20", company=company, invoice_date="2025-06-01"
        )

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    _who = None

    def _check(self):
        type(self).checked += 1

    def assertDenied(self, call, expected=None):
        """Refused by an AccessError whose message matches ``expected`` (a
        regular expression), and rolled back."""
        try:
            with self.env.cr.savepoint():
                call()
                self.env.flush_all()
        except AccessError as error:
            if expected:
                self.assertRegex(str(error), expected)
            self._check()
        else:
            self.fail(f"allowed for {self._who}")

    # ------------------------------------------------------------------
    # Reading
    # ------------------------------------------------------------------

    def test_who_reads_the_reminders(self):
        company_a = {
            model: self.env[model].search([("company_id", "=", self.company.id)])
            for model in DUNNING_MODELS
        }
        self.assertTrue(all(company_a.values()))
        readers = (
            self.accountant,
            self.dunning_user,
            self.dunning_manager,
        )
        for user in readers:
            for model, records in company_a.items():
                with self.subTest(user=user.login, model=model):
                    self.assertEqual(
                        self.env[model].with_user(user).search([]), records
                    )
                    self._check()
        for user in (self.portal, self.project_user):
            for model in DUNNING_MODELS:
                with self.subTest(user=user.login, model=model):
                    self.assertDenied(
                        lambda u=user, m=model: self.env[m].with_user(u).search([]),
                        acl_refusal("access", model),
                    )
                    self.assertDenied(
                        lambda u=user, m=model: company_a[m].with_user(u).read(["id"]),
                        acl_refusal("access", model),
                    )

    def test_a_salesperson_reads_only_their_clients_reminders(self):
        """Salespeople with "Own Documents Only" read the reminders of their
        clients and of their own or unassigned invoices, as Odoo shows them
        invoices; with "All Documents" they read all the company's."""
        Message = self.env["freelance.dunning.reminder"]
        Event = self.env["freelance.dunning.reminder.line"]
        self.assertTrue(self.message.line_ids)
        others = self.messages - self.message
        self.assertTrue(others, "another client was reminded too")
        self.assertFalse(
            (
                self.messages.line_ids.move_id.invoice_user_id
                | self.messages.partner_id.user_id
            )
            & self.plain_salesman
        )
        salesman = self.plain_salesman
        self._who = salesman.login
        self.assertFalse(Message.with_user(salesman).search([]))
        self.assertFalse(Event.with_user(salesman).search([]))
        self.assertDenied(
            lambda: self.message.with_user(salesman).read(["partner_id"]),
            rule_refusal("read", "freelance.dunning.reminder"),
        )
        self._check()

        self.client.user_id = salesman
        self.assertEqual(Message.with_user(salesman).search([]), self.message)
        self.assertEqual(Event.with_user(salesman).search([]), self.message.line_ids)
        self.assertFalse(
            Message.with_user(salesman).search([("id", "in", others.ids)]),
            "other clients' reminders stay hidden",
        )
        self.assertEqual(
            Message.with_user(salesman).read_group([], ["partner_id"], ["partner_id"])[
                0
            ]["partner_id_count"],
            1,
        )
        self.client.user_id = False

        salesman.groups_id |= self.env.ref("sales_team.group_sale_salesman_all_leads")
        self.assertEqual(
            Message.with_user(salesman).search([("company_id", "=", self.company.id)]),
            Message.search([("company_id", "=", self.company.id)]),
        )
        self._check()

    def test_company_walls(self):
        """A user of company B sees none of company A's reminders, however
        asked, and a forged id is refused."""
        for model in DUNNING_MODELS:
            Model = self.env[model].with_user(self.user_b)
            theirs = self.env[model].search([("company_id", "=", self.company_b.id)])
            ours = self.env[model].search([("company_id", "=", self.company.id)])
            with self.subTest(model=model):
                self.assertEqual(Model.search([]), theirs)
                self.assertEqual(Model.search_count([]), len(theirs))
                groups = Model.read_group([], ["company_id"], ["company_id"])
                self.assertEqual(
                    {g["company_id"][0] for g in groups}, set(theirs.company_id.ids)
                )
                self.assertEqual(
                    len(Model.search([]).export_data(["company_id"])["datas"]),
                    len(theirs),
                )
                self.assertDenied(
                    lambda o=ours, m=Model: o.with_env(m.env).read(["id"]),
                    rule_refusal("read", Model._name),
                )
                self.assertDenied(
                    lambda o=ours, m=Model: o.with_env(m.env).export_data(
                        ["company_id"]
                    ),
                    rule_refusal("read", Model._name),
                )
                type(self).checked += 4
        # Names and ids of company A's clients through the reminders' fields.
        found = (
            self.env["freelance.dunning.reminder.line"]
            .with_user(self.user_b)
            .search([("partner_id", "=", self.client.id)])
        )
        self.assertFalse(found)
        self.assertDenied(
            lambda: self.message.with_user(self.user_b).write({"state": "skipped"}),
            rule_refusal("write", "freelance.dunning.reminder"),
        )
        self.assertDenied(
            lambda: self.message.with_user(self.user_b).action_validate(),
            rule_refusal("read", "freelance.dunning.reminder"),
        )

    def test_other_company_run_changes_nothing(self):
        """Company B's manager asking for company A's run: nothing is sent or
        changed, no sudo() in the engine lets it through."""
        before = self.env["freelance.dunning.reminder"].search_count([])
        with freeze_time("2025-07-10"):
            Wizard = self.env["freelance.dunning.run.wizard"].with_user(self.user_b)
            with self.assertRaisesText(
                AccessError,
                "You can run the payment reminders only of the companies you work in.",
            ):
                Wizard.create(
                    {"company_id": self.company.id, "date": date(2025, 7, 10)}
                )
            # Nor by moving a run of its own company to company A.
            wizard = Wizard.create({"date": date(2025, 7, 10)})
            with self.assertRaisesText(
                AccessError,
                "You can run the payment reminders only of the companies you work in.",
            ):
                wizard.write({"company_id": self.company.id})
        self.assertEqual(
            self.env["freelance.dunning.reminder"].search_count([]), before
        )
        self._check()

    def test_private_engine_methods_are_not_remote(self):
        for name in (
            "_run",
            "_cron_run",
            "_plan",
            "_send",
            "_undo_delivery",
            "_lock_run",
            # The business rules take explicit arguments: never over RPC.
            "_record_signed_copy",
            "_open_work_gate_early",
            "_waive_deposit",
            "_set_client_blacklist",
            "_lift_client_blacklist",
            "_pause_dunning",
            "_resume_dunning",
            "_allow_invoicing_behind_gate",
        ):
            with self.subTest(method=name):
                self.assertDenied(
                    lambda n=name: check_method_name(n),
                    rf"Private methods \(such as {name}\) cannot be called remotely",
                )

    # ------------------------------------------------------------------
    # Writing, running, overriding, blacklisting
    # ------------------------------------------------------------------

    def test_who_configures_the_ladder(self):
        level = self.message.level_id
        for user in (
            self.plain_salesman,
            self.accountant,
            self.dunning_user,
            self.portal,
            self.project_user,
        ):
            with self.subTest(user=user.login):
                self._who = user.login
                self.assertDenied(
                    lambda u=user: level.with_user(u).write({"days": 2}),
                    acl_refusal("modify", "freelance.dunning.level"),
                )
                self.assertDenied(
                    lambda u=user: (
                        self.env["freelance.dunning.level"]
                        .with_user(u)
                        .create({"name": "Mine", "days": 5})
                    ),
                    acl_refusal("create", "freelance.dunning.level"),
                )
                self.assertDenied(
                    lambda u=user: self.dunning_run.with_user(u).unlink(),
                    acl_refusal("delete", "freelance.dunning.run"),
                )
        level.with_user(self.dunning_manager).write({"days": 2})
        self.assertDenied(
            lambda: level.with_user(self.user_b).write({"days": 3}),
            rule_refusal("write", "freelance.dunning.level"),
        )
        self.assertEqual(level.days, 2)

    def test_who_runs_and_validates(self):
        line = self.other_invoice.line_ids.filtered(
            lambda ln: ln.account_type == "asset_receivable"
        )
        firm = self.env["freelance.dunning.level"].search(
            [("company_id", "=", self.company.id), ("name", "=", "Firm reminder")]
        )
        figures = {"days_late": 11, "amount_residual": 700.0, "interest": 0.0}
        waiting = self.env["freelance.dunning.engine"]._create_reminder(
            self.company,
            self.other_client,
            line.currency_id,
            date(2025, 7, 1),
            [(line, firm, {**figures, "indemnity": 0.0})],
        )
        # Running needs the invoices: accounting rights (the dunning group
        # alone, given to salesmen for deposits, does not read journal items).
        Wizard = self.env["freelance.dunning.run.wizard"]
        for user in (self.portal, self.project_user, self.dunning_user):
            with self.subTest(user=user.login), freeze_time("2025-06-25"):
                self._who = user.login
                # The dunning group may open the wizard, not read the invoices.
                self.assertDenied(
                    lambda u=user: (
                        Wizard.with_user(u).create({"date": date(2025, 6, 25)}).line_ids
                    ),
                    acl_refusal("access", "account.move.line")
                    if user == self.dunning_user
                    else acl_refusal("create", "freelance.dunning.run.wizard"),
                )
                if user != self.dunning_user:  # validating is a dunning user's
                    self.assertDenied(
                        lambda u=user: waiting.with_user(u).action_validate(),
                        acl_refusal("access", "freelance.dunning.reminder"),
                    )
                self.assertDenied(
                    lambda u=user: self.invoice.with_user(u)._pause_dunning(
                        "disputed", date(2099, 1, 1)
                    ),
                    # The method checks the group first, then Odoo the invoice.
                    acl_refusal("modify", "account.move")
                    if user == self.dunning_user
                    else r"^Only a dunning user may pause the reminders of an invoice",
                )
        self.assertEqual(waiting.state, "waiting")
        self.assertFalse(self.invoice.dunning_pause_until)
        for user in (self.plain_salesman, self.accountant, self.dunning_manager):
            with self.subTest(user=user.login), freeze_time("2025-06-25"):
                self._who = user.login
                wizard = Wizard.with_user(user).create({"date": date(2025, 6, 25)})
                self.assertFalse(wizard.line_ids, "already reminded today")
                self._check()
        # Validated once the firm level applies (15 days late, 14 days after
        # the friendly reminder of 25 June): validation plans the reminder
        # again for its day.
        with freeze_time("2025-07-09"):
            waiting.with_user(self.accountant).action_validate()
            self._send_in_background()
        self.assertEqual(waiting.state, "sent")
        self._check()

    def test_who_overrides_and_blacklists(self):
        order = self._confirm(self._create_order())
        for user in (
            self.plain_salesman,
            self.accountant,
            self.dunning_user,
            self.portal,
            self.project_user,
        ):
            with self.subTest(user=user.login), mute_logger("odoo.models"):
                self._who = user.login
                self.assertDenied(
                    lambda u=user: (
                        self.env["freelance.work.gate.override.wizard"]
                        .with_user(u)
                        .create({"order_id": order.id, "reason": "Trusted"})
                        .action_open()
                    ),
                    acl_refusal("create", "freelance.work.gate.override.wizard"),
                )
                self.assertDenied(
                    lambda u=user: (
                        self.env["freelance.client.blacklist.wizard"]
                        .with_user(u)
                        .create({"partner_id": self.client.id, "reason": "late_payer"})
                        .action_apply()
                    ),
                    acl_refusal("create", "freelance.client.blacklist.wizard"),
                )
        self.assertDenied(
            lambda: (
                self.env["freelance.work.gate.override.wizard"]
                .with_user(self.user_b)
                .create({"order_id": order.id, "reason": "Trusted"})
                .action_open()
            ),
            # Opening the gate early checks write access to the order.
            rule_refusal("write", "sale.order"),
        )
        self.assertFalse(self.client.client_blacklisted)
        self.env["freelance.client.blacklist.wizard"].with_user(
            self.dunning_manager
        ).create({"partner_id": self.client.id, "reason": "late_payer"}).action_apply()
        self.assertTrue(self.client.client_blacklisted)

    # ------------------------------------------------------------------
    # What a reminder shows
    # ------------------------------------------------------------------

    def test_reminder_shows_only_the_recipients_invoices(self):
        others = self.messages - self.message
        self.assertEqual(len(others), 1)
        for message, mine, theirs in (
            (self.message, self.invoice, self.other_invoice),
            (others, self.other_invoice, self.invoice),
        ):
            body = str(message.mail_message_id.body)
            self.assertIn(f"/my/invoices/{mine.id}?", body)
            self.assertNotIn(f"/my/invoices/{theirs.id}?", body)
            self.assertNotIn(f"/my/invoices/{self.invoice_b.id}?", body)
            self.assertEqual(
                message.mail_message_id.attachment_ids.mapped("name"),
                [f"{mine._get_report_base_filename()}.pdf"],
            )
            self.assertEqual(message.mail_message_id.partner_ids, message.partner_id)
            self._check()
        # The portal user of the client reads the client's reminder only.
        self.assertEqual(
            self.env["mail.message"]
            .with_user(self.portal)
            .search([("id", "in", self.messages.mail_message_id.ids)]),
            self.message.mail_message_id,
            "the client's portal user reads the client's reminder, no other",
        )
        self._check()

    @classmethod
    def tearDownClass(cls):
        _logger.info("access cases checked: %s", cls.checked)
        super().tearDownClass()
