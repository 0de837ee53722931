"""Every email and PDF a client receives, rendered as the client reads it.

Table-driven: a business (a company) and a consumer (a person), in English and
in French, for an ordinary invoice and an installment of an order. Each
document is rendered (PDF reports as their HTML, as Odoo's test mode does) and
its visible text is checked: no empty placeholder, the right opening and
closing, the right legal sentence for the client's status, the company header
on the PDFs.
"""

import importlib.util
import re
from datetime import date
from pathlib import Path

from freezegun import freeze_time
from lxml import html as lxml_html

from odoo.tests import tagged

from .common import FreelanceDunningCommon

INVOICE_TEMPLATE = "freelance_dunning.mail_template_installment_invoice"
LETTER = "freelance_dunning.action_report_dunning_letter"
QUOTE = "sale.action_report_saleorder"
INVOICE_PDF = "account.account_invoices"
STREET = "12 rue des Lilas"

# Visible text that only an empty or unrendered placeholder leaves behind.
EMPTY_PLACEHOLDERS = [
    (re.compile(r",\s*,"), "two commas"),
    (re.compile(r"\b(of|for|de|pour|du|au|le)\s+[,.;:)]"), "preposition then nothing"),
    (re.compile(r"[{}]"), "an unrendered brace"),
    (re.compile(r"\b(False|None)\b"), "False/None"),
    (re.compile(r"\(\s*\)"), "empty brackets"),
]

# (language, status) -> what the texts say
WORDS = {
    "en_US": {
        "friendly_opening": "Dear {name},",
        "formal_opening": {
            "business": "Dear Sir or Madam,",
            "consumer": "Dear {name},",
        },
        "casual_closing": "please ignore this message",
        "formal_closing": "Yours faithfully,",
        "indemnity": "fixed indemnity for recovery costs of 40.00\xa0€ per invoice",
        "consumer_terms": "From the formal notice, any amount still unpaid bears "
        "late interest at the legal interest rate",
        "formal_notice": "We hereby formally require you to pay",
        "invoice_opening": "Dear {name},",
        "deposit": "This deposit (acompte) makes the order firm",
        "installment": "Installment 2 of 2",
        "ordinary": "Here is your invoice",
        "penalty": "for the late payment penalties",
        "quote_acompte": "acompte",
        "quote_indemnity": "40",
        "letter_title": "Formal notice (mise en demeure)",
    },
    "fr_FR": {
        "friendly_opening": "Bonjour {name},",
        "formal_opening": {
            "business": "Madame, Monsieur,",
            "consumer": "Madame, Monsieur,",
        },
        "casual_closing": "ne pas tenir compte de ce message",
        "formal_closing": "Veuillez agréer, Madame, Monsieur, l'expression de nos "
        "salutations distinguées.",
        "indemnity": "indemnité forfaitaire pour frais de recouvrement de "
        "40,00\xa0€ par facture",
        "consumer_terms": "À compter de la mise en demeure, toute somme restant "
        "due porte intérêts au taux de l'intérêt légal",
        "formal_notice": "nous vous mettons en demeure de régler",
        "invoice_opening": "Bonjour {name},",
        "deposit": "Cet acompte rend la commande ferme",
        "installment": "Échéance 2 sur 2",
        "ordinary": "Voici votre facture",
        "penalty": "au titre des pénalités de retard",
        "quote_acompte": "acompte",
        "quote_indemnity": "40",
        "letter_title": "Mise en demeure",
    },
}


def visible_text(markup):
    """The text a reader sees: no script or style, whitespace collapsed."""
    if isinstance(markup, bytes):
        markup = markup.decode()
    tree = lxml_html.fromstring(f"<div>{markup}</div>")
    for node in tree.xpath("//script|//style|//head"):
        node.drop_tree()
    # Collapse the layout's whitespace, not the no-break spaces of the text.
    return re.sub(r"[ \t\r\n]+", " ", tree.text_content()).strip()


