from datetime import date
from html import unescape

from freezegun import freeze_time

from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.fields import Command
from odoo.tests import Form, tagged

from odoo.addons.freelance_dunning.models.cursor_permission import cursor_permission
from odoo.addons.freelance_dunning.models.freelance_dunning_promise import (
    CLIENT_PAGE_SOURCE,
)
from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

PAUSE = ["dunning_pause_until", "dunning_pause_reason"]


@tagged("post_install", "-at_install")
class TestPromisesDisputes(FreelanceDunningCommon, MockEmail):
    """Promises to pay and disputes: the company's rules, whoever calls, and
    their effect on the next runs (time travel)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.client.user_id = cls.salesman
        cls.other_client = cls._create_client(
            "Northwind Studio", email="ap@northwind.example.com"
        )
        cls.Promise = cls.env["freelance.dunning.promise"]
        cls.Dispute = cls.env["freelance.dunning.dispute"]

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    def _invoice(self, amount=1200.0, due="2025-06-20", partner=None):
        # Sold by the client's salesperson, who hears of promises and disputes.
        return self._create_invoice(
            partner,
            amount,
            due,
            currency_id=self.eur.id,
            invoice_user_id=self.salesman.id,
        )

    def _run(self, day):
        with freeze_time(day):
            return self.engine._run(self.company, date.fromisoformat(day))

    def _promise(self, invoices, when, amount=None, page=False, client=None):
        vals = {
            "partner_id": (client or self.client).id,
            "company_id": self.company.id,
            "move_ids": [Command.set(invoices.ids)],
            "date": when,
        }
        if amount is not None:
            vals["amount"] = amount
        if page:
            with cursor_permission(self.env, CLIENT_PAGE_SOURCE, ["page"]):
                return self.Promise.sudo().create(vals)
        return self.Promise.create(vals)

    def _dispute(self, invoices, reason="amount", message="Two days, not three."):
        with cursor_permission(self.env, CLIENT_PAGE_SOURCE, ["page"]):
            return self.Dispute.sudo().create(
                {
                    "partner_id": self.client.id,
                    "company_id": self.company.id,
                    "move_ids": [Command.set(invoices.ids)],
                    "reason": reason,
                    "message": message,
                }
            )

    def _refused(self, exception, text, call, invoices):
        """``call`` is refused with ``text``; no promise, dispute or pause changed."""
        before = (
            self.Promise.sudo().search_count([]),
            self.Dispute.sudo().search_count([]),
            invoices.read(PAUSE),
        )
        with self.assertRaises(exception) as catcher, self.env.cr.savepoint():
            call()
        self.assertEqual(str(catcher.exception), text)
        invoices.invalidate_recordset()
        self.assertEqual(
            (
                self.Promise.sudo().search_count([]),
                self.Dispute.sudo().search_count([]),
                invoices.read(PAUSE),
            ),
            before,
        )

    # ------------------------------------------------------------------
    # Rules
    # ------------------------------------------------------------------

    @freeze_time("2025-06-25")
    def test_promise_rules(self):
        invoice = self._invoice()
        theirs = self._invoice(partner=self.other_client)
        paid = self._invoice(300.0)
        self._pay_invoice(paid)
        date_error = "Choose a date after today and no later than 07/25/2025."
        for when in ("2025-06-25", "2025-07-26", "2024-01-01"):
            self._refused(
                ValidationError,
                date_error,
                lambda when=when: self._promise(invoice, when, page=True),
                invoice,
            )
        amount_error = (
            "The promised amount must be more than zero and at most what the "
            "invoices still owe (1,200.00\xa0€)."
        )
        for amount in (-0.01, -1200.0, 1200.01):
            self._refused(
                ValidationError,
                amount_error,
                lambda amount=amount: self._promise(
                    invoice, "2025-07-10", amount, True
                ),
                invoice,
            )
        own_error = (
            f"Only your own invoices with {self.company.name} that are still to "
            "be paid can be chosen."
        )
        for invoices in (theirs, paid, invoice | theirs):
            self._refused(
                ValidationError,
                own_error,
                lambda invoices=invoices: self._promise(
                    invoices, "2025-07-10", page=True
                ),
                invoice | theirs,
            )
        self._refused(
            ValidationError,
            "Choose at least one invoice.",
            lambda: self._promise(invoice.browse(), "2025-07-10", page=True),
            invoice,
        )
        # The attacker names a contact of the client, or a whole state.
        contact = self.env["res.partner"].create(
            {"name": "Ann", "parent_id": self.client.id, "type": "contact"}
        )
        self._refused(
            ValidationError,
            "A promise to pay is made by the client's company Brightside "
            "Coaching, not by one of its contacts.",
            lambda: self._promise(invoice, "2025-07-10", page=True, client=contact),
            invoice,
        )
        promise = self._promise(invoice, "2025-07-25", 600.0, page=True)
        self.assertRecordValues(
            promise,
            [
                {
                    "state": "open",
                    "source": "page",
                    "created_by_id": False,
                    "date": date(2025, 7, 25),
                    "amount": 600.0,
                    "request_date": date(2025, 6, 25),
                }
            ],
        )
        self.assertRecordValues(
            invoice,
            [
                {
                    "dunning_pause_until": date(2025, 7, 25),
                    "dunning_pause_reason": "promise",
                }
            ],
        )
        second = self._invoice(200.0)
        self._refused(
            ValidationError,
            "A promise to pay is already open: it must be kept, missed or "
            "cancelled before another one is made.",
            lambda: self._promise(second, "2025-07-10", page=True),
            invoice | second,
        )
        self.assertEqual(self.client._freelance_open_promise(self.company), promise)

    def test_promises_per_period_and_missed(self):
        invoice = self._invoice()
        with freeze_time("2025-06-25"):
            first = self._promise(invoice, "2025-07-01", page=True)
        self._run("2025-07-02")
        self.assertEqual(first.state, "missed")
        self.assertFalse(invoice.dunning_pause_reason, "the chase resumed")
        with freeze_time("2025-07-03"):
            second = self._promise(invoice, "2025-07-08", page=True)
            second.action_cancel()
            self.assertEqual(second.state, "cancelled")
            self.assertFalse(invoice.dunning_pause_reason)
            # Cancelled by the accountant: it does not count.
            third = self._promise(invoice, "2025-07-08", page=True)
        self._run("2025-07-09")
        self.assertEqual(third.state, "missed")
        with freeze_time("2025-07-10"):
            self._refused(
                ValidationError,
                "At most 2 promises to pay can be made in 90 days: please pay "
                "the invoices or contact us.",
                lambda: self._promise(invoice, "2025-07-20", page=True),
                invoice,
            )
        # 90 days after the first one, one promise is allowed again.
        with freeze_time("2025-09-23"):
            self.assertTrue(self._promise(invoice, "2025-09-30", page=True))

    @freeze_time("2025-06-25")
    def test_rules_hold_over_rpc(self):
        invoice = self._invoice()
        employee = self._create_user("fd_employee", "base.group_user")
        vals = {
            "partner_id": self.client.id,
            "company_id": self.company.id,
            "move_ids": [Command.set(invoice.ids)],
            "date": "2025-07-10",
        }
        self._refused(
            AccessError,
            "Only a dunning user may record a promise to pay.",
            lambda: self.Promise.with_user(employee).create(vals),
            invoice,
        )
        # A dunning user records one (source: backend), never chooses its state.
        promise = self.Promise.with_user(self.salesman).create(
            dict(vals, state="kept", source="page")
        )
        self.assertRecordValues(
            promise,
            [{"state": "open", "source": "backend", "created_by_id": self.salesman.id}],
        )
        for field, value in (
            ("state", "kept"),
            ("date", "2025-07-20"),
            ("move_ids", [Command.clear()]),
        ):
            before = promise.read([field])
            with self.assertRaises(AccessError) as catcher, self.env.cr.savepoint():
                promise.with_user(self.salesman).write({field: value})
            self.assertEqual(
                str(catcher.exception),
                "A promise to pay keeps what the client promised: cancel it and "
                "record a new one instead of changing it.",
            )
            promise.invalidate_recordset()
            self.assertEqual(promise.read([field]), before)
        with self.assertRaises(AccessError):
            promise.with_user(employee).action_cancel()
        self.assertEqual(promise.state, "open")
        dispute = self._dispute(self._invoice(100.0))
        with self.assertRaises(AccessError):
            dispute.with_user(self.salesman).write({"state": "resolved"})
        with self.assertRaises(AccessError):
            dispute.with_user(employee).action_resolve()
        self.assertEqual(dispute.state, "open")

    # ------------------------------------------------------------------
    # Effects on the next runs
    # ------------------------------------------------------------------

    def test_missed_promise_resumes_and_says_so(self):
        invoice = self._invoice()
        friendly = self._run("2025-06-21")
        self.assertEqual(friendly.level_id.name, "Friendly reminder")
        with freeze_time("2025-06-25"):
            promise = self._promise(invoice, "2025-07-10", page=True)
        activity = promise.activity_ids
        self.assertEqual(activity.user_id, self.salesman)
        self.assertEqual(activity.date_deadline, date(2025, 7, 10))
        self.assertEqual(activity.summary, "Promise to pay by 07/10/2025")
        note = (
            f"Brightside Coaching promised to pay the whole amount of {invoice.name} "
            "by 07/10/2025; their reminders are paused until then."
        )
        noted = invoice.message_ids.filtered(lambda m: note in m.body)
        self.assertEqual(noted.author_id, self.client, "said by the client")
        # The firm reminder was due on 5 July: paused until the promised date.
        self.assertFalse(self._run("2025-07-05"))
        self.assertFalse(self._run("2025-07-10"))
        self.assertEqual(promise.state, "open")
        firm = self._run("2025-07-11")
        self.assertEqual(promise.state, "missed")
        self.assertEqual(firm.level_id.name, "Firm reminder")
        self.assertEqual(promise.missed_reminder_id, firm)
        sentence = (
            f"You promised to pay {invoice.name} by 07/10/2025, and we have not "
            "received the payment: the reminders have resumed."
        )
        self.assertIn(sentence, unescape(str(firm.mail_message_id.body)))
        self.assertIn(sentence, unescape(str(firm.letter_intro)))
        self.assertFalse(activity.exists(), "the activity is done")
        # Said once: the next level does not repeat it.
        suspension = self._run("2025-07-26")
        self.assertEqual(suspension.level_id.name, "Suspension notice")
        self.assertNotIn("You promised", str(suspension.mail_message_id.body))

    def test_missed_promises_of_several_clients_in_one_run(self):
        """The run looks the missed promises up for all its reminders at once:
        each client's reminder names its own promise, never another's, and a
        client without one is told nothing."""
        third = self._create_client("Third Client", email="ap@third.example.com")
        invoices = {
            client: self._invoice(partner=client)
            for client in (self.client, self.other_client, third)
        }
        with freeze_time("2025-06-25"):
            promises = {
                client: self._promise(invoices[client], "2025-07-10", client=client)
                for client in (self.client, self.other_client)
            }
        reminders = self._run("2025-07-11")
        self.assertEqual(len(reminders), 3)
        for client, promise in promises.items():
            reminder = reminders.filtered(lambda r, c=client: r.partner_id == c)
            self.assertEqual(promise.state, "missed")
            self.assertEqual(promise.missed_reminder_id, reminder)
            self.assertEqual(reminder.missed_promise_ids, promise)
            self.assertIn(
                f"You promised to pay {invoices[client].name} by 07/10/2025",
                unescape(str(reminder.mail_message_id.body)),
            )
        alone = reminders.filtered(lambda r: r.partner_id == third)
        self.assertFalse(alone.missed_promise_ids)
        self.assertNotIn("You promised", str(alone.mail_message_id.body))

    def test_missed_promise_in_french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        self.client.lang = "fr_FR"
        invoice = self._invoice()
        with freeze_time("2025-06-25"):
            self._promise(invoice, "2025-07-10", page=True)
        firm = self._run("2025-07-11")
        self.assertIn(
            f"Vous nous aviez promis le règlement de {invoice.name} pour le "
            "10/07/2025 et nous ne l'avons pas reçu\xa0: les relances reprennent.",
            unescape(str(firm.mail_message_id.body)),
        )

    def test_kept_promise(self):
        invoice = self._invoice()
        with freeze_time("2025-06-25"):
            promise = self._promise(invoice, "2025-07-10", page=True)
        with freeze_time("2025-07-01"):
            self._pay_invoice(invoice)
        self.assertFalse(self._run("2025-07-02"))
        self.assertEqual(promise.state, "kept")
        self.assertEqual(promise.closed_date, date(2025, 7, 2))
        self.assertFalse(invoice.dunning_pause_reason)

    def test_partial_promise_kept_when_the_amount_is_paid(self):
        invoice = self._invoice()
        with freeze_time("2025-06-25"):
            promise = self._promise(invoice, "2025-07-10", 500.0, page=True)
            self._pay_invoice(invoice, 400.0)
        self._run("2025-06-26")
        self.assertEqual(promise.state, "open", "400 of the 500 promised")
        with freeze_time("2025-06-27"):
            self._pay_invoice(invoice, 100.0)
        self._run("2025-06-28")
        self.assertEqual(promise.state, "kept")

    def test_dispute_pauses_until_resolved(self):
        invoice = self._invoice()
        other = self._invoice(400.0)
        with freeze_time("2025-06-19"):
            dispute = self._dispute(invoice, "work", "The logo was never delivered")
        self.assertRecordValues(
            invoice,
            [{"dunning_pause_until": False, "dunning_pause_reason": "disputed"}],
        )
        self.assertFalse(invoice.dunning_next_date)
        self.assertEqual(dispute.activity_ids.user_id, self.salesman)
        self.assertEqual(
            dispute.activity_ids.summary, "Resolve the dispute of Brightside Coaching"
        )
        self.assertEqual(self.client._freelance_disputes(self.company), dispute)
        # A disputed invoice cannot be promised, nor disputed twice.
        with freeze_time("2025-06-19"):
            self._refused(
                ValidationError,
                f"{invoice.name} is disputed: a disputed invoice cannot be promised "
                "until the dispute is settled.",
                lambda: self._promise(invoice, "2025-07-10", page=True),
                invoice,
            )
            self._refused(
                ValidationError,
                f"{invoice.name} is already disputed: we are looking into it.",
                lambda: self._dispute(invoice | other),
                invoice | other,
            )
        # The invoice's own "Resume Reminders" does not end a dispute.
        with self.assertRaises(UserError) as catcher:
            invoice.with_user(self.salesman).action_dunning_resume()
        self.assertEqual(
            str(catcher.exception),
            f"These invoices are disputed by the client ({dispute.display_name}): "
            "resolve or reject the dispute to resume their reminders.",
        )
        self.assertEqual(invoice.dunning_pause_reason, "disputed")
        reminder = self._run("2025-07-21")
        self.assertEqual(reminder.line_ids.move_id, other, "the disputed one waits")
        self.assertFalse(self._run("2025-08-30").line_ids.move_id & invoice)
        # Rejected: a note is required; the chase resumes.
        with self.assertRaises(UserError) as catcher:
            dispute.action_reject()
        self.assertEqual(
            str(catcher.exception),
            "Write in the resolution note why the dispute is rejected.",
        )
        dispute.resolution_note = "The logo was delivered on 2 June."
        with freeze_time("2025-08-31"):
            dispute.with_user(self.salesman).action_reject()
        self.assertRecordValues(
            dispute,
            [
                {
                    "state": "rejected",
                    "resolved_by_id": self.salesman.id,
                    "resolved_date": date(2025, 8, 31),
                }
            ],
        )
        self.assertFalse(invoice.dunning_pause_reason)
        self.assertFalse(dispute.activity_ids)
        resumed = self._run("2025-09-01")
        self.assertEqual(resumed.line_ids.move_id, invoice)

    def test_resolved_dispute_gives_back_the_promise_pause(self):
        invoice = self._invoice()
        with freeze_time("2025-06-25"):
            promise = self._promise(invoice, "2025-07-20", page=True)
            dispute = self._dispute(invoice)
        self.assertEqual(invoice.dunning_pause_reason, "disputed")
        with freeze_time("2025-07-01"):
            dispute.action_resolve()
        self.assertEqual(dispute.state, "resolved")
        self.assertRecordValues(
            invoice,
            [
                {
                    "dunning_pause_until": date(2025, 7, 20),
                    "dunning_pause_reason": "promise",
                }
            ],
        )
        self.assertEqual(promise.state, "open")

    def test_nightly_run_marks_missed_and_resumes(self):
        """The scheduled action, not only a run by hand: the promise is missed
        the day after its date and the reminder of that night says so."""
        invoice = self._invoice()
        with freeze_time("2025-06-25"):
            promise = self._promise(invoice, "2025-07-10", page=True)
        engine = self.engine.with_context(ir_cron_progress_id=False)
        reminders = self.env["freelance.dunning.reminder"]
        domain = [("partner_id", "=", self.client.id)]
        with freeze_time("2025-07-10"):
            engine._cron_run()
        self.assertFalse(reminders.search(domain), "paused to the promised date")
        self.assertEqual(promise.state, "open")
        with freeze_time("2025-07-11"):
            engine._cron_run()
        self.assertEqual(promise.state, "missed")
        reminder = reminders.search(domain)
        self.assertEqual(promise.missed_reminder_id, reminder)
        self.assertIn(
            f"You promised to pay {invoice.name} by 07/10/2025, and we have not "
            "received the payment: the reminders have resumed.",
            unescape(str(reminder.email_intro)),
        )

    def test_promise_settings_bounds(self):
        for fname, value in (
            ("promise_max_days", 0),
            ("promise_max_days", 366),
            ("promise_period_days", 0),
            ("promise_max_count", -1),
        ):
            with self.assertRaises(ValidationError), self.env.cr.savepoint():
                self.company.write({fname: value})
        self.assertRecordValues(
            self.company,
            [
                {
                    "promise_max_days": 30,
                    "promise_max_count": 2,
                    "promise_period_days": 90,
                }
            ],
        )
        # No promise at all when the company allows none.
        self.company.promise_max_count = 0
        invoice = self._invoice()
        with freeze_time("2025-06-25"):
            self._refused(
                ValidationError,
                f"{self.company.name} does not take promises to pay: please pay "
                "the invoices or contact us.",
                lambda: self._promise(invoice, "2025-07-10", page=True),
                invoice,
            )

    @freeze_time("2025-06-25")
    def test_accountant_records_from_the_backend(self):
        """A dunning user records what the client said on the phone: the same
        rules, the source says who."""
        invoice = self._invoice()
        other = self._invoice(200.0)
        Promise = self.Promise.with_user(self.salesman)
        with Form(Promise) as form:
            form.partner_id = self.client
            form.move_ids.add(invoice)
            form.date = date(2025, 7, 5)
        promise = form.record
        self.assertRecordValues(
            promise,
            [
                {
                    "source": "backend",
                    "created_by_id": self.salesman.id,
                    "state": "open",
                    "amount": 0.0,
                }
            ],
        )
        self.assertEqual(invoice.dunning_pause_reason, "promise")
        with Form(self.Dispute.with_user(self.salesman)) as form:
            form.partner_id = self.client
            form.move_ids.add(other)
            form.reason = "paid"
            form.message = "Paid by cheque on 20 June, says the client."
        self.assertRecordValues(
            form.record, [{"source": "backend", "created_by_id": self.salesman.id}]
        )
        self.assertEqual(other.dunning_pause_reason, "disputed")
        # Smart buttons of the client's form.
        self.assertEqual(
            (self.client.dunning_promise_count, self.client.dunning_dispute_count),
            (1, 1),
        )
        action = self.client.action_view_dunning_promises()
        self.assertEqual(action["domain"], [("partner_id", "=", self.client.id)])

    @freeze_time("2025-07-01")
    def test_open_dispute_counts_as_paused_on_the_dashboard(self):
        """A dispute pauses with no end date: the dashboard's "Disputed or
        Promised Invoices" still counts and lists its invoices."""
        disputed = self._invoice()
        promised = self._invoice(300.0)
        dashboard = self.env["freelance.dunning.dashboard"]
        before = dashboard.get_dashboard_data()["todo"]["paused"]
        self._dispute(disputed)
        self._promise(promised, "2025-07-20", page=True)
        self.assertEqual(dashboard.get_dashboard_data()["todo"]["paused"], before + 2)
        action = dashboard.action_open("todo", "paused")
        found = self.env["account.move"].search(action["domain"])
        self.assertFalse((disputed | promised) - found, "both listed")

    def test_client_html_is_escaped_in_notes(self):
        """A message posted from the page reaches the activity and the
        chatter as text: no link nor image for the freelancer."""
        invoice = self._invoice()
        message = '<img src=x onerror=alert(1)><a href="https://evil.example">pay</a>'
        with freeze_time("2025-06-25"):
            dispute = self._dispute(invoice, "other", message)
        note = str(dispute.activity_ids.note)
        self.assertIn("&lt;img src=x onerror=alert(1)&gt;", note)
        self.assertNotIn("<img", note)
        self.assertNotIn("<a ", note)
        for thread in (dispute, invoice):
            body = str(
                thread.message_ids.filtered(lambda m: "disputes" in str(m.body)).body
            )
            self.assertIn("&lt;img src=x onerror=alert(1)&gt;", body)
            self.assertNotIn("<img", body)
            self.assertNotIn("<a ", body)

    def test_dates_in_the_readers_language(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        self.salesman.lang = "fr_FR"
        invoice = self._invoice()
        with freeze_time("2025-06-25"):
            promise = self._promise(invoice, "2025-07-10", page=True)
        activity = promise.activity_ids
        self.assertIn("10/07/2025", activity.summary)
        self.assertNotIn("2025-07-10", activity.summary)
        self.assertIn("10/07/2025", str(activity.note))
        self.assertNotIn("2025-07-10", str(activity.note))

    def test_only_an_accountant_settles_a_dispute(self):
        plain = self._create_user("fd_plain_sales", "sales_team.group_sale_salesman")
        self.client.user_id = plain
        invoice = self._create_invoice(
            None, 700.0, "2025-06-20", currency_id=self.eur.id, invoice_user_id=plain.id
        )
        dispute = self._dispute(invoice)
        dispute.resolution_note = "Checked."
        for action in ("action_resolve", "action_reject"):
            with self.assertRaises(AccessError) as catcher:
                getattr(dispute.with_user(plain), action)()
            self.assertEqual(
                str(catcher.exception),
                "Only an accountant (an invoicing user) or a dunning manager may "
                "resolve or reject a dispute: ask one of them.",
            )
        self.assertEqual(dispute.state, "open")
        self.assertEqual(invoice.dunning_pause_reason, "disputed")
        dispute.with_user(self.salesman).action_resolve()
        self.assertEqual(dispute.state, "resolved")

    def test_page_notes_are_the_clients(self):
        """Made on the page: every note is the client's, nobody else follows."""
        disputed = self._invoice()
        promised = self._invoice(400.0)
        with freeze_time("2025-06-25"):
            dispute = self._dispute(disputed)
            promise = self._promise(promised, "2025-07-10", page=True)
        for record, invoice in ((dispute, disputed), (promise, promised)):
            self.assertEqual(record.message_ids.author_id, self.client)
            self.assertNotIn(self.env.user.partner_id, record.message_partner_ids)
            notes = invoice.message_ids.filtered(
                lambda m: m.subtype_id == self.env.ref("mail.mt_note")
            )
            self.assertEqual(notes.author_id, self.client)
