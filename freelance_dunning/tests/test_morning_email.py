from datetime import date, datetime

from freezegun import freeze_time
from lxml import html

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.freelance_dunning.models.addon_writes import (
    DUNNING_HISTORY_WRITING,
    addon_writing,
)

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestMorningEmail(FreelanceDunningCommon):
    """Each morning, from the company's hour in its time zone, its dunning
    users get one email listing what the next nightly run will send."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.company.partner_id.tz = "Europe/Paris"
        cls.company.dunning_morning_email_hour = 8
        cls.other = cls._create_client(
            "Northwind Studio", email="billing@northwind.example.com", lang="en_US"
        )
        cls.invoice = cls._create_invoice(
            amount=1200.0, due="2025-06-20", invoice_date="2025-06-20"
        )
        # Sent the suspension notice: the formal notice, due on 21 June, waits
        # for a validation.
        cls.old_invoice = cls._create_invoice(
            partner=cls.other, amount=500.0, due="2025-05-07", invoice_date="2025-05-07"
        )
        with addon_writing(cls.env, DUNNING_HISTORY_WRITING):
            cls.old_invoice.line_ids.filtered("date_maturity").write(
                {
                    "dunning_level_id": cls.levels.filtered(
                        lambda level: level.name == "Suspension notice"
                    ).id,
                    "dunning_last_date": "2025-06-06",
                }
            )
        # The nightly run's next call: 22 June, 01:00 UTC.
        cls.env.ref("freelance_dunning.ir_cron_dunning_run").sudo().nextcall = datetime(
            2025, 6, 22, 1, 0
        )
        cls.morning = cls.env["freelance.dunning.morning.email"]
        cls.employee = cls._create_user(
            "fd_employee", "base.group_user", email="employee@example.com"
        )

    def _cron(self, when):
        before = self.env["mail.mail"].sudo().search([]).ids
        with freeze_time(when):
            self.morning._cron_send()
        return self.env["mail.mail"].sudo().search([("id", "not in", before)])

    def test_sent_once_at_the_company_hour(self):
        # 07:59 in Paris: not yet.
        self.assertFalse(self._cron("2025-06-21 05:59:00"))
        self.assertFalse(self.company.dunning_morning_email_date)

        mails = self._cron("2025-06-21 06:00:00")
        self.assertEqual(self.company.dunning_morning_email_date, date(2025, 6, 21))
        # One email to each dunning user (salespeople are), none to others.
        dunning_users = (self.env.user | self.manager | self.salesman).filtered("email")
        self.assertEqual(mails.recipient_ids, dunning_users.partner_id)
        self.assertEqual(len(mails), len(dunning_users))
        self.assertNotIn(self.employee.partner_id, mails.recipient_ids)
        mail = mails.filtered(lambda m: m.recipient_ids == self.manager.partner_id)
        self.assertEqual(
            mail.subject,
            f"{self.company.name}: 2 payment reminders to send on 06/22/2025",
        )
        body = html.fromstring(mail.body_html)
        lines = [" ".join(p.text_content().split()) for p in body.iter("p", "li")]
        self.assertEqual(
            lines,
            [
                f"The next nightly run of {self.company.name} (06/22/2025) will "
                "send these payment reminders:",
                "Brightside Coaching: Friendly reminder, $ 1,200.00, by email, "
                "sent without validation (postpone this client)",
                "Northwind Studio: Formal notice, $ 548.29, by email and letter, "
                "awaiting your validation (postpone this client)",
                "Open the run preview",
                "Payment reminders (those awaiting your validation wait there "
                "after the run, to validate or skip)",
            ],
        )
        # The amount is the run preview's: what is due, interest, indemnity.
        preview = self.env["freelance.dunning.run.wizard"].create(
            {"date": "2025-06-22"}
        )
        northwind = preview.line_ids.filtered(lambda p: p.partner_id == self.other)
        self.assertAlmostEqual(
            sum(northwind.mapped("amount_residual"))
            + sum(northwind.mapped("interest"))
            + sum(northwind.mapped("indemnity")),
            548.29,
        )
        self.assertIn(
            f"/odoo/res.partner/{self.client.id}"
            "/action-freelance_dunning.freelance_dunning_postpone_wizard_action",
            mail.body_html,
        )
        self.assertIn(
            "/odoo/action-freelance_dunning.freelance_dunning_run_wizard_action",
            mail.body_html,
        )

        # Later the same day, or a second worker: nothing more.
        self.assertFalse(self._cron("2025-06-21 07:00:00"))
        self.assertFalse(self._cron("2025-06-21 21:59:00"))

    def test_nothing_when_the_run_sends_nothing(self):
        self._pay_invoice(self.invoice)
        self._pay_invoice(self.old_invoice)
        self.assertFalse(self._cron("2025-06-21 06:00:00"))
        # The day is done all the same: not computed again every hour.
        self.assertEqual(self.company.dunning_morning_email_date, date(2025, 6, 21))

    def test_nothing_without_nightly_reminders(self):
        self.company.dunning_morning_email = False
        self.assertFalse(self._cron("2025-06-21 06:00:00"))
        self.company.dunning_morning_email = True
        self.company.nightly_reminders = False
        self.assertFalse(self._cron("2025-06-21 06:00:00"))
        self.assertFalse(self.company.dunning_morning_email_date)

    def test_hour_bounds(self):
        with self.assertRaises(ValidationError):
            self.company.dunning_morning_email_hour = 24
        self.assertEqual(self.company.dunning_morning_email_hour, 8)

    def test_in_the_recipients_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        self.manager.lang = "fr_FR"
        mails = self._cron("2025-06-21 06:00:00")
        french = mails.filtered(lambda m: m.recipient_ids == self.manager.partner_id)
        english = mails.filtered(lambda m: m.recipient_ids == self.salesman.partner_id)
        self.assertEqual(
            french.subject,
            f"{self.company.name}\xa0: 2 relances de paiement à envoyer le 22/06/2025",
        )
        self.assertIn(
            f"La prochaine exécution nocturne de {self.company.name} (22/06/2025) "
            "enverra ces relances de paiement\xa0:",
            french.body_html,
        )
        self.assertIn("en attente de votre validation", french.body_html)
        self.assertIn("par e-mail et courrier", french.body_html)
        self.assertEqual(
            english.subject,
            f"{self.company.name}: 2 payment reminders to send on 06/22/2025",
        )

    def test_own_documents_salesperson_reads_their_own_clients_only(self):
        """A salesperson restricted to their own documents (a dunning user as
        every salesperson) gets the rows of their own invoices only, and no
        email when none of the run's invoices is theirs."""
        own = self._create_user(
            "fd_own_sales",
            "sales_team.group_sale_salesman",
            email="own@example.com",
        )
        nobody = self._create_user(
            "fd_own_none",
            "sales_team.group_sale_salesman",
            email="none@example.com",
        )
        self.invoice.invoice_user_id = own
        self.old_invoice.invoice_user_id = self.env.user
        mails = self._cron("2025-06-21 06:00:00")
        self.assertNotIn(nobody.partner_id, mails.recipient_ids)
        mail = mails.filtered(lambda m: m.recipient_ids == own.partner_id)
        self.assertEqual(len(mail), 1)
        self.assertEqual(
            mail.subject,
            f"{self.company.name}: 1 payment reminders to send on 06/22/2025",
        )
        items = [
            " ".join(li.text_content().split())
            for li in html.fromstring(mail.body_html).iter("li")
        ]
        self.assertEqual(
            items,
            [
                "Brightside Coaching: Friendly reminder, $ 1,200.00, by email, "
                "sent without validation (postpone this client)",
            ],
        )
        # The manager still reads both.
        manager = mails.filtered(lambda m: m.recipient_ids == self.manager.partner_id)
        self.assertIn("Northwind Studio", manager.body_html)