@tagged("post_install", "-at_install")
class TestClientDocuments(FreelanceDunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        env["res.lang"]._activate_lang("fr_FR")
        env["ir.module.module"].search(
            [("name", "=", "freelance_dunning")]
        )._update_translations(["fr_FR"])
        cls.company.partner_id.write(
            {"street": STREET, "zip": "75011", "city": "Paris"}
        )
        cls.eur = env.ref("base.EUR")
        cls.eur.active = True
        cls.levels = cls._set_up_ladder()
        cls.clients = {}
        for lang in ("en_US", "fr_FR"):
            cls.clients[lang, "business"] = cls._create_client(
                f"Dupont Retard SARL {lang}",
                email=f"compta-{lang}@dupont.example.com",
                lang=lang,
                vat="FR40303265045",
            )
            cls.clients[lang, "consumer"] = env["res.partner"].create(
                {
                    "name": f"Jeanne Martin {lang}",
                    "is_company": False,
                    "email": f"jeanne-{lang}@example.com",
                    "lang": lang,
                }
            )

    def setUp(self):
        super().setUp()
        self.Template = self.env.ref(INVOICE_TEMPLATE)

    # -- rendering ----------------------------------------------------------

    def _render_invoice_email(self, invoice):
        template = self.Template.with_context(lang=invoice.partner_id.lang)
        rendered = template._generate_template(invoice.ids, ["subject", "body_html"])[
            invoice.id
        ]
        return visible_text(rendered["subject"]), visible_text(rendered["body_html"])

    def _render_report(self, report, records):
        content, _type = self.env["ir.actions.report"]._render_qweb_html(
            report, records.ids
        )
        return visible_text(content)

    def _order(self, client):
        order = self._create_order(client, payment_schedule_id=self.schedule_30_70.id)
        self._confirm(order)
        return order

    def _reminder(self, level, invoice, day):
        line = invoice.line_ids.filtered(
            lambda ln: ln.account_type == "asset_receivable"
        )[:1]
        professional = invoice.partner_id._is_professional_client()
        return self.engine._create_reminder(
            self.company,
            invoice.partner_id.commercial_partner_id,
            line.currency_id,
            day,
            [
                (
                    line,
                    level,
                    {
                        "days_late": 20,
                        "amount_residual": line.amount_residual,
                        "interest": 3.0 if professional else 0.0,
                        "indemnity": 40.0 if professional else 0.0,
                    },
                )
            ],
        )

    # -- checks ---------------------------------------------------------------

    def assertClean(self, text, what):
        for symbol in re.finditer(r"[$€]", text):
            before = text[: symbol.start()].rstrip()[-1:]
            after = text[symbol.end() :].lstrip(" \xa0-\ufeff\u2212")[:1]
            self.assertTrue(
                before.isdigit() or after.isdigit(),
                f"{what}: a currency symbol without amount at "
                f"…{text[max(0, symbol.start() - 60) : symbol.end() + 60]}…",
            )
        for pattern, why in EMPTY_PLACEHOLDERS:
            match = pattern.search(text)
            if match:
                start, end = max(0, match.start() - 60), match.end() + 60
                self.fail(f"{what}: {why} at …{text[start:end]}…")

    def assertHeader(self, text, what):
        self.assertIn(self.company.name, text, f"{what}: company name")
        self.assertIn(STREET, text, f"{what}: company address")

    # -- the table ------------------------------------------------------------

    def test_every_client_document(self):
        cases = [
            (lang, status)
            for lang in ("en_US", "fr_FR")
            for status in ("business", "consumer")
        ]
        rendered = 0
        for lang, status in cases:
            words = WORDS[lang]
            client = self.clients[lang, status]
            name = client.name
            with self.subTest(lang=lang, status=status):
                with freeze_time("2025-06-02"):
                    order = self._order(client)
                    deposit = order.deposit_invoice_ids
                    self.assertEqual(len(deposit), 1)
                    self._pay_invoice(deposit)
                    order.action_invoice_next_installment()
                    installment = order.invoice_ids - deposit
                    self.assertEqual(len(installment), 1)
                    ordinary = self._create_invoice(
                        partner=client, amount=1200.0, due="2025-06-02"
                    )
                # Invoice emails.
                emails = {
                    "deposit": deposit,
                    "installment": installment,
                    "ordinary": ordinary,
                }
                for kind, invoice in emails.items():
                    subject, body = self._render_invoice_email(invoice)
                    what = f"{lang} {status} {kind} invoice email"
                    self.assertClean(subject, what)
                    self.assertClean(body, what)
                    self.assertIn(invoice.name, subject, what)
                    self.assertTrue(
                        body.startswith(words["invoice_opening"].format(name=name)),
                        f"{what}: {body[:80]}",
                    )
                    self.assertIn(words[kind], body, what)
                    rendered += 1
                # Invoice PDFs and the quote, with the company header.
                for what, report, records in (
                    ("deposit invoice PDF", INVOICE_PDF, deposit),
                    ("installment invoice PDF", INVOICE_PDF, installment),
                    ("ordinary invoice PDF", INVOICE_PDF, ordinary),
                    ("quote PDF", QUOTE, order),
                ):
                    text = self._render_report(report, records)
                    what = f"{lang} {status} {what}"
                    self.assertClean(text, what)
                    self.assertHeader(text, what)
                    rendered += 1
                quote = self._render_report(QUOTE, order)
                self.assertIn(words["quote_acompte"], quote)
                if status == "business":
                    self.assertIn(
                        words["indemnity"].split(" de 40")[0].split(" of 40")[0], quote
                    )
                # Each level's email, for the ordinary invoice and the
                # installment; the formal notice's letter.
                for source_kind, invoice in (
                    ("ordinary", ordinary),
                    ("installment", installment),
                ):
                    for level in self.levels:
                        reminder = self._reminder(level, invoice, date(2025, 7, 20))
                        email = reminder._render_email()
                        subject = visible_text(email["subject"])
                        body = visible_text(email["body_html"])
                        what = f"{lang} {status} {source_kind} {level.name} email"
                        self.assertClean(subject, what)
                        self.assertClean(body, what)
                        self.assertIn(self.company.name, subject, what)
                        self.assertIn(invoice.name, body, what)
                        formal = level.is_formal_notice or level.blacklist_client
                        if formal:
                            opening = words["formal_opening"][status].format(name=name)
                            self.assertTrue(
                                body.startswith(opening), f"{what}: {body[:80]}"
                            )
                            self.assertNotIn(words["casual_closing"], body, what)
                            self.assertIn(words["formal_closing"], body, what)
                        else:
                            opening = words["friendly_opening"].format(name=name)
                            self.assertTrue(
                                body.startswith(opening), f"{what}: {body[:80]}"
                            )
                            self.assertIn(words["casual_closing"], body, what)
                        if level.is_formal_notice:
                            self.assertIn(words["formal_notice"], body, what)
                        if level.add_penalties and level.sequence == 30:
                            # The firm reminder states the law for this client.
                            if status == "business":
                                self.assertIn(words["indemnity"], body, what)
                                self.assertNotIn(words["consumer_terms"], body, what)
                            else:
                                self.assertIn(words["consumer_terms"], body, what)
                                self.assertNotIn(words["indemnity"], body, what)
                        rendered += 1
                        if level.is_formal_notice:
                            letter = self._render_report(LETTER, reminder)
                            what = f"{lang} {status} {source_kind} formal notice letter"
                            self.assertClean(letter, what)
                            self.assertHeader(letter, what)
                            self.assertIn(words["letter_title"], letter, what)
                            self.assertIn(
                                words["formal_opening"][status].format(name=name),
                                letter,
                                what,
                            )
                            self.assertIn(words["formal_notice"], letter, what)
                            if status == "business":
                                self.assertIn(words["indemnity"], letter, what)
                            else:
                                self.assertIn(words["consumer_terms"], letter, what)
                                self.assertNotIn(words["indemnity"], letter, what)
                            rendered += 1
                # The penalty invoice, of a business client's invoice paid late.
                if status == "business":
                    with freeze_time("2025-07-10"):
                        self._pay_invoice(ordinary)
                        client.with_company(
                            self.company
                        ).action_invoice_late_payment_penalties()
                    penalty = self.env["account.move"].search(
                        [
                            ("partner_id", "=", client.id),
                            ("dunning_penalty_invoice", "=", True),
                        ]
                    )
                    self.assertEqual(len(penalty), 1)
                    subject, body = self._render_invoice_email(penalty)
                    what = f"{lang} penalty invoice email"
                    self.assertClean(subject, what)
                    self.assertClean(body, what)
                    self.assertIn(words["penalty"], body, what)
                    text = self._render_report(INVOICE_PDF, penalty)
                    self.assertClean(text, f"{lang} penalty invoice PDF")
                    self.assertHeader(text, f"{lang} penalty invoice PDF")
                    rendered += 2
        # 4 cases x (3 emails + 4 PDFs + 2 x 6 level emails + 2 letters)
        # + 2 business cases x (penalty email + PDF)
        self.assertEqual(rendered, 4 * (3 + 4 + 12 + 2) + 2 * 2)


@tagged("post_install", "-at_install")
class TestFrenchLoadedAnyWay(FreelanceDunningCommon):
    """The mail templates and the shipped level names are French however
    French is loaded: from Settings > Languages, or from the command line,
    where Odoo loads the language while only ``base`` is in the registry (it
    then skips the terms of every other model's records: the state simulated
    here by taking French out of them)."""

    TEMPLATES = (
        "freelance_dunning.mail_template_installment_invoice",
        "freelance_dunning.mail_template_dunning_reminder",
    )

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder()

    def _strip_language(self, lang):
        """What a command-line load leaves: no ``lang`` in our records."""
        self.env.flush_all()
        cr = self.env.cr
        for xmlid in self.TEMPLATES:
            template = self.env.ref(xmlid)
            cr.execute(
                "UPDATE mail_template SET name = name - %s, subject = subject - %s, "
                "body_html = body_html - %s WHERE id = %s",
                [lang, lang, lang, template.id],
            )
        cr.execute(
            "UPDATE freelance_dunning_level SET name = name - %s, "
            "email_intro = email_intro - %s",
            [lang, lang],
        )
        self.env.invalidate_all()

    def _assert_french(self):
        invoice_template = self.env.ref(self.TEMPLATES[0]).with_context(lang="fr_FR")
        self.assertEqual(
            invoice_template.name,
            "Relances freelance\xa0: facture avec son lien de paiement",
        )
        self.assertIn("Voici votre facture", invoice_template.body_html)
        self.assertIn("facture {{ object.name }}", invoice_template.subject)
        names = self.levels.with_context(lang="fr_FR").mapped("name")
        self.assertEqual(
            names,
            [
                "Rappel de courtoisie",
                "Relance amicale",
                "Relance ferme",
                "Avis de suspension",
                "Mise en demeure",
                "Fin de la relation commerciale",
            ],
        )
        formal = self.levels.filtered("is_formal_notice").with_context(lang="fr_FR")
        self.assertIn("<strong>Mise en demeure.</strong>", formal.email_intro)
        self.assertIn("salutations distinguées", formal.email_closing)

    def test_command_line_load_after_install(self):
        """``odoo --load-language fr_FR`` on an installed database: once the
        registry is loaded, the missing terms are loaded (what the addon's
        ``_register_hook`` calls)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self._strip_language("fr_FR")
        english = self.env.ref(self.TEMPLATES[0]).with_context(lang="fr_FR")
        self.assertEqual(
            english.name, "Freelance Dunning: invoice with its payment link"
        )
        self.assertEqual(
            self.levels[:1].with_context(lang="fr_FR").name, "Courtesy notice"
        )
        self.env["ir.module.module"]._dunning_load_missing_terms()
        self._assert_french()

    def test_nothing_loaded_when_the_terms_are_there(self):
        """A database whose templates have their French costs one query: the
        translations are not loaded again (a French text a user rewrote stays)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"].search(
            [("name", "=", "freelance_dunning")]
        )._update_translations(["fr_FR"])
        template = self.env.ref(self.TEMPLATES[0]).with_context(lang="fr_FR")
        template.name = "Ma facture"
        self.env["ir.module.module"]._dunning_load_missing_terms()
        template.invalidate_recordset()
        self.assertEqual(template.name, "Ma facture")

    def test_settings_languages(self):
        """Settings > Languages > Add, with the registry loaded: Odoo's wizard
        activates the language and updates the installed modules'
        translations (here only this addon's, to keep the test short)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self._strip_language("fr_FR")
        self.env["ir.module.module"].search(
            [("name", "=", "freelance_dunning")]
        )._update_translations(["fr_FR"])
        self._assert_french()


@tagged("post_install", "-at_install")
class TestFormalTextsUpgrade(FreelanceDunningCommon):
    """A database upgraded with the levels worded as shipped before issue 19:
    the formal notice and the end of the relationship get the formal opening
    and closing; a text a user rewrote is kept."""

    OLD_INTRO = (
        "<p>Dear {client},</p><p>The invoices below remain unpaid despite our "
        "formal notice. We are ending our business relationship and starting the "
        "recovery of the amount due.</p>"
    )
    OLD_CLOSING = (
        '<p>The invoices are attached. Each "Pay online" link works without an '
        "account. If you have already paid, thank you, and please ignore this "
        "message; if something is wrong with an invoice, just reply to this "
        "email.</p><p>Kind regards,<br/>{company}</p>"
    )

    def _migrate(self):
        path = (
            Path(__file__).parents[1]
            / "migrations"
            / "18.0.1.5.0"
            / "post-french-formal-texts.py"
        )
        spec = importlib.util.spec_from_file_location("post_french_formal", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        self.env.flush_all()
        module.migrate(self.env.cr, "18.0.1.4.0")
        self.env.invalidate_all()

    def test_shipped_texts_are_updated_rewritten_ones_kept(self):
        levels = self._set_up_ladder()
        self.env["res.lang"]._activate_lang("fr_FR")
        end = levels.filtered("blacklist_client")
        formal = levels.filtered("is_formal_notice")
        friendly = levels.filtered(lambda lv: lv.sequence == 20)
        end.write({"email_intro": self.OLD_INTRO, "email_closing": self.OLD_CLOSING})
        formal.write(
            {
                "email_intro": "<p>Dear {client},</p><p>Pay now, please.</p>",
                "email_closing": "<p>Our own closing, {company}</p>",
            }
        )
        friendly_closing = str(friendly.email_closing)
        self._migrate()
        self.assertEqual(
            str(end.email_intro),
            "<p>{salutation}</p><p>The invoices below remain unpaid despite our "
            "formal notice. We are ending our business relationship and starting "
            "the recovery of the amount due.</p>",
        )
        self.assertIn("Yours faithfully,", str(end.email_closing))
        self.assertNotIn("please ignore", str(end.email_closing))
        self.assertIn(
            "Veuillez agréer, Madame, Monsieur",
            str(end.with_context(lang="fr_FR").email_closing),
        )
        # The formal notice's own closing is kept; its opening becomes formal.
        self.assertEqual(
            str(formal.email_intro), "<p>{salutation}</p><p>Pay now, please.</p>"
        )
        self.assertEqual(str(formal.email_closing), "<p>Our own closing, {company}</p>")
        # A friendly level keeps its friendly wording.
        self.assertEqual(str(friendly.email_closing), friendly_closing)
        self.assertIn("please ignore", friendly_closing)


@tagged("post_install", "-at_install")
class TestWrittenInTheReadersLanguage(FreelanceDunningCommon):
    """What a person reads is in their language: the activity in the language
    of the user it is assigned to, the invoice lines in the client's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["res.lang"]._activate_lang("fr_FR")
        cls.french_client = cls._create_client(
            "Dupont Retard SARL", email="compta@dupont.example.com", lang="fr_FR"
        )
        cls.salesman.lang = "fr_FR"

    def test_start_the_work_activity_in_the_salespersons_language(self):
        self.assertEqual(self.env.user.lang, "en_US")
        order = self._create_order(
            self.client,
            user_id=self.salesman.id,
            payment_schedule_id=self.schedule_30_70.id,
        )
        self._confirm(order)
        self._pay_invoice(order.deposit_invoice_ids)
        # The gate opens when the payment is committed (precommit hook).
        self.env.flush_all()
        self.env.cr.precommit.run()
        activity = order.activity_ids.filtered(lambda a: a.user_id == self.salesman)
        self.assertEqual(activity.summary, "Commencer les travaux")
        self.assertEqual(str(activity.note), "<p>L'acompte est payé.</p>")

    def test_invoice_lines_in_the_clients_language(self):
        self.assertEqual(self.env.user.lang, "en_US")
        order = self._create_order(
            self.french_client, payment_schedule_id=self.schedule_30_70.id
        )
        self._confirm(order)
        deposit = order.deposit_invoice_ids
        self.assertEqual(
            deposit.invoice_line_ids.mapped("name"),
            [f"Acompte de 30\xa0% sur la commande {order.name}"],
        )
        self._pay_invoice(deposit)
        order.action_invoice_next_installment()
        final = order.invoice_ids - deposit
        names = final.invoice_line_ids.mapped("name")
        self.assertIn("Acomptes", names)
        self.assertTrue(any(name.startswith("Acompte (réf") for name in names), names)
        self.assertFalse([name for name in names if "Down Payment" in name], names)
