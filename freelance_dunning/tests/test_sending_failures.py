"""Issue 19, Deliver 2 and 3: PDFs with Debian's wkhtmltopdf, and email
failures visible and retried.

The PDFs here are real: rendered by the wkhtmltopdf installed on the machine
(``force_report_rendering``, Odoo's switch for a real PDF under tests). The
mail server's refusal is Odoo's test mail gateway (``mock_mail_gateway``)
told to raise what an SMTP server raises.
"""

import io
import json
import logging
import smtplib
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from unittest.mock import patch

from freezegun import freeze_time
from lxml import etree

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import HttpCase, tagged
from odoo.tools import mute_logger
from odoo.tools.pdf import PdfFileReader
from odoo.tools.safe_eval import safe_eval

from odoo.addons.base.models.ir_actions_report import (
    IrActionsReport as OdooReport,
)
from odoo.addons.freelance_dunning.models.account_move import (
    AccountMove as DunningMove,
)
from odoo.addons.freelance_dunning.models.ir_actions_report import (
    wkhtmltopdf_has_patched_qt,
)
from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

_logger = logging.getLogger(__name__)

REFUSED = smtplib.SMTPRecipientsRefused(
    {"hello@brightside.example.com": (550, b"5.1.1 Mailbox unavailable")}
)
QUEUED = (
    "The payment reminders are being sent in the background (1): you will be "
    "told here when they are sent."
)
REMINDER_LOGGER = "odoo.addons.freelance_dunning.models.freelance_dunning_reminder"


def pdf_pages(raw):
    """The text of each page of a PDF."""
    reader = PdfFileReader(io.BytesIO(raw), strict=False)
    return [page.extract_text() for page in reader.pages]


def first_text_top_mm(raw):
    """How far below the top edge of the first page its first text starts
    (millimetres), and that text."""
    page = PdfFileReader(io.BytesIO(raw), strict=False).pages[0]
    height = float(page.mediabox.height)
    found = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            found.append((tm[5] * cm[3] + cm[5], one_line(text)))

    page.extract_text(visitor_text=visit)
    top, text = max(found, key=lambda item: item[0])
    return (height - top) * 25.4 / 72, text


def one_line(text):
    return " ".join(text.split())


