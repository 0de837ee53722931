"""Who reminds the clients: the nightly reminders are switched on from the
preview of the run, and no invoice is chased by this addon and another
reminder tool at once.

Odoo's follow-ups (Enterprise ``account_followup``) are not available here:
they are detected by their module name, like in a database where they are
installed, so the tests record that module as installed. OCA's credit-control
addons, installed for real, are tested in tests_system/test_reminder_tools.py.
"""

from contextlib import contextmanager
from datetime import date

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.models import check_method_name
from odoo.tests import HttpCase, tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

SWITCH_ON_FROM_PREVIEW = (
    "Switch the nightly payment reminders on from their preview (Settings, Sales, "
    "Nightly Payment Reminders, Preview and Switch On): it shows what the next run "
    "sends to each client."
)
FOLLOWUP = "Odoo follow-up reports (account_followup)"


@tagged("post_install", "-at_install")
class TestReminderTools(FreelanceDunningCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["freelance.dunning.level"]._create_default_levels(cls.company)
        cls.company.nightly_reminders = False
        cls.other_client = cls._create_client("Second Client", email="two@example.com")
        cls.accountant = cls._create_user(
            "fd_accountant",
            "account.group_account_invoice,freelance_dunning.group_dunning_user",
        )
        # A dunning manager who also administers the settings and companies.
        cls.admin_manager = cls._create_user(
            "fd_admin_manager",
            "base.group_system,base.group_erp_manager,account.group_account_invoice,"
            "freelance_dunning.group_dunning_manager",
        )
        cls.engine = cls.env["freelance.dunning.engine"].with_context(
            ir_cron_progress_id=False
        )
        cls.reminders = cls.env["freelance.dunning.reminder"]

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    @contextmanager
    def assertRaisesText(self, exception, text):
        """The exception, with exactly this message (and the call rolled back)."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertEqual(str(catcher.exception), text)

    def _install_followup(self):
        """Odoo's follow-ups, as a database where they are installed shows them."""
        return self.env["ir.module.module"].create(
            {"name": "account_followup", "state": "installed", "shortdesc": "Follow-up"}
        )

    def _company_reminders(self):
        return self.reminders.search([("company_id", "=", self.company.id)])

    def _preview(self, user=None, **values):
        wizard = self.env["freelance.dunning.run.wizard"]
        return wizard.with_user(user or self.manager).create(
            {"company_id": self.company.id} | values
        )

    # ------------------------------------------------------------------
    # Switching the nightly reminders on
    # ------------------------------------------------------------------

    def test_switch_on_only_from_the_preview(self):
        """A dunning manager cannot switch the nightly reminders on by a write,
        through the company or the settings: only from the preview."""
        company = self.company.with_user(self.admin_manager)
        with self.assertRaisesText(UserError, SWITCH_ON_FROM_PREVIEW):
            company.write({"nightly_reminders": True})
        settings = self.env["res.config.settings"].with_user(self.admin_manager)
        settings = settings.with_company(self.company)
        with self.assertRaisesText(UserError, SWITCH_ON_FROM_PREVIEW):
            settings.create({"nightly_reminders": True}).execute()
        self.assertFalse(self.company.nightly_reminders, "nothing changed")

    def test_switch_on_from_the_preview(self):
        """The preview lists each client's reminders of today; switching on
        from it makes the night send exactly those."""
        late = self._create_invoice(amount=100.0, due="2025-06-01")
        other_late = self._create_invoice(self.other_client, 250.0, due="2025-06-05")
        self._create_invoice(amount=80.0, due="2025-06-30")  # not due yet
        with freeze_time("2025-06-20"):
            self.engine._cron_run()
            self.assertFalse(self._company_reminders(), "off: the night sends nothing")
            wizard = self._preview()
            self.assertEqual(wizard.reminder_count, 2)
            self.assertEqual(
                {(line.partner_id, line.move_id) for line in wizard.line_ids},
                {(self.client, late), (self.other_client, other_late)},
            )
            action = wizard.action_switch_on_nightly_reminders()
            self.assertTrue(self.company.nightly_reminders)
            self.assertEqual(
                action["params"]["message"],
                f"Nightly payment reminders are on for {self.company.name}: "
                "tonight's run sends the 2 reminders of the preview, and those of "
                "invoices falling due by then.",
            )
            self.engine._cron_run()
        sent = self._company_reminders()
        self.assertEqual(
            {(reminder.partner_id, reminder.line_ids.move_id) for reminder in sent},
            {(self.client, late), (self.other_client, other_late)},
            "the night sent what the preview showed",
        )
        with self.assertRaisesText(
            UserError,
            f"The nightly payment reminders of {self.company.name} are already on.",
        ):
            wizard.action_switch_on_nightly_reminders()
        # Off again by a write, as the settings' checkbox does.
        self.company.with_user(self.admin_manager).nightly_reminders = False
        self.assertFalse(self.company.nightly_reminders)

    def test_switch_on_refused(self):
        """Only a dunning manager, only from today's preview of every client."""
        with freeze_time("2025-06-20"):
            message = (
                "Only a dunning manager may switch on emailing invoices at once or "
                "the nightly payment reminders."
            )
            with self.assertRaisesText(AccessError, message):
                self._preview(self.accountant).action_switch_on_nightly_reminders()
            message = (
                "Switch the nightly reminders on from the preview of today's run for "
                "every client: set the date to today and remove the clients."
            )
            for values in (
                {"date": "2025-06-19"},
                {"date": "2025-06-25"},
                {"partner_ids": [self.client.id]},
            ):
                with self.subTest(values=values):
                    with self.assertRaisesText(UserError, message):
                        self._preview(**values).action_switch_on_nightly_reminders()
        self.assertFalse(self.company.nightly_reminders, "nothing changed")

    def test_switch_on_not_through_the_context_or_superuser_flags(self):
        """No context key opens the door: the switch is recorded on the cursor
        by the preview's method only."""
        company = self.company.with_user(self.admin_manager).with_context(
            switch_on_nightly_reminders=True,
            freelance_dunning_nightly_reminders_switch_on=[self.company.id],
        )
        with self.assertRaisesText(UserError, SWITCH_ON_FROM_PREVIEW):
            company.write({"nightly_reminders": True})
        self.assertFalse(self.company.nightly_reminders)
        # The method that switches them on is not callable over RPC.
        with self.assertRaisesText(
            AccessError,
            "Private methods (such as _switch_on_nightly_reminders) cannot be "
            "called remotely.",
        ):
            check_method_name("_switch_on_nightly_reminders")

    # ------------------------------------------------------------------
    # Another reminder tool installed
    # ------------------------------------------------------------------

    def test_no_other_tool(self):
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertFalse(settings.other_reminder_tools)
        self.assertFalse(self.company.payment_reminders_by)
        self.assertTrue(self.company._reminders_by_this_addon())
        self.assertFalse(self._preview().other_tool_notice)

    def test_other_tool_installed_nobody_chosen(self):
        """Until the company chooses, this addon reminds none of its clients:
        not at night, not by hand, and it cannot be switched on."""
        self.company._switch_on_nightly_reminders()
        self._create_invoice(amount=100.0, due="2025-06-01")
        self._install_followup()
        settings = self.env["res.config.settings"].with_company(self.company).create({})
        self.assertEqual(settings.other_reminder_tools, FOLLOWUP)
        notice = (
            f"{FOLLOWUP} also sends payment reminders: choose in Settings, Sales, "
            "Payment Reminders By which tool reminds the clients of "
            f"{self.company.name}. Until then, this addon sends them none."
        )
        with freeze_time("2025-06-20"):
            self.engine._cron_run()
            self.assertFalse(self._company_reminders())
            wizard = self._preview()
            self.assertEqual(wizard.other_tool_notice, notice)
            self.assertFalse(wizard.line_ids)
            with self.assertRaisesText(UserError, "Nothing to send on this date."):
                wizard.action_send()
            self.assertFalse(
                self.engine._run(self.company, date(2025, 6, 20), user=self.manager)
            )
            self.company.nightly_reminders = False
            with self.assertRaisesText(UserError, notice):
                self._preview().action_switch_on_nightly_reminders()
        self.assertFalse(self._company_reminders())
        self.assertFalse(self.company.nightly_reminders)

    def test_other_tool_chosen(self):
        """A company that chose the other tool is not reminded by this addon;
        once it chooses this addon, it is."""
        self.company._switch_on_nightly_reminders()
        invoice = self._create_invoice(amount=100.0, due="2025-06-01")
        self._install_followup()
        self.company.with_user(
            self.admin_manager
        ).payment_reminders_by = "account_followup"
        with freeze_time("2025-06-20"):
            self.engine._cron_run()
            self.assertFalse(self._company_reminders())
            self.assertEqual(
                self._preview().other_tool_notice,
                f"{self.company.name} reminds its clients with {FOLLOWUP}: this addon "
                "sends them no payment reminder. To change, choose this addon in "
                "Settings, Sales, Payment Reminders By.",
            )
            self.company.with_user(
                self.admin_manager
            ).payment_reminders_by = "freelance_dunning"
            self.assertFalse(self._preview().other_tool_notice)
            self.engine._cron_run()
        self.assertEqual(self._company_reminders().line_ids.move_id, invoice)

    def test_choose_a_tool_refused(self):
        """The tool is a dunning manager's choice, and must be installed."""
        self._install_followup()
        admin = self._create_user(
            "fd_admin_not_dunning_manager",
            "base.group_system,account.group_account_invoice",
        )
        message = (
            "Only a dunning manager may choose the tool that sends the payment "
            "reminders."
        )
        for tool in ("freelance_dunning", "account_followup"):
            with self.subTest(tool=tool):
                with self.assertRaisesText(AccessError, message):
                    self.company.with_user(admin).payment_reminders_by = tool
                settings = self.env["res.config.settings"].with_user(admin)
                with self.assertRaisesText(AccessError, message):
                    settings.with_company(self.company).create(
                        {"payment_reminders_by": tool}
                    ).execute()
        with self.assertRaisesText(
            ValidationError,
            "OCA Account Credit Control (account_credit_control) is not installed: "
            "choose this addon or an installed tool to send the payment reminders.",
        ):
            self.company.with_user(
                self.admin_manager
            ).payment_reminders_by = "account_credit_control"
        self.assertFalse(self.company.payment_reminders_by, "nothing changed")


@tagged("post_install", "-at_install", "fd_http")
class TestSwitchOnTour(FreelanceDunningCommon, HttpCase):
    """A dunning manager switches the nightly reminders on in a real browser."""

    def test_switch_on_from_the_settings_preview(self):
        self.env["freelance.dunning.level"]._create_default_levels(self.company)
        # Saving the settings (as any button there does) must not trip over
        # Odoo's test taxes: the test company has cash-basis ones.
        self.company.write({"invoice_send_at_once": False, "nightly_reminders": False})
        self.company.tax_exigibility = True
        manager = self._create_user(
            "fd_tour_admin_manager",
            "base.group_system,base.group_erp_manager,account.group_account_manager,"
            "sales_team.group_sale_manager,freelance_dunning.group_dunning_manager",
        )
        self._create_invoice(due=fields.Date.subtract(fields.Date.today(), days=1))
        self.start_tour(
            "/odoo/action-sale.action_sale_config_settings",
            "freelance_dunning_switch_on_nightly",
            login=manager.login,
        )
        self.assertTrue(self.company.nightly_reminders)
