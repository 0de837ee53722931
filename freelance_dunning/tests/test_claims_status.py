"""Issue 18, items 3, 8 and 10: who is a professional, what the texts say to
each client and by each channel, and the payment-term warning's worst case.

Every case is a row of a table with its inputs and the figures or words
expected, computed by hand in the row's comment; each runs through the ORM,
the dunning engine and Odoo's own payment terms.
"""

from datetime import date

from freezegun import freeze_time

from odoo.fields import Command
from odoo.tests import tagged
from odoo.tools.misc import format_date

from odoo.addons.mail.tests.common import MockEmail

from .common import FreelanceDunningCommon

STATUS_REFUSED = r"^Only a dunning manager may set whether a client is a professional"

# Item 3: the status a new client gets from what points to a professional.
STATUS_DEFAULTS = [
    # (case, values of the new partner, expected status)
    ("company", {"is_company": True}, "professional"),
    (
        "sole trader with a VAT number (EI)",
        {"vat": "FR40303265045"},
        "professional",
    ),
    (
        "sole trader with a company registry number (SIREN)",
        {"company_registry": "303265045"},
        "professional",
    ),
    ("private person", {}, "consumer"),
    ("'/' is no VAT number", {"vat": "/"}, "consumer"),
]

# Item 3 through the engine: a 1,200.00 EUR invoice due 2025-06-20, reminded
# on 21 June, 5 July and 20 July (Suspension notice, 30 days late), late
# interest at ECB + 10 points (13.15 % in H1 2025, 12.15 % in H2 2025).
# Professional: 1,200 x 13.15 % x 10/365 = 4.3233 (21-30 June)
#             + 1,200 x 12.15 % x 20/365 = 7.9890 (1-20 July)
#             = 12.3123 -> 12.31; indemnity 40.00; total 1,252.31.
# Consumer: no formal notice yet: no interest, and never an indemnity.
ENGINE_CASES = [
    # (case, partner values, manager's status or None, interest, indemnity, total)
    ("company", {"is_company": True}, None, 12.31, 40.0, 1252.31),
    (
        "sole trader with a VAT number",
        {"vat": "FR40303265045"},
        None,
        12.31,
        40.0,
        1252.31,
    ),
    (
        "sole trader with a company registry number",
        {"company_registry": "303265045"},
        None,
        12.31,
        40.0,
        1252.31,
    ),
    ("private person", {}, None, 0.0, 0.0, 1200.0),
    (
        "company a manager set as consumer",
        {"is_company": True},
        "consumer",
        0.0,
        0.0,
        1200.0,
    ),
    (
        "private person a manager set as professional",
        {},
        "professional",
        12.31,
        40.0,
        1252.31,
    ),
]


# Review finding 5: a salesperson (no dunning manager) may not create or copy a
# client already decided, nor with a status its evidence does not give,
# whatever the channel (values, context defaults, copy()'s default). Each call
# is refused, no partner named ``name`` exists after it, and the watched
# Northwind company keeps its status.
# (case, call on (test, salesman's res.partner, company), partner name)
CREATION_ATTACKS = [
    (
        "create decided with a throwaway VAT number",
        lambda test, Partner, company: Partner.create(
            {"name": "Throwaway", "vat": "FR40303265045", "client_status_decided": True}
        ),
        "Throwaway",
    ),
    (
        "create decided with the status the evidence gives",
        lambda test, Partner, company: Partner.create(
            {
                "name": "Throwaway",
                "is_company": True,
                "client_status": "professional",
                "client_status_decided": True,
            }
        ),
        "Throwaway",
    ),
    (
        "create decided through a context default",
        lambda test, Partner, company: Partner.with_context(
            default_client_status_decided=True
        ).create({"name": "Throwaway", "vat": "FR40303265045"}),
        "Throwaway",
    ),
    (
        "create a consumer that a context default makes a company",
        lambda test, Partner, company: Partner.with_context(
            default_is_company=True
        ).create({"name": "Throwaway", "client_status": "consumer"}),
        "Throwaway",
    ),
    (
        "copy a company as decided",
        lambda test, Partner, company: company.with_env(Partner.env).copy(
            {"name": "Copied", "client_status_decided": True}
        ),
        "Copied",
    ),
    (
        "copy a company as a consumer",
        lambda test, Partner, company: company.with_env(Partner.env).copy(
            {"name": "Copied", "client_status": "consumer"}
        ),
        "Copied",
    ),
]

