from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

LETTER = "freelance_dunning.action_report_dunning_letter"


@tagged("post_install", "-at_install")
class TestLevelTexts(FreelanceDunningCommon, MockEmail):
    """What a reminder says is its level's text: the email and the letter
    print it around the shared invoice table, placeholders filled in from the
    reminder and the company."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Level = cls.env["freelance.dunning.level"]
        cls.Level._create_default_levels(cls.company)
        cls.levels = cls.Level.search(
            [("company_id", "=", cls.company.id)], order="sequence"
        )
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.engine = cls.env["freelance.dunning.engine"]

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    def _invoice(self, amount=1000.0, due="2025-06-20", partner=None):
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": (partner or self.client).id,
                "invoice_date": due,
                "invoice_date_due": due,
                "currency_id": self.eur.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Design work",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        invoice.action_post()
        return invoice

    def _reminder(self, level, invoice, day="2025-07-01"):
        """A reminder of ``invoice`` at ``level``, not sent."""
        line = invoice.line_ids.filtered(
            lambda ln: ln.account_type == "asset_receivable"
        )
        return self.engine._create_reminder(
            self.company,
            invoice.partner_id,
            line.currency_id,
            date.fromisoformat(day),
            [
                (
                    line,
                    level,
                    {
                        "days_late": 11,
                        "amount_residual": invoice.amount_residual,
                        "interest": 3.0,
                        "indemnity": self.company.recovery_indemnity_amount,
                    },
                )
            ],
        )

    def _letter_html(self, reminder):
        html, _type = self.env["ir.actions.report"]._render_qweb_html(
            LETTER, reminder.ids
        )
        return html.decode()

    def test_a_level_added_by_a_user_sends_its_own_text(self):
        """A seventh level, written by a manager: its email and its letter
        say its words, with the company's indemnity and margin."""
        self.levels.active = False
        level = self.Level.with_user(self.manager).create(
            {
                "name": "Second friendly reminder",
                "days": 1,
                "add_penalties": True,
                "channel_letter": True,
                "email_subject": "{client}, a word from {company} about {total}",
                "email_intro": "<p>Hello {client}, we are still waiting for "
                "<strong>{amount_due}</strong>; for business clients the law adds "
                "{indemnity_amount} per invoice.</p>",
                "email_closing": "<p>See you soon, {company}</p>",
                "letter_title": "Second reminder of {level}",
                "letter_intro": "<p>To {client}: please pay before {deadline}.</p>",
                "letter_closing": "<p>Margin of {interest_margin} points, "
                "indemnity {indemnity_amount}.</p>",
            }
        )
        self.company.write({"recovery_indemnity_amount": 55.0})
        self.company.late_interest_margin = 12.0
        invoice = self._invoice(1000.0)
        with freeze_time("2025-06-21"):
            reminder = self.engine._run(self.company, date(2025, 6, 21))
        self.assertEqual(reminder.level_id, level)
        self.assertEqual(reminder.state, "sent")
        message = reminder.mail_message_id
        self.assertEqual(
            message.subject,
            "Brightside Coaching, a word from "
            f"{self.company.name} about {reminder._format(reminder.amount_total)}",
        )
        body = str(message.body)
        self.assertIn("Hello Brightside Coaching, we are still waiting for", body)
        self.assertIn("the law adds 55.00&nbsp;€ per invoice", body)
        self.assertNotIn("40.00&nbsp;€", body)
        self.assertIn(f"See you soon, {self.company.name}", body)
        self.assertNotIn("slipped through the cracks", body, "no shipped wording")
        # The shared invoice table, between the two texts.
        self.assertIn(invoice.name, body)
        self.assertIn(invoice.access_token, body)
        self.assertLess(body.index("Hello"), body.index(invoice.name))
        self.assertLess(body.index(invoice.name), body.index("See you soon"))

        self.assertTrue(reminder.letter_id, "the letter is printed")
        letter = self._letter_html(reminder)
        self.assertIn("Second reminder of Second friendly reminder", letter)
        self.assertIn("To Brightside Coaching: please pay before 06/29/2025", letter)
        self.assertIn("Margin of 12 points, indemnity 55.00\xa0€.", letter)
        self.assertIn(invoice.name, letter)
        self.assertIn("Pay online", letter)
        self.assertNotIn("40.00\xa0€", letter)

    def test_the_indemnity_in_the_shipped_texts_is_the_companys(self):
        firm = self._level("Firm reminder")
        invoice = self._invoice(1000.0)
        reminder = self._reminder(firm, invoice)
        self.assertIn("recovery costs of 40.00\xa0€ per invoice", reminder.email_intro)
        self.company.recovery_indemnity_amount = 45.5
        self.company.late_interest_margin = 8.0
        reminder.invalidate_recordset()
        self.assertIn("recovery costs of 45.50\xa0€ per invoice", reminder.email_intro)
        letter = self._letter_html(reminder)
        self.assertIn("recovery costs of 45.50\xa0€ per invoice", letter)
        # The rate of each half-year of the delay (due 20 June 2025, reminder
        # of 1 July 2025), with the company's margin: ECB 3.15 + 8, 2.15 + 8.
        self.assertIn(
            "11.15% a year from 01/01/2025 (ECB main refinancing rate of 3.15% "
            "plus 8 points); 10.15% a year from 07/01/2025 (ECB main refinancing "
            "rate of 2.15% plus 8 points)",
            letter,
        )
        self.assertNotIn("40.00\xa0€", letter)

    def test_placeholder_values_are_escaped(self):
        """A client's name is text, never markup, in the email and the letter."""
        client = self.env["res.partner"].create(
            {
                "name": 'Evil <img src=x onerror="alert(1)"> & Co',
                "is_company": True,
                "email": "evil@example.com",
                "lang": "en_US",
            }
        )
        reminder = self._reminder(
            self._level("Friendly reminder"), self._invoice(500.0, partner=client)
        )
        self.assertIn(
            "Dear Evil &lt;img src=x onerror=&#34;alert(1)&#34;&gt; &amp; Co,",
            reminder.email_intro,
        )
        self.assertNotIn("<img", reminder.email_intro)
        rendered = reminder._render_email()
        self.assertNotIn("<img src=x", rendered["body_html"])
        letter = self._letter_html(reminder)
        self.assertIn("to <strong>Evil &lt;img src=x onerror=", letter)
        self.assertNotIn("<img src=x", letter)

    def test_a_level_refuses_an_unknown_placeholder(self):
        level = self._level("Friendly reminder")
        with self.assertRaisesRegex(
            ValidationError, r"unknown placeholder: \{clinet\}"
        ):
            level.write({"email_intro": "<p>Dear {clinet},</p>"})
        with self.assertRaisesRegex(ValidationError, r"\{__class__\}"):
            level.write({"email_subject": "{__class__}"})

    def test_the_formal_notice_letter_keeps_its_wording(self):
        notice = self._level("Formal notice")
        reminder = self._reminder(notice, self._invoice(1000.0))
        letter = self._letter_html(reminder)
        self.assertIn("Formal notice (mise en demeure)", letter)
        # Emailed with its letter, to a business (issue 18): no registered
        # letter claimed, no sentence for consumers.
        self.assertIn("Sent by email.</p>", letter)
        self.assertNotIn("Registered letter", letter)
        self.assertNotIn("consumer", letter)
        self.assertIn("before <strong>07/09/2025</strong>", letter)
        other = self._reminder(self._level("Firm reminder"), self._invoice(200.0))
        letter = self._letter_html(other)
        self.assertIn("Payment reminder", letter)
        self.assertNotIn("Registered letter", letter)

    def test_french_level_texts_for_a_french_client(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        # A company created now gets the French wording too.
        atelier = self.env["res.company"].create({"name": "Atelier FR"})
        firm_fr = (
            self.Level.sudo()
            .search([("company_id", "=", atelier.id), ("sequence", "=", 30)])
            .with_context(lang="fr_FR")
        )
        self.assertEqual(firm_fr.email_subject, "{company}\xa0: {level} ({total})")
        self.assertIn("{penalty_terms}", firm_fr.email_intro)
        self.assertIn("restent impayées", firm_fr.email_intro)
        self.assertEqual(firm_fr.letter_title, "Relance de paiement")

        # The levels of an existing company were translated when French came.
        self.client.lang = "fr_FR"
        self._invoice(1000.0)
        with freeze_time("2025-06-21"):
            friendly = self.engine._run(self.company, date(2025, 6, 21))
        message = friendly.mail_message_id
        self.assertEqual(
            message.subject,
            f"{self.company.name}\xa0: Relance amicale "
            f"({friendly.with_context(lang='fr_FR')._format(friendly.amount_total)})",
        )
        body = str(message.body)
        self.assertIn("Bonjour Brightside Coaching,", body)
        self.assertIn("Elles vous ont sans doute échappé", body)
        self.assertIn("Payer en ligne", body)
        self.assertIn("Cordialement,", body)
        self.assertNotIn("Dear", body)

        notice = self._reminder(self._level("Formal notice"), self._invoice(300.0))
        letter = self._letter_html(notice)
        self.assertIn("Envoi par e-mail.", letter)
        self.assertNotIn("Lettre recommandée", letter)
        self.assertIn("nous vous mettons en demeure de régler", letter)
        self.assertIn("de 40,00\xa0€ par facture", letter)
        self.assertIn("Intérêts de retard", letter)
        self.assertNotIn("Registered letter", letter)

    def _french(self):
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )

    def test_a_translated_text_cannot_inject_html(self):
        """A translation written through update_field_translations is stored
        sanitized, like the source text (Odoo stores it as given): a script or
        an event handler in the French text is neither stored nor shown, and
        reaches neither the email nor the letter; the text's own markup
        stays."""
        self.env["res.lang"]._activate_lang("fr_FR")
        level = self._level("Friendly reminder").with_user(self.manager)
        level.channel_letter = True
        # Odoo's HTML term translations accept inline elements with any
        # attribute, and anything inside an "o_translate_inline" span.
        level.update_field_translations(
            "email_intro",
            {
                "fr_FR": {
                    "Dear {client},": "Bonjour <b>{client}</b>,"
                    '<span class="o_translate_inline">'
                    "<script>alert('email')</script>"
                    '<img src="x" onerror="alert(1)"></span>',
                }
            },
        )
        level.update_field_translations(
            "letter_intro",
            {
                "fr_FR": {
                    "From <strong>{company}</strong> to <strong>{client}</strong>.": (
                        'Expéditeur : <strong onmouseover="alert(2)">{company}'
                        "</strong>"
                        '<span class="o_translate_inline">'
                        "<script>alert('letter')</script></span>"
                    ),
                }
            },
        )
        level.invalidate_recordset()
        french = level.with_context(lang="fr_FR")
        stored = french.sudo().read(["email_intro", "letter_intro"])[0]
        self.env.cr.execute(
            "SELECT email_intro->>'fr_FR', letter_intro->>'fr_FR' "
            "FROM freelance_dunning_level WHERE id = %s",
            [level.id],
        )
        in_database = self.env.cr.fetchone()
        self.assertIn("Bonjour <b>{client}</b>,", in_database[0])
        self.assertIn("Expéditeur : <strong>{company}</strong>", in_database[1])
        for html in (*in_database, stored["email_intro"], stored["letter_intro"]):
            self.assertNotIn("<script", html, "stored sanitized")
            self.assertNotIn("alert(", html)
            self.assertNotIn("onerror", html)
            self.assertNotIn("onmouseover", html)
        self.client.lang = "fr_FR"
        self._invoice(1000.0)
        with freeze_time("2025-06-21"):
            reminder = self.engine._run(self.company, date(2025, 6, 21))
        self.assertEqual(reminder.level_id, self._level("Friendly reminder"))
        body = str(reminder.mail_message_id.body)
        self.assertIn("Bonjour <b>Brightside Coaching</b>,", body)
        # The report's own assets carry scripts: only the letter's page counts.
        letter = self._letter_html(reminder).split('<div class="page">', 1)[1]
        outgoing = self.env["mail.mail"].search(
            [("mail_message_id", "=", reminder.mail_message_id.id)]
        )
        self.assertTrue(outgoing, "the email that leaves")
        rendered = reminder._render_email()["body_html"]
        self.assertIn("Bonjour <b>Brightside Coaching</b>,", rendered)
        for html in (
            body,
            str(outgoing.body_html),
            str(rendered),
            str(reminder.email_intro),
            letter,
        ):
            self.assertNotIn("<script", html)
            self.assertNotIn("alert(", html)
            self.assertNotIn("onerror", html)
            self.assertNotIn("onmouseover", html)
        self.assertIn("Expéditeur : <strong>", letter)

    def test_the_company_settings_are_written_in_the_clients_language(self):
        """The indemnity is an amount in euros, the margin a number, both as
        Odoo formats them in the client's language."""
        self._french()
        self.company.recovery_indemnity_amount = 40.5
        self.company.late_interest_margin = 10.5
        firm = self._level("Firm reminder")
        english = self._reminder(firm, self._invoice(1000.0))
        self.assertEqual(english._get_mail_lang(), "en_US")
        values = english._get_text_values()
        self.assertEqual(values["indemnity_amount"], "40.50\xa0€")
        self.assertEqual(values["interest_margin"], "10.5")
        self.assertIn("recovery costs of 40.50\xa0€ per invoice", english.email_intro)
        self.assertIn(
            "refinancing rate of 2.15% plus 10.5 points", self._letter_html(english)
        )

        self.client.lang = "fr_FR"
        french = self._reminder(firm, self._invoice(800.0))
        values = french._get_text_values()
        self.assertEqual(values["indemnity_amount"], "40,50\xa0€")
        self.assertEqual(values["interest_margin"], "10,5")
        self.assertIn("de 40,50\xa0€ par facture", french.email_intro)
        letter = self._letter_html(french)
        self.assertIn("BCE de 2,15\xa0% majoré de 10,5 points", letter)
        self.assertIn("de 40,50\xa0€ par facture", letter)
        self.assertNotIn("EUR", french.email_intro)

        # A whole number stays whole.
        self.company.late_interest_margin = 10.0
        french.invalidate_recordset()
        self.assertEqual(french._get_text_values()["interest_margin"], "10")
