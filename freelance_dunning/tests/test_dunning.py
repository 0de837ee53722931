from datetime import date

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import new_test_user, tagged
from odoo.tools import html_sanitize, mute_logger

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestDunning(FreelanceDunningCommon, MockEmail):
    """The reminder ladder, day by day; outgoing emails go to Odoo's mail mock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True

    def setUp(self):
        super().setUp()
        # Whatever runs the tests, no email leaves the machine: Odoo's gateway
        # mock records them (self._mails) instead of calling an SMTP server.
        self.enterContext(self.mock_mail_gateway())

    def _invoice(
        self, amount=1200.0, due="2025-06-20", partner=None, currency=None, **values
    ):
        return self._create_invoice(
            partner, amount, due, currency_id=(currency or self.eur).id, **values
        )

    def _run(self, day, **kwargs):
        with freeze_time(day):
            return self.engine._run(self.company, date.fromisoformat(day), **kwargs)

    def test_default_levels(self):
        self.assertEqual(
            [(level.name, level.days) for level in self.levels],
            [
                ("Courtesy notice", -3),
                ("Friendly reminder", 1),
                ("Firm reminder", 15),
                ("Suspension notice", 30),
                ("Formal notice", 45),
                ("End of relationship", 60),
            ],
        )
        other = self.env["res.company"].create({"name": "New agency"})
        self.assertEqual(
            self.env["freelance.dunning.level"]
            .sudo()
            .search_count([("company_id", "=", other.id)]),
            6,
        )

    def test_full_ladder_of_a_business_client(self):
        # Dated (never sent from Odoo) 19 days before it is due: the courtesy
        # notice's minimum of 7 days is met.
        invoice = self._invoice(1200.0, due="2025-06-20", invoice_date="2025-06-01")
        line = invoice.line_ids.filtered(
            lambda ln: ln.account_type == "asset_receivable"
        )
        order = self._confirm(self._create_order())
        self.assertFalse(self._run("2025-06-16"), "nothing 4 days before the due date")
        courtesy = self._run("2025-06-17")
        self.assertEqual(courtesy.level_id, self._level("Courtesy notice"))
        self.assertEqual(courtesy.state, "sent")
        self.assertEqual(line.dunning_level_id, self._level("Courtesy notice"))
        self.assertFalse(self._run("2025-06-17"), "nothing twice the same day")
        self.assertFalse(self._run("2025-06-20"), "not late yet")
        # Run as the scheduled action runs it: by the superuser, OdooBot.
        root = self.env.ref("base.user_root")
        self.company.email = "billing@freelancer.example.com"
        with freeze_time("2025-06-21"):
            friendly = self.engine.with_user(root)._run(self.company, date(2025, 6, 21))
        self.assertEqual(friendly.level_id, self._level("Friendly reminder"))
        self.assertFalse(friendly.interest, "a friendly reminder names no penalty")
        self.assertIn("slipped through the cracks", friendly.mail_message_id.body)
        self.env["mail.mail"].process_email_queue()  # what the mail scheduler does
        sent = [mail for mail in self._mails if "Friendly reminder" in mail["subject"]]
        self.assertEqual(len(sent), 1, "one email leaves for the client")
        self.assertIn("hello@brightside.example.com", sent[0]["email_to"][0])
        self.assertIn("1,200.00", sent[0]["subject"])
        # Signed by the company, never by OdooBot.
        self.assertEqual(friendly.mail_message_id.author_id, self.company.partner_id)
        self.assertEqual(
            sent[0]["email_from"],
            f'"{self.company.name}" <billing@freelancer.example.com>',
        )
        self.assertIn(invoice.access_token, friendly.mail_message_id.body)
        self.assertEqual(
            len(friendly.mail_message_id.attachment_ids), 1, "invoice attached"
        )
        firm = self._run("2025-07-05")
        self.assertEqual(firm.level_id, self._level("Firm reminder"))
        # 10 days at 13.15 % (H1 2025) + 5 days at 12.15 % (H2 2025) on 1,200.00
        self.assertAlmostEqual(firm.interest, 4.32 + 2.00, places=2)
        self.assertEqual(firm.indemnity, 40.0)
        self.assertIn("40.00&nbsp;€ per invoice", firm.mail_message_id.body)
        suspension = self._run("2025-07-20")
        self.assertEqual(suspension.level_id, self._level("Suspension notice"))
        # The level's actions follow the email.
        self._deliver_reminder_emails("2025-07-20")
        self.assertEqual(order.work_gate_state, "suspended")
        self.assertTrue(
            self.client.activity_ids.filtered(
                lambda a: (
                    a.activity_type_id == self.env.ref("mail.mail_activity_data_call")
                )
            )
        )
        notice = self._run("2025-08-04")
        self.assertEqual(notice.level_id, self._level("Formal notice"))
        self.assertEqual(
            notice.state, "waiting", "a formal notice waits for validation"
        )
        self.assertEqual(line.dunning_level_id, self._level("Suspension notice"))
        self.assertFalse(self._run("2025-08-05"), "nothing while it waits")
        with freeze_time("2025-08-05"):
            notice.action_validate()
            self._send_in_background()
        self.assertEqual(notice.state, "sent")
        self.assertTrue(notice.letter_id, "the formal notice letter is printed")
        self.assertEqual(
            notice._render_letter(),
            notice.letter_id,
            "printed again from the PDF the report stored: one per reminder",
        )
        self.assertEqual(line.dunning_level_id, self._level("Formal notice"))
        final = self._run("2025-08-20")
        self.assertEqual(final.state, "waiting")
        with freeze_time("2025-08-20"):
            final.action_validate()
            self._send_in_background()
        self._deliver_reminder_emails("2025-08-20")
        self.assertTrue(invoice.dunning_penalty_move_id, "a penalty invoice")
        penalty = invoice.dunning_penalty_move_id
        self.assertFalse(penalty.line_ids.tax_ids, "penalties carry no VAT")
        self.assertAlmostEqual(penalty.amount_total, final.interest + final.indemnity)
        self.assertTrue(
            self.client.activity_ids.filtered(
                lambda a: a.summary == "Start the recovery"
            )
        )
        # The ladder ends; the penalty invoice is owed but never reminded, nor
        # charged interest or another indemnity (issue 18).
        self.assertTrue(penalty.dunning_penalty_invoice)
        self.assertFalse(self._run("2025-09-30"))
        history = self.env["freelance.dunning.reminder.line"].search(
            [("move_id", "=", invoice.id)]
        )
        self.assertEqual(
            set(history.mapped("state")),
            {"sent"},
        )
        self.assertEqual(len(history.level_id), 6)

    def test_one_message_per_client(self):
        first = self._invoice(1000.0, due="2025-06-20")
        second = self._invoice(500.0, due="2025-06-25")
        other = self._invoice(
            300.0,
            due="2025-06-20",
            partner=self._create_client("Other client", email="other@example.com"),
        )
        messages = self._run("2025-06-26")
        self.assertEqual(len(messages), 2)
        mine = messages.filtered(lambda m: m.partner_id == self.client)
        self.assertEqual(mine.line_ids.move_id, first | second)
        self.assertEqual(mine.amount_residual, 1500.0)
        self.assertEqual(len(mine.mail_message_id.attachment_ids), 2)
        self.assertTrue(other)

    def test_batch_emails_match_a_lone_reminder(self):
        """Reminders sent together are rendered in one QWeb pass and queued in
        one batch: each client's email must be exactly what it gets alone,
        posted in its chatter, with a notification that tracks its delivery."""
        clients = self.client | self.env["res.partner"].create(
            [
                {"name": f"Batch client {n}", "email": f"b{n}@example.com"}
                for n in range(3)
            ]
        )
        invoices = {
            client: self._invoice(100.0 * (n + 1), due="2025-06-20", partner=client)
            for n, client in enumerate(clients)
        }
        messages = self._run("2025-06-21")
        self.assertEqual(messages.partner_id, clients)
        self.assertEqual(set(messages.mapped("state")), {"sent"})
        for message in messages:
            alone = message._render_email()
            chatter = message.mail_message_id
            # As Odoo stores any message body: sanitized.
            self.assertEqual(
                str(chatter.body),
                html_sanitize(alone["body_html"], sanitize_style=True),
            )
            self.assertEqual(chatter.subject, alone["subject"])
            invoice = invoices[message.partner_id]
            self.assertIn(f"/my/invoices/{invoice.id}?", str(chatter.body))
            for other in set(invoices.values()) - {invoice}:
                self.assertNotIn(f"/my/invoices/{other.id}?", str(chatter.body))
            self.assertEqual(
                (chatter.model, chatter.res_id), ("res.partner", message.partner_id.id)
            )
            self.assertEqual(chatter.message_type, "comment")
            self.assertIn(chatter, message.partner_id.message_ids)
            mail = (
                self.env["mail.mail"]
                .sudo()
                .search([("mail_message_id", "=", chatter.id)])
            )
            self.assertEqual(mail.state, "outgoing")
            self.assertEqual(mail.recipient_ids, message.partner_id)
            self.assertIn(str(chatter.body)[:60], mail.body_html)
            self.assertIn("<html", mail.body_html, "Odoo's email layout")
            self.assertEqual(
                chatter.notification_ids.mapped("notification_status"), ["ready"]
            )
        self.env["mail.mail"].process_email_queue()
        self.assertEqual(
            set(
                messages.mail_message_id.notification_ids.mapped("notification_status")
            ),
            {"sent"},
        )
        addresses = sorted(
            address
            for mail in self._mails
            if mail["subject"] in messages.mail_message_id.mapped("subject")
            for address in mail["email_to"]
        )
        self.assertEqual(addresses, sorted(clients.mapped("email_formatted")))

    def test_paid_and_partially_paid(self):
        paid = self._invoice(1000.0, due="2025-06-20")
        partial = self._invoice(1000.0, due="2025-06-20")
        self._pay_invoice(paid)
        self._pay_invoice(partial, amount=400.0)
        message = self._run("2025-06-25")
        self.assertEqual(message.line_ids.move_id, partial)
        self.assertEqual(message.amount_residual, 600.0, "reminded of the residual")

    def test_pause_and_resume(self):
        invoice = self._invoice(1000.0, due="2025-06-20")
        with freeze_time("2025-06-21"):
            invoice._pause_dunning("disputed", date(2025, 7, 10), "Scope discussed")
        self.assertFalse(self._run("2025-06-25"))
        self.assertFalse(self._run("2025-07-10"), "paused until the 10th included")
        self.assertEqual(self._run("2025-07-11").line_ids.move_id, invoice)

    def test_pause_methods_check_the_rights(self):
        invoice = self._invoice(1000.0, due="2025-06-20")
        employee = new_test_user(
            self.env,
            login="fd_pause_employee",
            groups="base.group_user",
            company_id=self.company.id,
            company_ids=[Command.set(self.company.ids)],
        )
        refused = (
            "Only a dunning user may pause the reminders of an invoice or resume them."
        )
        with freeze_time("2025-06-21"):
            with self.assertRaisesText(AccessError, refused):
                invoice.with_user(employee)._pause_dunning(
                    "disputed", date(2025, 7, 10)
                )
            with self.assertRaisesText(
                UserError, "Choose why the reminders are paused"
            ):
                invoice._pause_dunning("bogus", date(2025, 7, 10))
            self.assertFalse(invoice.dunning_pause_until, "nothing changed")
            invoice.with_user(self.salesman)._pause_dunning(
                "promise", date(2025, 7, 10), "Paying on the 10th"
            )
        self.assertEqual(invoice.dunning_pause_reason, "promise")
        self.assertTrue(
            any(
                "Reminders paused until 2025-07-10 (Promise to pay). Paying on the 10th"
                in body
                for body in invoice.message_ids.mapped("body")
            )
        )
        for resume in ("_resume_dunning", "action_dunning_resume"):
            with self.assertRaisesText(AccessError, refused):
                getattr(invoice.with_user(employee), resume)()
        self.assertEqual(invoice.dunning_pause_until, date(2025, 7, 10))
        invoice.with_user(self.salesman).action_dunning_resume()
        self.assertFalse(invoice.dunning_pause_until)
        self.assertFalse(invoice.dunning_pause_reason)

    def test_failed_email_is_retried(self):
        invoice = self._invoice(1000.0, due="2025-06-20")
        message = self._run("2025-06-21")
        self.assertEqual(message.state, "sent")
        message.mail_message_id.notification_ids.sudo().write(
            {"notification_status": "exception"}
        )
        again = self._run("2025-06-22")
        self.assertEqual(message.state, "failed")
        self.assertEqual(
            again.level_id, self._level("Friendly reminder"), "the same level again"
        )
        self.assertEqual(again.state, "sent")
        self.assertEqual(invoice.dunning_level_id, self._level("Friendly reminder"))

    def test_failed_email_is_retried_by_the_scheduled_action(self):
        """The scheduled action retries the company's failed emails once per
        call, before it reads the clients: its batches do not."""
        invoice = self._invoice(1000.0, due="2025-06-20")
        message = self._run("2025-06-21")
        message.mail_message_id.notification_ids.sudo().write(
            {"notification_status": "bounce"}
        )
        engine = self.engine.with_context(ir_cron_progress_id=False)
        with self._housekeeping_calls() as calls, freeze_time("2025-06-22"):
            engine._cron_run()
        self.assertEqual(
            [call for call in calls if call[0] == self.company],
            [(self.company, date(2025, 6, 22))],
        )
        self.assertEqual(message.state, "failed")
        again = self.env["freelance.dunning.reminder"].search(
            [("partner_id", "=", self.client.id), ("date", "=", "2025-06-22")]
        )
        self.assertEqual(len(again), 1)
        self.assertEqual(again.level_id, message.level_id, "the same level again")
        self.assertEqual(again.state, "sent")
        self.assertEqual(invoice.dunning_level_id, message.level_id)

    def test_client_without_email(self):
        self.client.email = False
        self._invoice(1000.0, due="2025-06-20")
        message = self._run("2025-06-21")
        self.assertEqual(message.state, "failed")
        self.assertIn("no email address", message.error)
        self.client.email = "back@example.com"
        self.assertEqual(
            self._run("2025-06-22").state, "sent", "retried on the next run"
        )

    def test_installments_dunned_on_their_own_due_date(self):
        term = self.env["account.payment.term"].create(
            {
                "name": "Half now, half in 30 days",
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 50, "nb_days": 0}
                    ),
                    Command.create(
                        {"value": "percent", "value_amount": 50, "nb_days": 30}
                    ),
                ],
            }
        )
        invoice = self._invoice(
            1000.0, due="2025-06-01", invoice_payment_term_id=term.id
        )
        message = self._run("2025-06-05")
        self.assertEqual(len(message.line_ids), 1, "only the first installment is late")
        self.assertEqual(message.amount_residual, 500.0)
        later = self._run("2025-07-05")
        self.assertEqual(
            sorted(later.line_ids.mapped("date_maturity")),
            [date(2025, 6, 1), date(2025, 7, 1)],
            "each installment at its own level",
        )
        self.assertEqual(
            later.line_ids.filtered(
                lambda e: e.date_maturity == date(2025, 7, 1)
            ).level_id,
            self._level("Friendly reminder"),
        )
        self.assertTrue(invoice)

    def test_consumer_owes_no_indemnity_and_interest_after_notice_only(self):
        consumer = self.env["res.partner"].create(
            {"name": "Nora Castel", "email": "nora@example.com"}
        )
        self._invoice(1200.0, due="2025-06-20", partner=consumer)
        for day in ("2025-06-21", "2025-07-05", "2025-07-20"):
            message = self._run(day)
        self.assertEqual(message.level_id, self._level("Suspension notice"))
        self.assertEqual(message.indemnity, 0.0)
        self.assertEqual(message.interest, 0.0, "no interest before the formal notice")
        notice = self._run("2025-08-04")
        with freeze_time("2025-08-04"):
            notice.action_validate()
            self._send_in_background()
        final = self._run("2025-08-19")
        # Legal rate 2.76 % (H2 2025) for 15 days after the notice of 4 August.
        self.assertAlmostEqual(final.interest, round(1200 * 0.0276 * 15 / 365, 2))
        self.assertEqual(final.indemnity, 0.0)

    def test_other_currency_and_companies(self):
        usd_invoice = self._invoice(
            1000.0, due="2025-06-20", currency=self.company.currency_id
        )
        eur_invoice = self._invoice(1000.0, due="2025-06-20")
        messages = self._run("2025-06-21")
        self.assertEqual(len(messages), 2, "one reminder per client and currency")
        self.assertEqual(
            messages.filtered(
                lambda m: m.currency_id == self.company.currency_id
            ).line_ids.move_id,
            usd_invoice,
        )
        self.assertTrue(eur_invoice)
        other = self.setup_other_company(name="Agency B")["company"]
        other_levels = (
            self.env["freelance.dunning.level"]
            .sudo()
            .search([("company_id", "=", other.id)])
        )
        other_levels.filtered(lambda level: level.name == "Friendly reminder").days = 10
        self.env.user.company_ids |= other
        other_invoice = self._create_invoice(
            amount=700.0, due="2025-06-20", company=other
        )
        self.assertNotIn(other_invoice, messages.line_ids.move_id)
        engine = self.engine.with_company(other)
        self.assertFalse(
            engine._run(other, date(2025, 6, 21)), "its own levels: +10 days"
        )
        other_message = engine._run(other, date(2025, 6, 30))
        self.assertEqual(other_message.line_ids.move_id, other_invoice)
        self.assertEqual(other_message.company_id, other)
        self.assertEqual(other_message.level_id.company_id, other)

    def test_scheduled_action_only_where_switched_on(self):
        """The nightly run reminds the clients of a company only once a dunning
        manager has switched its nightly reminders on."""
        invoice = self._invoice(100.0, due="2025-06-20")
        self.company.nightly_reminders = False
        engine = self.engine.with_context(ir_cron_progress_id=False)
        reminders = self.env["freelance.dunning.reminder"]
        domain = [("company_id", "=", self.company.id)]
        with freeze_time("2025-06-21"):
            engine._cron_run()
            self.assertFalse(reminders.search(domain))
            self.assertFalse(
                self.env["freelance.dunning.run"].search(domain), "no run either"
            )
            self.company._switch_on_nightly_reminders()
            engine._cron_run()
        self.assertEqual(reminders.search(domain).line_ids.move_id, invoice)

    def test_scheduled_action_in_batches(self):
        clients = self.env["res.partner"].create(
            [
                {
                    "name": f"Client {i}",
                    "email": f"c{i}@example.com",
                    "is_company": True,
                }
                for i in range(5)
            ]
        )
        for client in clients:
            self._invoice(100.0, due="2025-06-20", partner=client)
        clients[1].email = False  # this one fails; the run goes on
        with freeze_time("2025-06-21"):
            self.engine.with_context(ir_cron_progress_id=False)._cron_run(batch_size=2)
            run = self.env["freelance.dunning.run"].search(
                [("company_id", "=", self.company.id), ("date", "=", "2025-06-21")]
            )
            self.assertEqual(run.partner_count, 2)
            self.engine._cron_run(batch_size=2)
            self.engine._cron_run(batch_size=2)
            self.assertEqual(run.partner_count, 5)
            self.engine._cron_run(batch_size=2)
            self.assertEqual(
                run.partner_count, 5, "a second run the same day does nothing"
            )
        messages = self.env["freelance.dunning.reminder"].search(
            [("partner_id", "in", clients.ids)]
        )
        self.assertEqual(len(messages), 5)
        failed = messages.filtered(lambda m: m.state == "failed")
        self.assertEqual(failed.partner_id, clients[1])
        self.assertEqual(set((messages - failed).mapped("state")), {"sent"})
        self.assertIn("Client 1", run.error_log)
        self.assertIn("no email address", run.error_log)

    def test_scheduled_action_reminds_a_contact_who_joined_a_company(self):
        """The client of an invoice is its contact's company of today, also
        for the run's cursor: the invoice keeps the commercial partner of the
        day it was made (Odoo recomputes it only when its partner changes)."""
        Partner = self.env["res.partner"]
        person = Partner.create({"name": "Freelance person", "email": "p@example.com"})
        first, second = Partner.create(
            [
                {
                    "name": f"Client {i}",
                    "email": f"c{i}@example.com",
                    "is_company": True,
                }
                for i in range(2)
            ]
        )
        invoices = self._invoice(100.0, due="2025-06-20", partner=person)
        for client in (first, second):
            self._invoice(100.0, due="2025-06-20", partner=client)
        # The person joins a company made after the other clients.
        company = Partner.create(
            {"name": "Person's company", "email": "k@example.com", "is_company": True}
        )
        person.parent_id = company
        self.assertEqual(invoices.commercial_partner_id, person, "kept by Odoo")
        self.assertLess(person.id, second.id)
        self.assertGreater(company.id, second.id)
        engine = self.engine.with_context(ir_cron_progress_id=False)
        with freeze_time("2025-06-21"):
            for _call in range(3):
                engine._cron_run(batch_size=2)
        run = self.env["freelance.dunning.run"].search(
            [("company_id", "=", self.company.id), ("date", "=", "2025-06-21")]
        )
        self.assertEqual(run.partner_count, 3)
        reminders = self.env["freelance.dunning.reminder"].search(
            [("partner_id", "in", (first | second | company | person).ids)]
        )
        self.assertEqual(reminders.partner_id, first | second | company)
        self.assertEqual(
            reminders.filtered(lambda r: r.partner_id == company).line_ids.move_id,
            invoices,
        )

    def test_run_wizard_previews_exactly_what_is_sent(self):
        first = self._invoice(1000.0, due="2025-06-01")
        second = self._invoice(500.0, due="2025-06-20")
        with freeze_time("2025-06-21"):
            wizard = self.env["freelance.dunning.run.wizard"].create(
                {"company_id": self.company.id, "date": "2025-06-21"}
            )
            preview = {
                (line.move_id, line.level_id, line.amount_residual)
                for line in wizard.line_ids
            }
            self.assertEqual(wizard.reminder_count, 1)
            action = wizard.action_send()
            self._send_in_background()
        messages = self.env["freelance.dunning.reminder"].search(action["domain"])
        sent = {(e.move_id, e.level_id, e.amount_residual) for e in messages.line_ids}
        self.assertEqual(preview, sent)
        self.assertEqual(messages.line_ids.move_id, first | second)
        self.assertEqual(messages.user_id, self.env.user, "who sent it is kept")
        self.assertEqual(set(messages.line_ids.mapped("user_id")), {self.env.user})

    def test_pause_wizard_and_invoice_fields(self):
        invoice = self._invoice(1000.0, due="2025-06-20")
        with freeze_time("2025-06-21"):
            self.assertEqual(invoice.dunning_next_date, date(2025, 6, 21))
            action = invoice.with_context(
                default_reason="promise"
            ).action_open_dunning_pause()
            wizard = (
                self.env["freelance.dunning.pause.wizard"]
                .with_context(**action["context"])
                .create({"until": "2025-07-01", "note": "Paying on the 1st"})
            )
            wizard.action_pause()
        self.assertEqual(invoice.dunning_pause_reason, "promise")
        with freeze_time("2025-06-21"):
            invoice.invalidate_recordset(["dunning_next_date"])
            self.assertEqual(invoice.dunning_next_date, date(2025, 7, 2))
        self.assertFalse(self._run("2025-06-25"))
        message = self._run("2025-07-02")
        self.assertEqual(invoice.dunning_level_id, message.level_id)
        self.assertEqual(invoice.dunning_last_date, date(2025, 7, 2))

    def test_client_summary(self):
        self._invoice(1000.0, due="2025-06-01")
        self._invoice(500.0, due="2025-06-20")
        self._run("2025-06-21")
        with freeze_time("2025-06-25"):
            client = self.client.with_company(self.company)
            client.invalidate_recordset()
            self.assertEqual(client.dunning_amount_overdue, 1500.0)
            self.assertEqual(client.dunning_days_late, 24)
            self.assertEqual(client.dunning_level_id, self._level("Friendly reminder"))
            self.assertEqual(client.dunning_event_count, 2)
            action = client.action_view_dunning_history()
        self.assertEqual(
            self.env["freelance.dunning.reminder.line"].search_count(action["domain"]),
            2,
        )

    def test_french_client_reads_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        company = self.env["res.company"].create({"name": "Atelier FR"})
        levels = (
            self.env["freelance.dunning.level"]
            .sudo()
            .search([("company_id", "=", company.id)], order="sequence")
        )
        self.assertEqual(
            levels.with_context(lang="fr_FR").mapped("name")[1:5:3],
            ["Relance amicale", "Mise en demeure"],
        )
        self.client.lang = "fr_FR"
        self.env["freelance.dunning.level"].invalidate_model(["name"])
        self._invoice(1000.0, due="2025-06-20")
        message = self._run("2025-06-21")
        self.assertIn("Relance amicale", message.mail_message_id.subject)
        self.assertIn("Payer en ligne", message.mail_message_id.body)

    def test_letter_reprinted_in_another_language_is_the_stored_one(self):
        """The stored letter's name is never translated: printing it again in
        another language gives the letter that was sent, not a second one."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        self._invoice(1000.0, due="2025-06-20")
        reminder = self._run("2025-06-21")
        letter = reminder.with_context(lang="en_US")._render_letter()
        names = set()
        for lang in ("en_US", "fr_FR"):
            reminder.invalidate_recordset(["name"])
            names.add(reminder.with_context(lang=lang).name)
        self.assertEqual(len(names), 2, "the reminder's name is translated")
        reminder.invalidate_recordset(["name"])
        french = reminder.with_context(lang="fr_FR")
        self.assertEqual(french._render_letter(), letter)
        report = self.env.ref("freelance_dunning.action_report_dunning_letter")
        self.assertEqual(report.retrieve_attachment(french), letter)
        self.assertEqual(
            self.env["ir.attachment"].search_count(
                [("res_model", "=", reminder._name), ("res_id", "=", reminder.id)]
            ),
            1,
            "one letter per reminder",
        )
        self.assertNotIn("/", letter.name)
        self.assertIn(self.client.name.split()[0], letter.name)

    def test_database_refuses_a_duplicate_reminder(self):
        """Two workers racing on the same line: the second insert fails."""
        self._invoice(1000.0, due="2025-06-20")
        message = self._run("2025-06-21")
        event = message.line_ids[:1]
        with (
            mute_logger("odoo.sql_db"),
            self.assertRaisesText(
                IntegrityError, "freelance_dunning_reminder_line_once"
            ),
        ):
            # The engine's own path: the index is the last word between
            # two workers of the engine.
            with self.env.cr.savepoint(), self._as_dunning_engine():
                event.copy({"reminder_id": False, "state": event.state})
                self.env.flush_all()

    def test_reminder_attaches_the_invoice_pdf_the_client_received(self):
        invoice = self._invoice(1000.0, due="2025-06-20")
        sent_pdf = self.env["ir.attachment"].create(
            {
                "name": "INV sent.pdf",
                "raw": b"%PDF-1.4 the invoice as sent",
                "res_model": "account.move",
                "res_id": invoice.id,
                "res_field": "invoice_pdf_report_file",
            }
        )
        invoice.invoice_pdf_report_id = sent_pdf
        before = self.env["ir.attachment"].sudo().search_count([])
        message = self._run("2025-06-21")
        self.assertEqual(
            message.mail_message_id.attachment_ids.mapped("raw"),
            [b"%PDF-1.4 the invoice as sent"],
        )
        # Linked, not copied: the run adds no attachment.
        self.assertEqual(message.mail_message_id.attachment_ids, sent_pdf)
        self.assertEqual(self.env["ir.attachment"].sudo().search_count([]), before)

    def test_accountant_without_template_rights_sends_reminders(self):
        """Odoo renders templates in restricted mode for them: ours must still work."""
        accountant = self._create_user(
            "fd_plain_accountant",
            "account.group_account_invoice,freelance_dunning.group_dunning_user",
            name="Accountant",
            email="acc@example.com",
        )
        self.assertFalse(accountant.has_group("mail.group_mail_template_editor"))
        self._invoice(1000.0, due="2025-06-20")
        with freeze_time("2025-06-21"):
            message = self.engine.with_user(accountant)._run(
                self.company, date(2025, 6, 21), user=accountant
            )
        self.assertEqual(message.state, "sent", message.error)