@tagged("post_install", "-at_install")
class TestSendingFailures(FreelanceDunningCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.company.write({"name": "Atelier Lumen", "street": "12 rue des Lilas"})
        cls.cron = cls.env.ref("account.ir_cron_account_move_send")
        cls.accountant = cls._create_user(
            "fd_send_accountant", "account.group_account_invoice"
        )
        cls.dunning_user = cls._create_user(
            "fd_send_dunning",
            "account.group_account_invoice,freelance_dunning.group_dunning_user",
        )
        cls.employee = cls._create_user(
            "fd_send_employee", "base.group_user", email="colleague@atelier.example.com"
        )
        cls.salesperson = cls._create_user(
            "fd_send_sales", "sales_team.group_sale_salesman"
        )
        # wkhtmltopdf loads the page's styles and web fonts from the report
        # URL. No Odoo serves this test database over HTTP: the URL points
        # where nothing answers, so the PDFs do not depend on whatever server
        # listens on the default one (its web fonts are embedded as glyph
        # images, without text to read back).
        cls.env["ir.config_parameter"].sudo().set_param(
            "report.url", "http://127.0.0.1:1"
        )

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    @contextmanager
    def _mail_server_refuses(self):
        """The mail server refuses every email while inside."""
        self.send_email_mocked.side_effect = REFUSED
        try:
            with mute_logger("odoo.addons.mail.models.mail_mail"):
                yield
        finally:
            self.send_email_mocked.side_effect = None

    @contextmanager
    def _mail_server_refuses_only(self, address):
        """The mail server refuses the emails to ``address`` while inside,
        and takes the others."""
        original = self.send_email_mocked.side_effect

        def send_email(server, message, *args, **kwargs):
            if address in (message["To"] or ""):
                raise smtplib.SMTPRecipientsRefused(
                    {address: (550, b"5.1.1 Mailbox unavailable")}
                )
            return original(server, message, *args, **kwargs)

        self.send_email_mocked.side_effect = send_email
        try:
            with mute_logger("odoo.addons.mail.models.mail_mail"):
                yield
        finally:
            self.send_email_mocked.side_effect = original

    def _flush_mail_queue(self, refused=False):
        if refused:
            with self._mail_server_refuses():
                self.env["mail.mail"].sudo().process_email_queue()
        else:
            self.env["mail.mail"].sudo().process_email_queue()

    def _filter_domain(self, model, name):
        """The domain of a filter of the model's search view, as the UI
        applies it."""
        arch = self.env[model].get_views([(False, "search")])["views"]["search"]["arch"]
        node = etree.fromstring(arch).xpath(f"//filter[@name='{name}']")[0]
        return safe_eval(node.get("domain"))

    def _overdue_invoices(self, count, due="2025-06-20"):
        return self.env["account.move"].union(
            *(
                self._create_invoice(amount=100.0 * (i + 1), due=due)
                for i in range(count)
            )
        )

    # ------------------------------------------------------------------
    # Deliver 2: PDFs with Debian's wkhtmltopdf
    # ------------------------------------------------------------------

    def test_several_invoices_in_one_real_pdf(self):
        """What /report/pdf/<report>/<id>,<id> calls: two invoices, one PDF of
        two pages, each with its company header (the unpatched build refused
        the two documents in one call, and dropped the header)."""
        first, second = self._overdue_invoices(2)
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        content, kind = Report._render_qweb_pdf(
            "account.account_invoices", [first.id, second.id]
        )
        self.assertEqual(kind, "pdf")
        pages = [one_line(text) for text in pdf_pages(content)]
        self.assertEqual(len(pages), 2)
        for page, invoice in zip(pages, first | second, strict=True):
            self.assertIn(f"Invoice {invoice.name}", page)
            self.assertIn("12 rue des Lilas", page, "the company header is kept")

    def test_several_quotations_in_one_real_pdf(self):
        orders = self._create_order() | self._create_order()
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        content, kind = Report._render_qweb_pdf("sale.report_saleorder", orders.ids)
        self.assertEqual(kind, "pdf")
        pages = [one_line(text) for text in pdf_pages(content)]
        self.assertEqual(len(pages), 2)
        for page, order in zip(pages, orders, strict=True):
            self.assertIn(order.name, page)
            self.assertIn("12 rue des Lilas", page)

    def test_wkhtmltopdf_build_is_detected(self):
        """Two documents in one call of the machine's wkhtmltopdf, as Odoo
        makes it (``_run_wkhtmltopdf`` of base, without the addon's
        override): Debian's build writes nothing (Odoo then fails with
        "Cannot read an empty file"), the patched build two pages. The
        addon's detection says which one this is."""
        Report = self.env["ir.actions.report"]
        self.assertEqual(Report.get_wkhtmltopdf_state(), "ok", "wkhtmltopdf is here")
        bodies = [
            "<html><body><h1>First</h1></body></html>",
            "<html><body><h1>Second</h1></body></html>",
        ]
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            content = OdooReport._run_wkhtmltopdf(Report, bodies)
        debian_build = content == b""
        self.assertEqual(wkhtmltopdf_has_patched_qt(), not debian_build)
        self.assertEqual(Report._wkhtmltopdf_one_document_per_call(), debian_build)
        # Through the addon: two pages whatever the build.
        with mute_logger("odoo.addons.base.models.ir_actions_report"):
            pages = pdf_pages(Report._run_wkhtmltopdf(bodies))
        self.assertEqual([one_line(page) for page in pages], ["First", "Second"])

    def test_no_blank_band_above_the_header(self):
        """The company header opens the first page of a real invoice PDF:
        with the unpatched build the header is inside the page, so no margin
        is kept for a separate header (``--margin-top`` small); the patched
        build keeps the paper format's margins."""
        invoice = self._overdue_invoices(1)
        # Without a logo, the company's name is the first line of the header.
        self.company.logo = False
        Report = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        content = Report._render_qweb_pdf("account.account_invoices", invoice.ids)[0]
        top, text = first_text_top_mm(content)
        _logger.info("Invoice PDF: first text %.1f mm below the top: %s", top, text)
        self.assertEqual(text, "Atelier Lumen")
        paperformat = self.company.paperformat_id or self.env.ref(
            "base.paperformat_euro"
        )
        args = Report._build_wkhtmltopdf_args(paperformat, False)
        margin_top = args[args.index("--margin-top") + 1]
        if Report._wkhtmltopdf_one_document_per_call():
            self.assertEqual(margin_top, "10")
            # 10 mm of margin, then the line's own spacing (58 mm before: the
            # paper format's 52 mm kept for a header never printed there).
            self.assertLess(top, 20, f"first text {top:.1f} mm below the top")
        else:
            self.assertEqual(margin_top, str(paperformat.margin_top))
        pages = [one_line(text) for text in pdf_pages(content)]
        self.assertIn("12 rue des Lilas", pages[0])

    def test_reminder_of_three_invoices_with_real_pdfs(self):
        invoices = self._overdue_invoices(3)
        self.assertFalse(invoices.invoice_pdf_report_id, "no PDF stored by Odoo")
        engine = self.engine.with_context(force_report_rendering=True)
        started = time.perf_counter()
        with freeze_time("2025-06-21"):
            reminder = engine._run(self.company, date(2025, 6, 21))
        elapsed = time.perf_counter() - started
        _logger.info("Reminder of 3 invoices with real PDFs: %.2f s", elapsed)
        self.assertEqual(reminder.state, "sent", reminder.error)
        self.assertFalse(reminder.pdf_missing_move_ids)
        files = reminder.mail_message_id.attachment_ids.sorted("name")
        self.assertEqual(
            files.mapped("name"),
            sorted(
                f"{invoice._get_report_base_filename()}.pdf" for invoice in invoices
            ),
        )
        for file in files:
            invoice = invoices.filtered(
                lambda move, file=file: file.name.startswith(
                    move._get_report_base_filename()
                )
            )
            self.assertEqual(file.mimetype, "application/pdf")
            pages = [one_line(text) for text in pdf_pages(file.raw)]
            self.assertEqual(len(pages), 1)
            self.assertIn(f"Invoice {invoice.name}", pages[0])
            self.assertIn("12 rue des Lilas", pages[0], "the company header")

    def test_reminder_letter_keeps_the_company_header(self):
        """The formal notice's letter, a real PDF: the company's address heads
        it (the unpatched build ignores Odoo's separate header file)."""
        self._overdue_invoices(1)
        formal = self.levels.filtered(lambda level: level.name == "Formal notice")
        self.assertTrue(formal.channel_letter)
        for day in ("2025-06-21", "2025-07-05", "2025-07-20"):
            with freeze_time(day):
                self.engine._run(self.company, date.fromisoformat(day))
        engine = self.engine.with_context(force_report_rendering=True)
        with freeze_time("2025-08-04"):
            reminder = engine._run(self.company, date(2025, 8, 4), user=self.env.user)
        self.assertEqual(reminder.level_id, formal)
        self.assertEqual(reminder.state, "sent", reminder.error)
        pages = [one_line(text) for text in pdf_pages(reminder.letter_id.raw)]
        self.assertIn("12 rue des Lilas", pages[0], "the company header")
        self.assertIn("Brightside Coaching", pages[0])

    def test_one_invoice_pdf_failing_never_blocks_the_reminder(self):
        first, broken, third = self._overdue_invoices(3)
        broken.ref = "PDF FAILS"
        # A template error on this one invoice only (a customisation gone
        # wrong): its PDF cannot be made, the others can.
        self.env["ir.ui.view"].create(
            {
                "name": "fd test: one invoice's PDF fails",
                "type": "qweb",
                "inherit_id": self.env.ref("account.report_invoice_document").id,
                "arch": """
                    <xpath expr="//t[@t-set='forced_vat']" position="after">
                        <t t-if="o.ref == 'PDF FAILS'" t-out="o.fd_no_such_field"/>
                    </xpath>""",
            }
        )
        with freeze_time("2025-06-21"), mute_logger(REMINDER_LOGGER):
            reminder = self.engine._run(self.company, date(2025, 6, 21))
        self.assertEqual(reminder.state, "sent")
        self.assertEqual(reminder.line_ids.move_id, first | broken | third)
        self.assertEqual(reminder.pdf_missing_move_ids, broken)
        self.assertEqual(
            sorted(reminder.mail_message_id.attachment_ids.mapped("name")),
            sorted(
                f"{invoice._get_report_base_filename()}.pdf"
                for invoice in first | third
            ),
        )
        found = self.env["freelance.dunning.reminder"].search(
            self._filter_domain("freelance.dunning.reminder", "pdf_missing")
        )
        self.assertEqual(found, reminder)

    # ------------------------------------------------------------------
    # Deliver 3: an invoice's email refused by the mail server
    # ------------------------------------------------------------------

    def _post_and_send(self):
        invoice = self._create_invoice(
            invoice_line_ids=[
                Command.create({"product_id": self.service.id, "quantity": 2})
            ]
        )
        self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertTrue(invoice.is_move_sent)
        return invoice

    def test_refused_invoice_email_is_failed_shown_and_retried_with_backoff(self):
        start = datetime(2025, 6, 2, 9, 0)
        with freeze_time(start):
            invoice = self._post_and_send()
            self._flush_mail_queue(refused=True)
        self.assertEqual(invoice.send_at_once_state, "failed")
        self.assertFalse(invoice.is_move_sent, "not sent: the client was not told")
        self.assertEqual(
            invoice.send_at_once_error,
            "The mail server refused the email.\n" + str(REFUSED),
        )
        self.assertEqual(invoice.send_at_once_attempts, 1)
        self.assertEqual(invoice.send_at_once_retry_at, start + timedelta(minutes=15))
        failed = self.env["account.move"].search(
            self._filter_domain("account.move", "send_email_failed")
        )
        self.assertEqual(failed, invoice)
        # Growing delays: 15 minutes, 1 hour, 4 hours, then no more.
        now = start
        for attempt, delay in ((2, timedelta(hours=1)), (3, timedelta(hours=4))):
            with freeze_time(now + timedelta(minutes=1)):
                self.cron.method_direct_trigger()
            self.assertEqual(invoice.send_at_once_attempts, attempt - 1, "not yet")
            now = invoice.send_at_once_retry_at
            with freeze_time(now):
                self.cron.method_direct_trigger()
                self.assertEqual(
                    invoice.send_at_once_state, "sent", invoice.send_at_once_error
                )
                self._flush_mail_queue(refused=True)
            self.assertEqual(invoice.send_at_once_state, "failed")
            self.assertEqual(invoice.send_at_once_attempts, attempt)
            self.assertEqual(invoice.send_at_once_retry_at, now + delay)
        now = invoice.send_at_once_retry_at
        with freeze_time(now):
            self.cron.method_direct_trigger()
            self._flush_mail_queue(refused=True)
        self.assertEqual(invoice.send_at_once_attempts, 4)
        self.assertEqual(invoice.send_at_once_state, "failed")
        self.assertFalse(invoice.send_at_once_retry_at, "stops after 4 attempts")
        with freeze_time(now + timedelta(days=2)):
            self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_attempts, 4, "no fifth attempt")
        emails = [
            mail for mail in self._mails if invoice.name in (mail["subject"] or "")
        ]
        self.assertEqual(len(emails), 4, "one email per attempt")

        # Resent by hand once the cause is fixed: a new set of attempts.
        invoice.with_user(self.accountant).action_resend_failed_email()
        self.assertEqual(invoice.send_at_once_state, "pending")
        self.assertEqual(invoice.send_at_once_attempts, 0)
        self.cron.method_direct_trigger()
        self._flush_mail_queue()
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertTrue(invoice.is_move_sent)
        self.assertFalse(invoice.send_at_once_error)
        self.assertFalse(
            self.env["account.move"].search(
                self._filter_domain("account.move", "send_email_failed")
            )
        )

    def test_refused_follower_leaves_the_delivered_invoice_sent(self):
        """The client's copy went out, a follower's was refused: the invoice
        is sent, not failed, and never emailed to the client again."""
        invoice = self._create_invoice(
            invoice_line_ids=[
                Command.create({"product_id": self.service.id, "quantity": 2})
            ]
        )
        invoice.message_subscribe(partner_ids=self.employee.partner_id.ids)
        self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "sent")
        with self._mail_server_refuses_only("colleague@atelier.example.com"):
            self._flush_mail_queue()
        refused = (
            self.env["mail.mail"]
            .sudo()
            .search(
                [
                    ("model", "=", "account.move"),
                    ("res_id", "=", invoice.id),
                    ("state", "=", "exception"),
                ]
            )
        )
        self.assertEqual(refused.recipient_ids, self.employee.partner_id)
        self.assertEqual(
            [
                mail["email_to"]
                for mail in self._mails
                if invoice.name in mail["subject"]
            ],
            [[self.client.email_formatted], [self.employee.email_formatted]],
            "the client's copy, then the follower's (refused)",
        )
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertTrue(invoice.is_move_sent)
        self.assertFalse(invoice.send_at_once_error)
        self.assertFalse(invoice.send_at_once_retry_at)
        # A chatter message carrying another PDF, refused for the client: not
        # the invoice's sending either.
        invoice.message_post(
            body="Our terms",
            partner_ids=self.client.ids,
            attachments=[("terms.pdf", b"%PDF-1.4 terms")],
            message_type="comment",
            subtype_xmlid="mail.mt_comment",
        )
        self._flush_mail_queue(refused=True)
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertTrue(invoice.is_move_sent)

    def test_refusal_of_a_locked_invoice_is_recorded_by_the_next_pass(self):
        """The invoice cannot be locked when the mail server's refusal comes
        in: the refused mail is kept and marked, and the next pass of the
        sending queue records the failure on the invoice."""
        start = datetime(2025, 6, 2, 9, 0)
        with freeze_time(start):
            invoice = self._post_and_send()
            with patch.object(DunningMove, "_lock_waiting", return_value=False):
                self._flush_mail_queue(refused=True)
        self.assertEqual(invoice.send_at_once_state, "sent", "not recorded yet")
        mail = (
            self.env["mail.mail"]
            .sudo()
            .search([("model", "=", "account.move"), ("res_id", "=", invoice.id)])
        )
        self.assertEqual(len(mail), 1)
        self.assertTrue(mail.refused_invoice_pending)
        self.assertFalse(mail.auto_delete, "kept until recorded")
        with freeze_time(start + timedelta(minutes=1)):
            self.cron.method_direct_trigger()
        self.assertEqual(invoice.send_at_once_state, "failed")
        self.assertFalse(invoice.is_move_sent)
        self.assertEqual(
            invoice.send_at_once_error,
            "The mail server refused the email.\n" + str(REFUSED),
        )
        self.assertEqual(invoice.send_at_once_attempts, 1)
        self.assertEqual(
            invoice.send_at_once_retry_at,
            start + timedelta(minutes=16),
        )
        self.assertFalse(mail.refused_invoice_pending, "recorded once")

    def test_download_only_leaves_a_failed_invoice_failed(self):
        """Odoo's Send with Email unticked (download) after a refusal: nothing
        reached the client, the invoice stays failed and retried; emailed,
        it is sent."""
        invoice = self._post_and_send()
        self._flush_mail_queue(refused=True)
        self.assertEqual(invoice.send_at_once_state, "failed")
        retry_at = invoice.send_at_once_retry_at
        self.env["account.move.send"]._generate_and_send_invoices(
            invoice, sending_methods=[]
        )
        self.assertEqual(invoice.send_at_once_state, "failed")
        self.assertFalse(invoice.is_move_sent)
        self.assertEqual(invoice.send_at_once_retry_at, retry_at)
        self.env["account.move.send"]._generate_and_send_invoices(
            invoice, sending_methods=["email"]
        )
        self.assertEqual(invoice.send_at_once_state, "sent")
        self.assertTrue(invoice.is_move_sent)

    def test_resend_of_an_invoice_is_checked_by_the_model(self):
        invoice = self._post_and_send()
        with self.assertRaisesText(
            UserError, "Only posted invoices whose email failed"
        ):
            invoice.with_user(self.accountant).action_resend_failed_email()
        self._flush_mail_queue(refused=True)
        self.assertEqual(invoice.send_at_once_state, "failed")
        with self.assertRaisesText(AccessError, "Only invoicing users may send"):
            invoice.with_user(self.employee).action_resend_failed_email()
        self.assertEqual(invoice.send_at_once_state, "failed", "nothing changed")
        self.assertEqual(invoice.send_at_once_attempts, 1)

    def test_refused_deposit_invoice_email(self):
        """A deposit invoice the addon emails once the order is confirmed
        (through Odoo's sending queue, whatever the invoice setting): refused,
        it fails and is retried the same way."""
        self.company.invoice_send_at_once = False
        start = datetime.now().replace(microsecond=0)
        with freeze_time(start), self._mail_server_refuses():
            order = self._confirm(self._create_order())
            self._send_in_background()
            self._flush_mail_queue()
        deposit = order.invoice_ids
        self.assertEqual(len(deposit), 1)
        self.assertEqual(deposit.send_at_once_state, "failed")
        self.assertFalse(deposit.is_move_sent)
        self.assertEqual(deposit.send_at_once_retry_at, start + timedelta(minutes=15))
        with freeze_time(start + timedelta(minutes=15)):
            self.cron.method_direct_trigger()
            self._flush_mail_queue()
        self.assertEqual(deposit.send_at_once_state, "sent")
        self.assertTrue(deposit.is_move_sent)

    def test_portal_signed_deposit_is_written_by_the_salesperson(self):
        """A client signs on the portal (public user): the deposit invoice's
        email is written by the order's salesperson, who is told of it; its
        retry by the scheduled run keeps that author."""
        self.company.invoice_send_at_once = False
        order = self._sign(self._create_order())
        order.user_id = self.salesperson
        public = self.env.ref("base.public_user")
        start = datetime.now().replace(microsecond=0)
        with freeze_time(start), self._mail_server_refuses():
            order.with_user(public).sudo().action_confirm()
            deposit = order.invoice_ids
            self.assertEqual(
                deposit.sending_data["author_user_id"], self.salesperson.id
            )
            self._send_in_background()
            self._flush_mail_queue()
        self.assertEqual(deposit.send_at_once_state, "failed")
        self.assertEqual(deposit.send_at_once_author_id, self.salesperson)
        with freeze_time(start + timedelta(minutes=15)):
            self.cron.method_direct_trigger()
            self._flush_mail_queue()
        self.assertEqual(deposit.send_at_once_state, "sent")
        self.assertEqual(deposit.send_at_once_author_id, self.salesperson)
        # Who Odoo's queue tells of each sending (its "invoices sent"
        # notification): the salesperson, for the first sending and the retry.
        self.env.cr.precommit.run()
        told = [
            json.loads(note.channel)[1:]
            for note in self.env["bus.bus"]
            .sudo()
            .search([("message", "like", '"account_notification"')], order="id")
            if json.loads(note.message)["payload"]["action_button"]["res_ids"]
            == deposit.ids
        ]
        self.assertEqual(told, [["res.partner", self.salesperson.partner_id.id]] * 2)

    # ------------------------------------------------------------------
    # Deliver 3: a reminder's email refused by the mail server
    # ------------------------------------------------------------------

    def test_refused_reminder_is_shown_found_and_resent(self):
        self._overdue_invoices(1)
        with freeze_time("2025-06-21"):
            reminder = self.engine._run(self.company, date(2025, 6, 21))
            self.assertEqual(reminder.state, "sent")
            self.assertEqual(reminder.sent_by, "Scheduled run")
            self._flush_mail_queue(refused=True)
        self.assertEqual(reminder.state, "failed")
        self.assertFalse(reminder.superseded_by_id)
        self.assertEqual(
            self.env["freelance.dunning.dashboard"]._todo_counts(self.company)[
                "failed"
            ],
            1,
        )
        self.assertIn("The email could not be delivered.", reminder.error)
        self.assertEqual(reminder.sent_by, "Scheduled run", "still who sent it")
        Reminder = self.env["freelance.dunning.reminder"]
        self.assertEqual(
            Reminder.search(self._filter_domain(Reminder._name, "email_failed")),
            reminder,
        )
        with self.assertRaisesText(AccessError, ""):
            reminder.with_user(self.employee).action_resend()
        with freeze_time("2025-06-22"):
            action = reminder.with_user(self.dunning_user).action_resend()
        # Returned at once, the new reminder queued like Validate and Send.
        self.assertEqual(action["params"]["message"], QUEUED)
        self.assertEqual(action["params"]["type"], "info")
        again = Reminder.browse(action["params"]["next"]["domain"][0][2])
        self.assertEqual(len(again), 1)
        self.assertEqual(again.state, "queued")
        self.assertFalse(again.mail_message_id, "nothing emailed in the click")
        self._send_in_background("2025-06-22")
        self.assertEqual(again.state, "sent")
        self.assertEqual(again.level_id, reminder.level_id, "the same level again")
        self.assertEqual(again.sent_by, self.dunning_user.name)
        self.assertEqual(reminder.state, "failed", "kept in the history as it failed")
        with self.assertRaisesText(
            UserError, "Only failed reminders can be sent again"
        ):
            again.with_user(self.dunning_user).action_resend()
        # Superseded: no longer to do, nor offered to send again.
        self.assertEqual(reminder.superseded_by_id, again)
        for name in ("failed", "email_failed"):
            self.assertFalse(
                Reminder.search(self._filter_domain(Reminder._name, name)), name
            )
        dashboard = self.env["freelance.dunning.dashboard"]
        self.assertEqual(dashboard._todo_counts(self.company)["failed"], 0)
        with self.assertRaisesText(
            UserError,
            f"These reminders were already sent again: {reminder.display_name} "
            f"as {again.display_name}",
        ):
            reminder.with_user(self.dunning_user).action_resend()
        form = Reminder.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn("""invisible="state != 'failed' or superseded_by_id\"""", form)

    def _failed_friendly_reminder(self, other_level, other_due):
        """A friendly reminder of 21 June 2025 for an invoice due the day
        before, whose email the mail server refused; the client's other
        invoice (due ``other_due``) got ``other_level`` on 25 June, and is
        not due for the next level yet on 21 June: (other invoice, failed)."""
        other = self._create_invoice(amount=1200.0, due=other_due)
        with self._as_dunning_engine():
            self._receivable(other).write(
                {
                    "dunning_level_id": self._level(other_level).id,
                    "dunning_last_date": "2025-06-25",
                }
            )
        invoice = self._create_invoice(amount=300.0, due="2025-06-20")
        with freeze_time("2025-06-21"):
            failed = self.engine._run(self.company, date(2025, 6, 21))
            self.assertEqual(failed.state, "sent")
            self._flush_mail_queue(refused=True)
        self.assertEqual(failed.state, "failed")
        self.assertEqual(failed.level_id, self._level("Friendly reminder"))
        self.assertEqual(failed.line_ids.move_line_id.move_id, invoice)
        return other, failed

    def _send_again(self, failed, day):
        """Send Again clicked on ``day``: (the action, the new reminder)."""
        with freeze_time(day):
            action = failed.with_user(self.dunning_user).action_resend()
        new = self.env["freelance.dunning.reminder"].browse(
            action["params"]["next"]["domain"][0][2]
        )
        self.assertEqual(len(new), 1)
        return action, new

    def test_send_again_never_sends_a_level_that_needs_validation(self):
        """A friendly reminder failed; when Send Again is clicked, the
        client's other invoice has reached the formal notice, which needs a
        validation: the new reminder waits for one (nothing sent, no
        penalty), and the user is told."""
        other, failed = self._failed_friendly_reminder(
            "Suspension notice", "2025-05-01"
        )
        action, notice = self._send_again(failed, "2025-07-12")
        self.assertEqual(notice.level_id, self._level("Formal notice"))
        self.assertEqual(notice.state, "waiting")
        self.assertFalse(notice.user_id, "nobody validated it")
        self.assertEqual(action["params"]["type"], "warning")
        self.assertTrue(action["params"]["sticky"])
        self.assertEqual(
            action["params"]["message"],
            "Formal notice to Brightside Coaching on 2025-07-12 was not sent, it "
            "waits for your validation: its level needs one, or is higher than "
            "the failed reminder's.",
        )
        self._send_in_background("2025-07-12")
        self.assertEqual(notice.state, "waiting")
        self.assertFalse(notice.mail_message_id)
        self.assertFalse(notice.letter_id)
        self.assertEqual(
            self._receivable(other).dunning_level_id,
            self._level("Suspension notice"),
            "the other invoice keeps its level",
        )

    def test_send_again_never_sends_a_higher_level(self):
        """A friendly reminder failed; when Send Again is clicked, the client's
        other invoice has reached the firm reminder (no validation needed):
        it is not sent in the name of the failed friendly one, it waits."""
        self.assertFalse(self._level("Firm reminder").needs_validation)
        _other, failed = self._failed_friendly_reminder(
            "Friendly reminder", "2025-06-01"
        )
        action, firm = self._send_again(failed, "2025-07-12")
        self.assertEqual(firm.level_id, self._level("Firm reminder"))
        self.assertEqual(firm.state, "waiting")
        self.assertEqual(
            action["params"]["message"],
            "Firm reminder to Brightside Coaching on 2025-07-12 was not sent, it "
            "waits for your validation: its level needs one, or is higher than "
            "the failed reminder's.",
        )
        self._send_in_background("2025-07-12")
        self.assertEqual(firm.state, "waiting")
        self.assertFalse(firm.mail_message_id)
        # Validated, it goes.
        with freeze_time("2025-07-12"):
            firm.with_user(self.dunning_user).action_validate()
        self._send_in_background("2025-07-12")
        self.assertEqual(firm.state, "sent")
        self.assertEqual(firm.user_id, self.dunning_user)


@tagged("post_install", "-at_install", "fd_http")
class TestSendingFailureTours(FreelanceDunningCommon, HttpCase):
    """The banner and its button, in a real browser."""

    def test_invoice_email_failed_banner_and_send_again(self):
        invoice = self._create_invoice(
            invoice_line_ids=[Command.create({"product_id": self.service.id})]
        )
        invoice._record_send_at_once(False)
        # What the mail server's refusal does (mail.mail._postprocess_sent_message).
        invoice._fail_email_delivery("The mail server refused the email.")
        self.assertEqual(invoice.send_at_once_state, "failed")
        self.start_tour(
            f"/odoo/action-account.action_move_out_invoice_type/{invoice.id}",
            "freelance_dunning_invoice_email_failed",
            login=self.manager.login,
        )
        self.assertEqual(invoice.send_at_once_state, "pending", "queued again")
        self.assertEqual(invoice.send_at_once_attempts, 0)
