from odoo.exceptions import AccessError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestPaymentSchedule(FreelanceDunningCommon):
    def test_company_defaults(self):
        company = self.env["res.company"].create({"name": "Fresh freelancer"})
        self.assertTrue(company.deposit_required)
        self.assertEqual(company.deposit_percent, 50.0)
        self.assertEqual(company.late_interest_margin, 10.0)
        self.assertEqual(company.recovery_indemnity_amount, 40.0)
        self.assertFalse(company.invoice_send_at_once, "nothing emailed by itself")
        self.assertFalse(company.nightly_reminders)

    def test_only_a_dunning_manager_switches_client_emails_on(self):
        """Emailing invoices at once and the nightly reminders are switched on
        by a dunning manager only: not by an administrator who is none, through
        the company or the settings."""
        company = self.env["res.company"].create({"name": "Fresh freelancer"})
        admin = self._create_user(
            "fd_admin_not_dunning_manager",
            "base.group_system,sales_team.group_sale_salesman",
            company=company,
        )
        self.assertFalse(admin.has_group("freelance_dunning.group_dunning_manager"))
        message = (
            "Only a dunning manager may switch on emailing invoices at once or the "
            "nightly payment reminders."
        )
        for fname in ("invoice_send_at_once", "nightly_reminders"):
            with self.subTest(fname=fname):
                with self.assertRaisesRegex(AccessError, f"^{message}$"):
                    company.with_user(admin).write({fname: True})
                with self.assertRaisesRegex(AccessError, f"^{message}$"):
                    self.env["res.config.settings"].with_user(admin).with_company(
                        company
                    ).create({fname: True}).execute()
                with self.assertRaisesRegex(AccessError, f"^{message}$"):
                    self.env["res.company"].with_user(admin).create(
                        {"name": "Other", fname: True}
                    )
                self.assertFalse(company[fname], "nothing changed")
                company.with_user(admin).write({fname: False})  # off: anyone
        self.env["res.config.settings"].with_company(company).create(
            {"invoice_send_at_once": True}
        ).execute()
        # The nightly reminders from their preview (tests/test_reminder_tools.py).
        company._switch_on_nightly_reminders()
        self.assertTrue(company.invoice_send_at_once and company.nightly_reminders)

    def test_settings_percent_out_of_range(self):
        for percent in (-1, 100.5, 150):
            with (
                self.subTest(percent=percent),
                self.assertRaisesText(
                    ValidationError,
                    f"Default Deposit (%) must be between 0 and 100, not {percent}.",
                ),
            ):
                self.env["res.config.settings"].create(
                    {"deposit_percent": percent}
                ).execute()
        self.assertEqual(self.company.deposit_percent, 50.0, "nothing changed")

    def test_settings_saved(self):
        self.env["res.config.settings"].create(
            {"deposit_percent": 40, "payment_schedule_id": self.schedule_30_70.id}
        ).execute()
        self.assertEqual(self.company.deposit_percent, 40)
        self.assertEqual(self.company.payment_schedule_id, self.schedule_30_70)

    def test_schedule_computed_fields(self):
        self.assertEqual(self.schedule_50_25_25.deposit_percent, 50)
        self.assertEqual(self.schedule_50_25_25.summary, "50/25/25")
        self.assertEqual(self.schedule_100.deposit_percent, 100)

    def test_schedule_must_add_up_to_100(self):
        with self.assertRaisesText(ValidationError, "add up to 90"):
            self._create_schedule("Bad", [(50, "signature"), (40, "delivery")])
        with self.assertRaisesText(ValidationError, "add up to 110"):
            self.schedule_50_25_25.installment_ids[-1].percent = 35

    def test_installments_edited_through_their_schedule(self):
        """Edited together on the schedule, checked once; alone, always checked."""
        schedule = self.schedule_50_25_25
        first, second, _third = schedule.installment_ids.sorted("sequence")
        schedule.write(
            {
                "installment_ids": [
                    Command.update(first.id, {"percent": 40}),
                    Command.update(second.id, {"percent": 35}),
                ]
            }
        )
        self.assertEqual(schedule.summary, "40/35/25")
        with self.assertRaisesText(ValidationError, "add up to 110"):
            first.with_context(freelance_schedule_write=True).percent = 50
        self.assertEqual(first.percent, 40, "the old context key grants nothing")

    def test_schedule_without_installments(self):
        with self.assertRaisesText(ValidationError, "no installment"):
            self.env["freelance.payment.schedule"].create({"name": "Empty"})
        with self.assertRaisesText(ValidationError, "no installment"):
            self.schedule_100.installment_ids = [Command.clear()]

    def test_installment_percent_range(self):
        for percent in (0, -10, 120):
            with (
                self.subTest(percent=percent),
                self.assertRaisesText(
                    ValidationError,
                    f"Percentage must be above 0 and at most 100, not {percent}.",
                ),
            ):
                self._create_schedule(
                    "Bad", [(percent, "signature"), (100 - percent, "delivery")]
                )

    def test_date_installment_needs_days(self):
        with self.assertRaisesText(ValidationError, "days"):
            self._create_schedule("Dated", [(50, "signature"), (50, "date")])
        schedule = self._create_schedule("Dated", [(50, "signature"), (50, "date", 30)])
        self.assertEqual(schedule.installment_ids[-1].days_after_signature, 30)

    def test_schedule_edited_through_form(self):
        """50/50 becomes 50/25/25 in one save: checked once, on the result."""
        schedule = self._create_schedule("Two", [(50, "signature"), (50, "delivery")])
        with Form(schedule) as form:
            with form.installment_ids.edit(1) as line:
                line.percent = 25
            with form.installment_ids.new() as line:
                line.percent = 25
                line.trigger = "milestone"
                line.sequence = 5
        self.assertEqual(
            sorted(schedule.installment_ids.mapped("percent")), [25, 25, 50]
        )