# Review finding 6: any write of the status by a dunning manager decides it,
# even the status the evidence already gives; a form that saves new evidence
# with the status it recomputed decides nothing. Then a salesperson changes
# the evidence: a decided status holds, an undecided one follows (by design).
# (case, partner values, manager's write, status and decided after it,
#  salesperson's write, status after it)
MANAGER_DECISIONS = [
    (
        "sole trader confirmed professional, VAT number cleared",
        {"vat": "FR40303265045"},
        {"client_status": "professional"},
        ("professional", True),
        {"vat": False},
        "professional",
    ),
    (
        "private person confirmed consumer, VAT number added",
        {},
        {"client_status": "consumer"},
        ("consumer", True),
        {"vat": "FR40303265045"},
        "consumer",
    ),
    (
        "company set professional as it stops being one",
        {"is_company": True},
        {"is_company": False, "client_status": "professional"},
        ("professional", True),
        {"vat": "/"},
        "professional",
    ),
    (
        "form saving a new VAT number with its status: no decision",
        {},
        {"vat": "FR40303265045", "client_status": "professional"},
        ("professional", False),
        {"vat": False},
        "consumer",
    ),
    (
        "manager ticks Client Status Set by a Manager",
        {"vat": "FR40303265045"},
        {"client_status_decided": True},
        ("professional", True),
        {"vat": False},
        "professional",
    ),
]


