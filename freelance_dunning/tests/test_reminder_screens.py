from datetime import date

from freezegun import freeze_time

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import html2plaintext, html_sanitize

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon


class ReminderScreensCommon(FreelanceDunningCommon):
    """A client whose friendly reminder waits for the accountant's validation."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.friendly = cls.levels.filtered(lambda lv: lv.name == "Friendly reminder")
        cls.friendly.needs_validation = True
        cls.accountant = cls._create_user(
            "fd_screens_accountant",
            "account.group_account_manager,freelance_dunning.group_dunning_user",
        )
        # An employee who is neither in sales nor in accounting: no dunning user.
        cls.employee = cls._create_user("fd_screens_employee", "base.group_user")

    def _invoice(self, amount=1200.0, due="2025-06-20", partner=None):
        return self._create_invoice(
            partner, amount, due, currency_id=self.eur.id, invoice_date="2025-06-01"
        )

    def _run(self, day):
        with freeze_time(day):
            return self.engine._run(self.company, date.fromisoformat(day))


@tagged("post_install", "-at_install")
class TestReminderScreens(ReminderScreensCommon, MockEmail):
    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    def test_preview_is_the_email_sent(self):
        invoice = self._invoice()
        reminder = self._run("2025-06-21")
        self.assertEqual(reminder.state, "waiting")
        self.assertTrue(invoice.access_token, "the preview's pay link has its token")
        with freeze_time("2025-06-21"):
            preview = reminder.with_user(self.accountant)
            subject = preview.preview_subject
            body = str(preview.preview_body)
            self.assertEqual(
                subject,
                f"{self.company.name}: Friendly reminder (1,200.00\N{NO-BREAK SPACE}€)",
            )
            self.assertIn("slipped through the cracks", body)
            self.assertIn(f"/my/invoices/{invoice.id}?access_token=", body)
            self.assertFalse(preview.sent_body, "nothing sent yet")
            preview.action_validate()
            # Validate and Send queues it; the scheduled action sends it.
            self.assertEqual(reminder.state, "queued")
            self._send_in_background()
        self.assertEqual(reminder.state, "sent")
        message = reminder.mail_message_id
        self.assertEqual(str(message.body), html_sanitize(body, sanitize_style=True))
        mail = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )
        self.assertEqual(mail.subject, subject)
        self.assertIn("slipped through the cracks", str(mail.body_html))
        # Once sent: the email as posted, no preview any more.
        self.assertEqual(reminder.sent_subject, subject)
        self.assertEqual(reminder.sent_body, message.body)
        self.assertFalse(reminder.preview_body)

    def test_preview_in_the_clients_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        self.client.lang = "fr_FR"
        self._invoice()
        reminder = self._run("2025-06-21")
        with freeze_time("2025-06-21"):
            self.assertEqual(
                reminder.preview_subject, reminder._render_email()["subject"]
            )
            self.assertEqual(
                reminder.preview_subject,
                f"{self.company.name}\N{NO-BREAK SPACE}: Relance amicale "
                "(1\N{NO-BREAK SPACE}200,00\N{NO-BREAK SPACE}€)",
            )

    def test_letter_button_opens_the_unstored_letter(self):
        self.friendly.channel_letter = True
        self._invoice()
        reminder = self._run("2025-06-21")
        self.assertTrue(reminder.has_letter)
        action = reminder.with_user(self.accountant).action_preview_letter()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertEqual(
            action["url"],
            f"/report/pdf/freelance_dunning.report_dunning_letter/{reminder.id}"
            "?context=%7B%22report_pdf_no_attachment%22%3A+true%7D",
        )
        self.assertFalse(reminder.letter_id, "the preview stores no letter")
        with self.assertRaises(AccessError):
            reminder.with_user(self.employee).action_preview_letter()

    def test_skip_keeps_levels_and_records_who_and_when(self):
        invoice = self._invoice()
        reminder = self._run("2025-06-21")
        line = invoice.line_ids.filtered(
            lambda ln: ln.account_type == "asset_receivable"
        )
        with freeze_time("2025-06-21 10:30:00"):
            reminder.with_user(self.accountant).action_skip()
        self.assertEqual(reminder.state, "skipped")
        self.assertEqual(reminder.skipped_user_id, self.accountant)
        self.assertEqual(
            reminder.skipped_date, fields.Datetime.to_datetime("2025-06-21 10:30:00")
        )
        self.assertFalse(line.dunning_level_id, "the invoice stays at its level")
        self.assertFalse(reminder.mail_message_id)
        self.assertFalse(
            self.env["mail.mail"]
            .sudo()
            .search([("recipient_ids", "in", self.client.ids)])
        )
        with self.assertRaises(AccessError):
            reminder.with_user(self.accountant).write({"skipped_user_id": False})

    def test_postpone_client_is_honoured_by_the_engine(self):
        first = self._invoice(1200.0)
        second = self._invoice(300.0, due="2025-06-18")
        reminder = self._run("2025-06-21")
        self.assertEqual(reminder.line_ids.move_id, first | second)
        with freeze_time("2025-06-21"):
            wizard = (
                self.env["freelance.dunning.postpone.wizard"]
                .with_user(self.accountant)
                .with_context(**reminder.action_open_client_postpone()["context"])
                .create({"until": "2025-07-10", "note": "Paying on the 10th"})
            )
            wizard.action_postpone()
        self.assertEqual(
            self.client.with_company(self.company).dunning_postpone_until,
            date(2025, 7, 10),
        )
        self.assertEqual(reminder.state, "skipped")
        self.assertEqual(
            reminder.error,
            f"{reminder.display_name} was skipped: the client's reminders are "
            "postponed until 2025-07-10.",
        )
        self.assertFalse(self._run("2025-06-25"), "postponed: no reminder")
        self.assertFalse(self._run("2025-07-10"), "the last day of the postponement")
        self.assertEqual(first.dunning_next_date, date(2025, 7, 11))
        resumed = self._run("2025-07-11")
        self.assertEqual(resumed.line_ids.move_id, first | second)
        notes = self.client.message_ids.filtered(
            lambda m: "postponed until" in str(m.body)
        )
        self.assertEqual(
            notes.mapped(lambda m: html2plaintext(m.body)),
            [
                f"Reminders of {self.company.name} postponed until 2025-07-10 by "
                f"{self.accountant.name}. Paying on the 10th"
            ],
        )

    def test_postpone_refused_without_the_right(self):
        self._invoice()
        with freeze_time("2025-06-21"):
            for user in (self.employee, self.env.ref("base.public_user")):
                with self.assertRaises(AccessError):
                    self.client.with_user(user)._postpone_dunning("2025-07-10")
            with self.assertRaises(AccessError):
                self.client.with_user(self.accountant).write(
                    {"dunning_postpone_until": "2025-07-10"}
                )
            with self.assertRaises(AccessError):
                self.client.sudo().write({"dunning_postpone_until": "2025-07-10"})
            with self.assertRaises(AccessError):
                self.env["res.partner"].with_context(
                    default_dunning_postpone_until="2025-07-10"
                ).create({"name": "Forged"})
            with self.assertRaisesRegex(UserError, "end date in the future"):
                self.client.with_user(self.accountant)._postpone_dunning("2025-06-21")
        self.assertFalse(self.client.with_company(self.company).dunning_postpone_until)
        self.assertTrue(self._run("2025-06-21"), "the client is reminded")

    def test_postpone_is_per_company(self):
        other = self.env["res.company"].create({"name": "Other agency"})
        with freeze_time("2025-06-21"):
            self.client._postpone_dunning("2025-07-10", company=other)
        self.assertEqual(
            self.client.with_company(other).dunning_postpone_until, date(2025, 7, 10)
        )
        self.assertFalse(self.client.with_company(self.company).dunning_postpone_until)
        self._invoice()
        self.assertTrue(self._run("2025-06-21"))

    def test_dropdown_flags_blacklisted_clients_with_the_key_only(self):
        self.client._set_client_blacklist("late_payer")
        Partner = self.env["res.partner"].with_user(self.manager)
        plain = dict(Partner.name_search("Brightside"))
        self.assertEqual(plain[self.client.id], "Brightside Coaching")
        flagged = dict(
            Partner.with_context(freelance_flag_blacklisted=True).name_search(
                "Brightside"
            )
        )
        self.assertEqual(flagged[self.client.id], "Brightside Coaching (blacklisted)")
        other = self._create_client("Clean Client")
        self.assertEqual(
            other.with_context(freelance_flag_blacklisted=True).display_name,
            "Clean Client",
        )
        self.assertEqual(self.client.display_name, "Brightside Coaching")

    def test_banner_names_the_company_policy(self):
        order = self._create_order()
        self.client._set_client_blacklist("late_payer")
        order.invalidate_recordset()
        self.assertEqual(
            order.partner_blacklist_policy,
            "Company policy: Refuse new business. No quotation can be saved for "
            "this client.",
        )
        self.company.blacklist_policy = "full_upfront"
        order.invalidate_recordset()
        self.assertEqual(
            order.partner_blacklist_policy,
            "Company policy: Only with 100% upfront. Its quotations need a deposit "
            "of the full amount, paid upfront.",
        )


@tagged("post_install", "-at_install", "fd_http")
class TestReminderScreensTours(ReminderScreensCommon, HttpCase):
    """The accountant in a real browser: the email previewed, validated and
    sent; then read again from the client's chatter."""

    def test_preview_validate_send_and_read_from_the_chatter(self):
        today = fields.Date.today()
        invoice = self._create_invoice(
            None,
            1200.0,
            fields.Date.subtract(today, days=2),
            invoice_line_ids=[Command.create({"product_id": self.service.id})],
        )
        reminder = self.engine._run(self.company, today)
        self.assertEqual(reminder.state, "waiting")
        self.start_tour(
            f"/odoo/action-freelance_dunning.freelance_dunning_reminder_action_waiting/{reminder.id}",
            "freelance_dunning_reminder_preview_send",
            login=self.accountant.login,
        )
        self.assertEqual(reminder.state, "queued")
        self._send_in_background()
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(reminder.user_id, self.accountant)
        self.assertEqual(invoice.dunning_level_id, self.friendly)
        self.start_tour(
            f"/odoo/action-base.action_partner_form/{self.client.id}",
            "freelance_dunning_reminder_from_chatter",
            login=self.accountant.login,
        )