@tagged("post_install", "-at_install")
class TestReminderEmailPaths(FreelanceDunningCommon, MockEmail):
    """The batch (freelance.dunning.mail.batch) and Odoo's message_post post
    the same email: this fails when an upgrade of Odoo changes what the batch
    mirrors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._set_up_ladder()
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway(mail_unlink_sent=False))

    _invoice = TestDunning._invoice
    _run = TestDunning._run

    def _set_path(self, path):
        self.env["ir.config_parameter"].set_param(
            "freelance_dunning.reminder_email_path", path
        )

    def _describe(self, message):
        """What the client receives and what the chatter shows, without ids."""
        mails = (
            self.env["mail.mail"].sudo().search([("mail_message_id", "=", message.id)])
        )
        return {
            "message": {
                name: message[name]
                for name in (
                    "model",
                    "res_id",
                    "message_type",
                    "subtype_id",
                    "author_id",
                    "email_from",
                    "reply_to",
                    "subject",
                    "body",
                    "partner_ids",
                    "email_layout_xmlid",
                    "record_name",
                    "record_company_id",
                )
            },
            "attachments": sorted(message.attachment_ids.mapped("name")),
            "notifications": sorted(
                (
                    notification.res_partner_id.id,
                    notification.notification_type,
                    notification.notification_status,
                    notification.is_read,
                )
                for notification in message.notification_ids
            ),
            "mails": [
                {
                    "recipients": mail.recipient_ids,
                    "subject": mail.subject,
                    "email_from": mail.email_from,
                    "reply_to": mail.reply_to,
                    "body": mail.body_html.replace(
                        message.message_id or "", "MESSAGE-ID"
                    ),
                    "attachments": sorted(mail.attachment_ids.mapped("name")),
                    "auto_delete": mail.auto_delete,
                    "state": mail.state,
                }
                for mail in mails
            ],
            "followers": message.env["res.partner"]
            .browse(message.res_id)
            .message_partner_ids,
        }

    def test_batch_and_message_post_post_the_same_email(self):
        second = self.env["res.partner"].create(
            {"name": "Nora Castel", "email": "nora@example.com", "lang": "en_US"}
        )
        # The client's followers are notified on both paths, as message_post
        # notifies them: by email or in Odoo's inbox, as each one chose.
        by_email = new_test_user(
            self.env,
            login="fd_follower_email",
            groups="base.group_user",
            email="follower.email@example.com",
            notification_type="email",
        )
        by_inbox = new_test_user(
            self.env,
            login="fd_follower_inbox",
            groups="base.group_user",
            email="follower.inbox@example.com",
            notification_type="inbox",
        )
        self.client.message_subscribe(partner_ids=(by_email | by_inbox).partner_id.ids)
        self._invoice(1200.0, due="2025-06-20")
        self._invoice(800.0, due="2025-06-20", partner=second)
        self._set_path("batch")
        reminders = self._run("2025-06-21")
        self.assertEqual(len(reminders), 2, "rendered and posted as one batch")
        for reminder in reminders:
            with self.subTest(client=reminder.partner_id.name):
                batch = self._describe(reminder.mail_message_id)
                email = reminder._prepare_delivery(reminder._render_email())
                pdfs = reminder._get_invoice_attachments()[reminder]
                with freeze_time("2025-06-21"):
                    alone = self._describe(reminder._post_email(email, pdfs))
                self.assertTrue(batch["mails"] and batch["notifications"])
                self.assertEqual(batch, alone)
                followers = (
                    {
                        (by_email.partner_id.id, "email", "ready", True),
                        (by_inbox.partner_id.id, "inbox", "sent", False),
                    }
                    if reminder.partner_id == self.client
                    else set()
                )
                self.assertEqual(
                    followers - set(batch["notifications"]),
                    set(),
                    "the client's followers are notified",
                )

    def test_odoo_path_sends_the_reminders(self):
        self._set_path("odoo")
        self._invoice(1200.0, due="2025-06-20")
        reminder = self._run("2025-06-21")
        self.assertEqual(reminder.state, "sent")
        message = reminder.mail_message_id
        self.assertEqual(message.model, "res.partner")
        self.assertEqual(message.partner_ids, self.client)
        self.assertEqual(len(message.attachment_ids), 1, "the invoice attached")
        self.assertIn("1,200.00", message.subject)
        self.assertEqual(
            message.notification_ids.filtered(
                lambda n: n.notification_type == "email"
            ).res_partner_id,
            self.client,
        )