@tagged("post_install", "-at_install")
class TestClaimsStatus(FreelanceDunningCommon, MockEmail):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder(ecb_plus_10=True)
        cls.eur = cls.env.ref("base.EUR")
        cls.eur.active = True
        cls.Partner = cls.env["res.partner"]

    def setUp(self):
        super().setUp()
        self.enterContext(self.mock_mail_gateway())

    def _partner(self, name, **values):
        return self.Partner.create(
            {"name": name, "email": "client@example.com", "lang": "en_US", **values}
        )

    # ------------------------------------------------------------------
    # Item 3: the client's status
    # ------------------------------------------------------------------

    def test_status_defaults(self):
        for case, values, expected in STATUS_DEFAULTS:
            with self.subTest(case=case):
                partner = self._partner(case, **values)
                self.assertEqual(partner.client_status, expected)
                self.assertFalse(partner.client_status_decided)
                self.assertEqual(
                    partner._is_professional_client(), expected == "professional"
                )

    def test_status_follows_the_evidence_until_a_manager_decides(self):
        partner = self._partner("Léa Martin")
        self.assertEqual(partner.client_status, "consumer")
        # She registers as a sole trader: her VAT number makes her a professional.
        partner.with_user(self.salesman).vat = "FR40303265045"
        self.assertEqual(partner.client_status, "professional")
        # A contact of a consumer's household asks as her company: the status
        # read is the commercial partner's.
        contact = self.Partner.create({"name": "Assistant", "parent_id": partner.id})
        self.assertTrue(contact._is_professional_client())
        # A dunning manager decides she buys as a private person: it holds,
        # whatever the VAT number becomes.
        partner.with_user(self.manager).client_status = "consumer"
        self.assertTrue(partner.client_status_decided)
        partner.with_user(self.salesman).write(
            {"vat": "FR40303265045", "company_registry": "303265045"}
        )
        self.assertEqual(partner.client_status, "consumer")
        self.assertFalse(contact._is_professional_client())

    def test_only_a_dunning_manager_sets_the_status(self):
        company = self._partner("Northwind", is_company=True)
        person = self._partner("Nora Castel")
        cases = [
            # (case, call, records watched)
            (
                "salesman makes a company a consumer",
                lambda: company.with_user(self.salesman).write(
                    {"client_status": "consumer"}
                ),
                company,
            ),
            (
                "salesman makes a private person a professional",
                lambda: person.with_user(self.salesman).write(
                    {"client_status": "professional"}
                ),
                person,
            ),
            (
                "salesman marks a status as decided",
                lambda: person.with_user(self.salesman).write(
                    {"client_status_decided": True}
                ),
                person,
            ),
            (
                "salesman creates a company as a consumer",
                lambda: self.Partner.with_user(self.salesman).create(
                    {"name": "Fake", "is_company": True, "client_status": "consumer"}
                ),
                company,
            ),
        ]
        for case, call, records in cases:
            with self.subTest(case=case):
                self.assertRefusedUnchanged(
                    call,
                    records,
                    ["client_status", "client_status_decided"],
                    STATUS_REFUSED,
                )
        # What a form sends (the status the evidence gives) is no decision.
        created = self.Partner.with_user(self.salesman).create(
            {"name": "Acme", "is_company": True, "client_status": "professional"}
        )
        self.assertEqual(created.client_status, "professional")
        self.assertFalse(created.client_status_decided)
        # The manager's decision, on creation too.
        decided = self.Partner.with_user(self.manager).create(
            {"name": "Jo", "is_company": True, "client_status": "consumer"}
        )
        self.assertEqual(
            (decided.client_status, decided.client_status_decided), ("consumer", True)
        )

    def test_salesman_cannot_create_or_copy_a_decided_client(self):
        company = self._partner("Northwind", is_company=True)
        Partner = self.Partner.with_user(self.salesman)
        for case, call, name in CREATION_ATTACKS:
            with self.subTest(case=case):
                self.assertRefusedUnchanged(
                    lambda call=call: call(self, Partner, company),
                    company,
                    ["client_status", "client_status_decided"],
                    STATUS_REFUSED,
                )
                self.assertFalse(
                    self.Partner.with_context(active_test=False).search(
                        [("name", "=", name)]
                    ),
                    "no partner created",
                )
        # Allowed: a copy (or a creation) that follows its evidence; the
        # manager's decision on the original is not copied.
        company.with_user(self.manager).client_status = "consumer"
        copied = company.with_user(self.salesman).copy({"name": "Northwind 2"})
        self.assertEqual(
            (copied.client_status, copied.client_status_decided),
            ("professional", False),
        )
        # The attack of the review, now impossible: had the salesperson been
        # able to create it decided, clearing the VAT number would have left
        # it professional. Created without the flag, it follows the evidence.
        sole = Partner.create(
            {"name": "Sole", "vat": "FR40303265045", "client_status_decided": False}
        )
        sole.vat = False
        self.assertEqual(
            (sole.client_status, sole.client_status_decided), ("consumer", False)
        )

    def test_any_manager_write_of_the_status_decides_it(self):
        for case, values, decision, decided, change, after in MANAGER_DECISIONS:
            with self.subTest(case=case):
                partner = self._partner(case, **values)
                self.assertFalse(partner.client_status_decided)
                partner.with_user(self.manager).write(decision)
                self.assertEqual(
                    (partner.client_status, partner.client_status_decided), decided
                )
                partner.with_user(self.salesman).write(change)
                self.assertEqual(partner.client_status, after)
        # Lifting the decision: the status follows the evidence again at once.
        partner = self._partner("Lifted", is_company=True)
        partner.with_user(self.manager).client_status = "consumer"
        self.assertEqual(
            (partner.client_status, partner.client_status_decided), ("consumer", True)
        )
        partner.with_user(self.manager).client_status_decided = False
        self.assertEqual(
            (partner.client_status, partner.client_status_decided),
            ("professional", False),
        )
        # ... which a salesperson may not do.
        partner.with_user(self.manager).client_status = "consumer"
        self.assertRefusedUnchanged(
            lambda: partner.with_user(self.salesman).write(
                {"client_status_decided": False}
            ),
            partner,
            ["client_status", "client_status_decided"],
            STATUS_REFUSED,
        )

    def test_engine_asks_the_status(self):
        for case, values, decided, interest, indemnity, total in ENGINE_CASES:
            with self.subTest(case=case):
                partner = self._partner(case, **values)
                if decided:
                    partner.with_user(self.manager).client_status = decided
                self._create_invoice(
                    partner, 1200.0, "2025-06-20", currency_id=self.eur.id
                )
                for day in ("2025-06-21", "2025-07-05", "2025-07-20"):
                    with freeze_time(day):
                        reminder = self.engine._run(
                            self.company, date.fromisoformat(day), partners=partner
                        )
                self.assertEqual(reminder.level_id, self._level("Suspension notice"))
                self.assertEqual(
                    (reminder.interest, reminder.indemnity, reminder.amount_total),
                    (interest, indemnity, total),
                )

    # ------------------------------------------------------------------
    # Item 8: texts per status, channel and payment term
    # ------------------------------------------------------------------

    def _reminder(self, partner, level, interest, indemnity, lang="en_US"):
        """A reminder of a 1,200.00 EUR invoice due 2025-06-20 at ``level``,
        planned on 2025-08-04, with the figures given (not sent)."""
        invoice = self._create_invoice(
            partner, 1200.0, "2025-06-20", currency_id=self.eur.id
        )
        line = self._receivable(invoice)
        reminder = self.engine._create_reminder(
            self.company,
            partner,
            self.eur,
            date(2025, 8, 4),
            [
                (
                    line,
                    level,
                    {
                        "days_late": 45,
                        "amount_residual": 1200.0,
                        "interest": interest,
                        "indemnity": indemnity,
                    },
                )
            ],
        )
        return reminder.with_context(lang=lang)

    def test_letter_wording_per_status_and_channel(self):
        notice = self._level("Formal notice")
        firm = self._level("Firm reminder")
        business = self._partner("Northwind", is_company=True)
        person = self._partner("Nora Castel")
        # Deadline: 4 August + 8 days = 12 August 2025.
        business_claim = (
            "We hereby formally require you to pay the total amount due below, "
            "including the late interest and the fixed indemnity for recovery "
            "costs, before <strong>08/12/2025</strong>."
        )
        consumer_claim = (
            "We hereby formally require you to pay the total amount due below "
            "before <strong>08/12/2025</strong>."
        )
        consumer_effect = (
            "From the date of this formal notice, the amount due bears late "
            "interest at the legal interest rate (article 1231-6 of the French "
            "Code civil)."
        )
        business_terms = (
            # The rates applied over the delay (due 20 June, notice of 4
            # August 2025): ECB 3.15 + 10 in 2025 H1, 2.15 + 10 in 2025 H2.
            "As stated in our terms, late payment bears late interest from the day "
            "after each due date at 13.15% a year from 01/01/2025 (ECB main "
            "refinancing rate of 3.15% plus 10 points); 12.15% a year from "
            "07/01/2025 (ECB main refinancing rate of 2.15% plus 10 points), "
            "and a fixed indemnity for recovery costs of 40.00\xa0€ per invoice "
            "(articles L441-10 and D441-5 of the French Code de commerce)."
        )
        consumer_terms = (
            "From the formal notice, any amount still unpaid bears late interest "
            "at the legal interest rate (article 1231-6 of the French Code civil)."
        )
        cases = [
            # (case, partner, level, registered, interest, indemnity, field,
            #  expected words, words never said)
            (
                "business, formal notice emailed with its letter",
                business,
                notice,
                False,
                20.77,
                40.0,
                "letter_intro",
                ['<p class="fst-italic">Sent by email.</p>', business_claim],
                ["Registered letter", "legal interest rate"],
            ),
            (
                "business, formal notice posted as a registered letter",
                business,
                notice,
                True,
                20.77,
                40.0,
                "letter_intro",
                [
                    "Registered letter with acknowledgement of receipt; a copy is "
                    "sent by email.",
                    business_claim,
                ],
                ["consumer", "legal interest rate"],
            ),
            (
                "consumer, formal notice emailed with its letter",
                person,
                notice,
                False,
                0.0,
                0.0,
                "letter_intro",
                [
                    '<p class="fst-italic">Sent by email.</p>',
                    consumer_claim,
                    consumer_effect,
                ],
                ["Registered letter", "indemnity"],
            ),
            (
                "consumer, formal notice email",
                person,
                notice,
                False,
                0.0,
                0.0,
                "email_intro",
                ["pay the amount below before", consumer_effect],
                ["indemnity"],
            ),
            (
                "business, letter closing",
                business,
                notice,
                False,
                20.77,
                40.0,
                "letter_closing",
                [business_terms],
                ["consumer", "legal interest rate"],
            ),
            (
                "consumer, letter closing",
                person,
                notice,
                False,
                0.0,
                0.0,
                "letter_closing",
                [consumer_terms],
                ["indemnity", "Code de commerce"],
            ),
            (
                "business, firm reminder",
                business,
                firm,
                False,
                6.35,
                40.0,
                "email_intro",
                [business_terms],
                ["consumer"],
            ),
            (
                "consumer, firm reminder",
                person,
                firm,
                False,
                0.0,
                0.0,
                "email_intro",
                [consumer_terms],
                ["indemnity", "business clients"],
            ),
        ]
        for (
            case,
            partner,
            level,
            registered,
            interest,
            indemnity,
            fname,
            said,
            unsaid,
        ) in cases:
            with self.subTest(case=case):
                level.letter_registered = registered
                reminder = self._reminder(partner, level, interest, indemnity)
                text = str(reminder[fname])
                for words in said:
                    self.assertIn(words, text)
                for words in unsaid:
                    self.assertNotIn(words, text)
        # A contractual rate is the one named (set on a day whose half-year
        # has its reference rates: 12 % is above both floors of 2025, 11.13
        # and 8.28).
        with freeze_time("2025-08-04"):
            self.company.contractual_interest_rate = 12.0
        reminder = self._reminder(business, firm, 6.35, 40.0)
        text = str(reminder.email_intro)
        self.assertIn("from the day after each due date at 12% a year", text)
        self.assertIn(
            "(our contractual rate), and a fixed indemnity for recovery "
            "costs of 40.00\xa0€ per invoice",
            text,
        )
        self.assertNotIn("ECB", text)

    def test_french_wording_per_status(self):
        """The same sentences in French, for a French consumer and a French
        sole trader (formal notice, emailed with its letter)."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.env["ir.module.module"]._load_module_terms(
            ["freelance_dunning"], ["fr_FR"], overwrite=True
        )
        self.env["freelance.dunning.level"]._translate_default_levels(["fr_FR"])
        notice = self._level("Formal notice")
        cases = [
            # (case, partner, interest, indemnity, said, never said)
            (
                "consumer",
                self._partner("Nora Castel", lang="fr_FR"),
                0.0,
                0.0,
                [
                    "Envoi par e-mail.",
                    "régler le montant total dû ci-dessous avant le",
                    "À compter de la date de la présente mise en demeure, le "
                    "montant dû porte intérêts au taux de l'intérêt légal "
                    "(article 1231-6 du Code civil).",
                ],
                ["indemnité", "recommandée", "professionnel"],
            ),
            (
                "sole trader",
                self._partner("Léa Martin EI", vat="FR40303265045", lang="fr_FR"),
                20.77,
                40.0,
                [
                    "Envoi par e-mail.",
                    "régler le montant total dû ci-dessous, intérêts de retard et "
                    "indemnité forfaitaire pour frais de recouvrement compris, "
                    "avant le",
                    "au taux de 13,15\xa0% l'an à compter du 01/01/2025 (taux des "
                    "opérations principales de refinancement de la BCE de 3,15\xa0% "
                    "majoré de 10 points); 12,15\xa0% l'an à compter du 01/07/2025 "
                    "(taux des opérations principales de refinancement de la BCE "
                    "de 2,15\xa0% majoré de 10 points), ainsi qu'une indemnité "
                    "forfaitaire pour frais de recouvrement de 40,00\xa0€ par "
                    "facture",
                ],
                ["consommateur", "recommandée", "intérêt légal"],
            ),
        ]
        for case, partner, interest, indemnity, said, unsaid in cases:
            with self.subTest(case=case):
                reminder = self._reminder(partner, notice, interest, indemnity)
                letter = " ".join(
                    self.env["ir.actions.report"]
                    ._render_qweb_html(
                        "freelance_dunning.action_report_dunning_letter", reminder.ids
                    )[0]
                    .decode()
                    .split()
                ).replace("&#39;", "'")
                for words in said:
                    self.assertIn(" ".join(words.split()), letter)
                for words in unsaid:
                    self.assertNotIn(words, letter)

    def test_invoice_table_names_no_indemnity_to_a_consumer(self):
        person = self._partner("Nora Castel")
        reminder = self._reminder(person, self._level("End of relationship"), 1.36, 0.0)
        html = (
            self.env["ir.actions.report"]
            ._render_qweb_html(
                "freelance_dunning.action_report_dunning_letter", reminder.ids
            )[0]
            .decode()
        )
        html = " ".join(html.split())
        self.assertIn("(of which late interest", html)
        self.assertNotIn("Indemnity", html)
        self.assertNotIn("recovery indemnity", html)

    def test_printed_terms_per_status_and_discount(self):
        self.client.country_id = self.env.ref("base.fr")
        discount_term = self.env["account.payment.term"].create(
            {
                "name": "30 days, 2 % within 10 days",
                "early_discount": True,
                "discount_percentage": 2.0,
                "discount_days": 10,
                "line_ids": [
                    Command.create(
                        {"value": "percent", "value_amount": 100, "nb_days": 30}
                    )
                ],
            }
        )
        plain_term = self.env.ref("account.account_payment_term_30days")
        sole_trader = self._partner("Léa Martin EI", vat="FR40303265045")
        person = self._partner("Nora Castel")
        discount = (
            "A discount of 2% is granted for payment within 10 days of the invoice "
            "date."
        )
        no_discount = "No discount is granted for early payment."
        indemnity = "A fixed indemnity for recovery costs of 40 EUR"
        cases = [
            # (case, partner, payment term, said, never said)
            (
                "sole trader",
                sole_trader,
                plain_term,
                [indemnity, "plus 10 points", no_discount],
                [discount],
            ),
            (
                "consumer",
                person,
                plain_term,
                ["legal interest rate", no_discount],
                [indemnity],
            ),
            ("discount term", sole_trader, discount_term, [discount], [no_discount]),
        ]
        for case, partner, term, said, unsaid in cases:
            with self.subTest(case=case):
                invoice = self._create_invoice(
                    partner,
                    invoice_line_ids=[Command.create({"product_id": self.service.id})],
                    invoice_payment_term_id=term.id,
                )
                html = (
                    self.env["ir.actions.report"]
                    ._render_qweb_html("account.account_invoices", invoice.ids)[0]
                    .decode()
                )
                html = " ".join(html.split())
                for words in said:
                    self.assertIn(words, html)
                for words in unsaid:
                    self.assertNotIn(words, html)

    # ------------------------------------------------------------------
    # Item 10: the payment-term warning's worst case
    # ------------------------------------------------------------------

    def _term(self, name, *lines):
        """A payment term of ``lines``: (percent, delay type, days, day of the
        following month)."""
        return self.env["account.payment.term"].create(
            {
                "name": name,
                "line_ids": [
                    Command.create(
                        {
                            "value": "percent",
                            "value_amount": percent,
                            "delay_type": delay_type,
                            "nb_days": nb_days,
                            **({"days_next_month": day} if day else {}),
                        }
                    )
                    for percent, delay_type, nb_days, day in lines
                ],
            }
        )

    @freeze_time("2026-11-26")  # invoice dates tried: 2026 and 2027
    def test_payment_term_worst_case(self):
        self.client.country_id = self.env.ref("base.fr")
        eom = "days_after_end_of_month"
        cases = [
            # (case, lines, worst delay, (invoice date, due date) of the worst
            #  excess or None). Allowed: the latest of invoice date + 60 days,
            #  end of month + 45 days, invoice date + 45 days then end of month.
            ("30 days", [(100, "days_after", 30, None)], 30, None),
            ("60 days", [(100, "days_after", 60, None)], 60, None),
            # 2026-01-30 + 61 = 2026-04-01; allowed: + 60 = 03-31, 01-31 + 45 =
            # 03-17, 01-30 + 45 = 03-16 -> end of month 03-31: 1 day too late.
            (
                "61 days",
                [(100, "days_after", 61, None)],
                61,
                ("2026-01-30", "2026-04-01"),
            ),
            # Same date, 30 days beyond 03-31.
            (
                "90 days",
                [(100, "days_after", 90, None)],
                90,
                ("2026-01-30", "2026-04-30"),
            ),
            # End of month + 45: the cap itself. Worst: invoice on the 1st of a
            # 31-day month, 30 + 45 = 75 days (01-01 -> 01-31 + 45 = 03-17).
            ("45 days end of month", [(100, eom, 45, None)], 75, None),
            # 60 days end of month: 15 days beyond; worst delay 30 + 60 = 90 (an
            # invoice of the 1st of a 31-day month). First worst excess: 2026-01-01
            # -> 01-31 + 60 = 04-01, allowed 03-17: 15 days.
            (
                "60 days end of month",
                [(100, eom, 60, None)],
                90,
                ("2026-01-01", "2026-04-01"),
            ),
            # Odoo's "End of Following Month": 07-01 -> 08-31 is 61 days, over
            # 60 but within end of month + 45 (07-31 + 45 = 09-14).
            (
                "end of following month",
                [(100, "days_after_end_of_next_month", 0, None)],
                61,
                None,
            ),
            # 30 days then the 10th: usually the 10th of the second month,
            # before end of month + 45 (the 14th at the earliest); but February
            # is short: 2026-01-30 + 30 = 03-01 -> 04-10 (70 days), allowed
            # + 60 = 03-31: 10 days too late (01-31: 03-02 -> 04-10, allowed
            # 04-01: 9 days).
            (
                "30 days then the 10th",
                [(100, "days_end_of_month_on_the", 30, "10")],
                70,
                ("2026-01-30", "2026-04-10"),
            ),
            # 30 days then the 31st: February again: 2026-01-30 + 30 = 03-01
            # -> 04-30, allowed 03-31: 30 days too late (elsewhere at most
            # 17: 06-01 + 30 = 07-01 -> 08-31, allowed 06-30 + 45 = 08-14).
            # Worst delay: 06-01 -> 08-31 = 91 days.
            (
                "30 days then the 31st",
                [(100, "days_end_of_month_on_the", 30, "31")],
                91,
                ("2026-01-30", "2026-04-30"),
            ),
            # Two installments, the last at 75 days: 2026-01-30 + 75 =
            # 2026-04-15, allowed 03-31: 15 days too late.
            (
                "50 % at 30 days, 50 % at 75 days",
                [(50, "days_after", 30, None), (50, "days_after", 75, None)],
                75,
                ("2026-01-30", "2026-04-15"),
            ),
        ]
        for case, lines, worst_delay, excess in cases:
            with self.subTest(case=case):
                term = self._term(case, *lines)
                self.assertEqual(term._get_worst_case_delay(), worst_delay)
                warning = term._get_french_b2b_warning(self.client)
                if excess is None:
                    self.assertIsNone(term._get_french_b2b_excess())
                    self.assertFalse(warning)
                    continue
                invoice_date, due = map(date.fromisoformat, excess)
                self.assertEqual(term._get_french_b2b_excess(), (invoice_date, due))
                self.assertEqual(
                    warning,
                    f"The payment term {case} is longer than French law allows "
                    "between businesses: at most 60 days from the invoice date, or "
                    "45 days end of month if expressly agreed (Code de commerce "
                    f"L441-10). It pays up to {worst_delay} days after the invoice "
                    f"date: an invoice dated {format_date(self.env, invoice_date)} "
                    f"falls due on {format_date(self.env, due)}.",
                )

    @freeze_time("2026-11-26")
    def test_payment_term_warning_per_status(self):
        term = self._term("90 days", (100, "days_after", 90, None))
        france = self.env.ref("base.fr").id
        cases = [
            # (case, partner values, warned)
            ("French company", {"is_company": True, "country_id": france}, True),
            (
                "French sole trader",
                {"vat": "FR40303265045", "country_id": france},
                True,
            ),
            ("French private person", {"country_id": france}, False),
            (
                "Belgian company",
                {"is_company": True, "country_id": self.env.ref("base.be").id},
                False,
            ),
        ]
        for case, values, warned in cases:
            with self.subTest(case=case):
                partner = self._partner(case, **values)
                self.assertEqual(bool(term._get_french_b2b_warning(partner)), warned)
