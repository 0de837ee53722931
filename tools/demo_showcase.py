"""Turn the demo database into a French freelancer's studio, once.

    python tools/demo_showcase.py -c .run/odoo.conf -d freelance_dunning

Run by `make run` (tools/dev.sh) after the database was created by
tools/demo_db.py (French main company) and the addons were installed with
their demo data. In one transaction it gives the main company a French
identity (address, SIREN/SIRET, VAT number, IBAN), completes the demo clients
(companies, a sole trader, a consumer, a Belgian client with a VAT number),
adds quotations and invoices at every stage, builds a history of reminders
by running the addon's own engine day after day over the last three months
(freezegun moves the clock), and adds a second, English-speaking company.
Every address is on example.com; no email is delivered here (they wait in
Odoo's queue for the outgoing mail server).

Idempotent: the system parameter ``freelance_dunning.demo_showcase`` marks a
database already done, and a second run changes nothing. Exits with status 3
on a database that tools/demo_db.py did not create (someone's own database).
"""

import argparse
import logging
import sys
import time
from datetime import date, timedelta

from freezegun import freeze_time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.fields import Command
from odoo.modules.registry import Registry

_logger = logging.getLogger("demo_showcase")

CREATED_BY = "freelance_dunning.demo_db"  # set by tools/demo_db.py
MARKER = "freelance_dunning.demo_showcase"
VERSION = "1"


# --- Identifiers with valid check digits (all invented) ----------------------
def luhn_ok(digits):
    total = 0
    for i, char in enumerate(reversed(digits)):
        value = int(char) * (2 if i % 2 else 1)
        total += value - 9 if value > 9 else value
    return total % 10 == 0


def luhn_complete(prefix):
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


def siren_siret(base8, nic4="0001"):
    """A SIREN (9 digits) and the SIRET of its head office (14 digits)."""
    siren = luhn_complete(base8)
    return siren, luhn_complete(siren + nic4)


def french_vat(siren):
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def belgian_vat(base7):
    return f"BE0{base7}{97 - int(base7) % 97:02d}"


def french_iban(bank, branch, account):
    key = 97 - (89 * int(bank) + 15 * int(branch) + 3 * int(account)) % 97
    bban = f"{bank}{branch}{account}{key:02d}"
    number = int("".join(str(int(c, 36)) for c in bban + "FR00"))
    iban = f"FR{98 - number % 97:02d}{bban}"
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


# The labels of the addon's demo invoices (English, from its demo XML), in
# French on the showcase's French documents.
FRENCH_LABELS = {
    "Brand guidelines, phase 1": "Charte graphique, phase 1",
    "Website maintenance, March": "Maintenance du site web, mars",
    "Hosting migration (offered)": "Migration de l'hébergement (offerte)",
    "Coaching sessions (4 h)": "Séances de coaching (4 h)",
    "Logo variations": "Déclinaisons du logo",
    "Extra revision round (offered)": "Tour de révisions supplémentaire (offert)",
}


# --- The showcase --------------------------------------------------------------
class Showcase:
    def __init__(self, env):
        self.env = env
        self.today = date.today()
        self.company = env.ref("base.main_company")
        self.admin = env.ref("base.user_admin")
        self.engine = env["freelance.dunning.engine"]

    def ref(self, xmlid):
        return self.env.ref(f"freelance_dunning.{xmlid}")

    def day(self, offset):
        return self.today + timedelta(days=offset)

    # The company ------------------------------------------------------------
    def setup_company(self):
        env, company = self.env, self.company
        siren, siret = siren_siret("81462937")
        company.write(
            {
                "name": "Studio Camille Roux",
                "street": "18 rue de la Roquette",
                "zip": "75011",
                "city": "Paris",
                "country_id": env.ref("base.fr").id,
                "email": "bonjour@studio-camille-roux.example.com",
                "phone": "+33 1 84 80 00 00",
                "website": "https://studio-camille-roux.example.com",
                "vat": french_vat(siren),
                "company_registry": siren,
                "siret": siret,
                "ape": "7410Z",
            }
        )
        # The admin is the studio's owner: the reminders and invoices sent in
        # her name read "Camille Roux", not Odoo's demo user.
        self.admin.partner_id.write(
            {
                "name": "Camille Roux",
                "email": "camille@studio-camille-roux.example.com",
            }
        )
        bank = env["res.partner.bank"].create(
            {
                "acc_number": french_iban("12345", "67890", "00012345678"),
                "partner_id": company.partner_id.id,
                "company_id": company.id,
                "allow_out_payment": True,
            }
        )
        # A sole trader (entreprise individuelle): the mentions a French
        # invoice needs, in the footer of every document (Odoo prints the
        # company's report footer): "EI", SIREN, VAT number, no RCS.
        company.report_footer = (
            f"Camille Roux EI (entrepreneur individuel) · SIREN {siren} · "
            f"SIRET {siret} · TVA {company.vat} · APE 7410Z · Dispensée "
            "d'immatriculation au RCS et au RM · TVA acquittée sur les encaissements"
        )
        journal = env["account.journal"].search(
            [("type", "=", "bank"), ("company_id", "=", company.id)], limit=1
        )
        journal.bank_account_id = bank
        # The rates of the current half-year, when not shipped yet (they are
        # entered when published): the last known ones, so that the demo's
        # late interest can be computed. Said in the log and the README.
        rates = env["freelance.reference.rate"]
        half_year = date(self.today.year, 1 if self.today.month < 7 else 7, 1)
        if not rates.search_count([("date_from", "=", half_year)]):
            last = rates.search([], order="date_from desc", limit=1)
            rates.create(
                {
                    "date_from": half_year,
                    "ecb_rate": last.ecb_rate,
                    "legal_rate": last.legal_rate,
                }
            )
            _logger.warning(
                "Reference rates of the half-year from %s not shipped: the demo "
                "uses those of %s (replace them with the published ones)",
                half_year,
                last.date_from,
            )

    # VAT ------------------------------------------------------------------------
    def setup_taxes(self):
        """Services at 20 % (VAT on receipts, the rule for services), the
        French fiscal positions, the reverse-charge mention."""
        chart = self.env["account.chart.template"].with_company(self.company)
        self.service_tax = chart.ref("tva_normale_encaissement")
        self.positions = {
            "domestic": chart.ref("fiscal_position_template_domestic"),
            "eu_b2b": chart.ref("fiscal_position_template_intraeub2b"),
        }
        self.positions["eu_b2b"].with_context(lang="fr_FR").note = (
            "Autoliquidation : TVA due par le preneur (article 196 de la "
            "directive 2006/112/CE, article 283-2 du CGI)"
        )
        for xmlid, name in (
            ("product_website_design_demo", "Conception de site web (jour)"),
            ("product_brand_identity_demo", "Identité visuelle complète"),
            ("product_coaching_session_demo", "Séance de coaching (1 h)"),
        ):
            product = self.ref(xmlid)
            product.taxes_id = self.service_tax
            product.with_context(lang="fr_FR").name = name

    def set_position(self, partner, key="domestic"):
        partner.property_account_position_id = self.positions[key]
        return partner

    def retax(self, orders, moves):
        """Give the documents the install made (demo XML, before the clients'
        VAT numbers and positions) the client's fiscal position, the service
        tax and French labels, as an accountant would: reset to draft, fix,
        post again (before the reminders' history, which quotes them)."""
        for order in orders:
            order.fiscal_position_id = order.partner_id.property_account_position_id
            for line in order.order_line.filtered(lambda line: not line.display_type):
                line.tax_id = order.fiscal_position_id.map_tax(self.service_tax)
                if not line.is_downpayment:
                    line.name = FRENCH_LABELS.get(
                        line.name,
                        line.product_id.with_context(
                            lang="fr_FR"
                        ).get_product_multiline_description_sale(),
                    )
        for move in moves | orders.invoice_ids:
            posted = move.state == "posted"
            receivable = move.line_ids.filtered(
                lambda line: line.account_type == "asset_receivable"
            )
            payments = receivable.matched_credit_ids.credit_move_id
            if posted:
                move.button_draft()
            move.fiscal_position_id = move.partner_id.property_account_position_id
            for line in move.invoice_line_ids.filtered(
                lambda line: line.display_type == "product"
            ):
                line.write(
                    {
                        "tax_ids": move.fiscal_position_id.map_tax(self.service_tax),
                        "name": FRENCH_LABELS.get(line.name, line.name),
                    }
                )
            if posted:
                with self.env["account.move"]._invoice_emails_held():
                    move.action_post()
            if payments:  # paid at install (a deposit): matched again
                (
                    payments
                    | move.line_ids.filtered(
                        lambda line: line.account_type == "asset_receivable"
                    )
                ).reconcile()

    # The clients --------------------------------------------------------------
    def setup_clients(self):
        env = self.env
        fr = env.ref("base.fr")
        siren, siret = siren_siret("53018274")
        self.ref("partner_brightside_demo").write(
            {
                "name": "Brightside Coaching SARL",
                "company_registry": siren,
                "siret": siret,
                "vat": french_vat(siren),
            }
        )
        siren, siret = siren_siret("79120465")
        self.ref("partner_atelier_lumiere_demo").write(
            {
                "name": "Atelier Lumière SAS",
                "street": "7 quai des Chartrons",
                "zip": "33000",
                "company_registry": siren,
                "siret": siret,
                "vat": french_vat(siren),
            }
        )
        self.ref("partner_northwind_demo").write(
            {"street": "Rue Haute 41", "zip": "1000", "vat": belgian_vat("4776215")}
        )
        self.ref("partner_nora_castel_demo").write(
            {"street": "5 allée des Tilleuls", "zip": "44000"}
        )
        self.ref("partner_lastminute_demo").write(
            {"street": "22 boulevard Longchamp", "zip": "13001"}
        )
        siren, siret = siren_siret("84251097")
        self.verdier = env["res.partner"].create(
            {
                "name": "Maison Verdier SAS",
                "is_company": True,
                "email": "compta@maison-verdier.example.com",
                "street": "3 place des Vosges",
                "zip": "75004",
                "city": "Paris",
                "country_id": fr.id,
                "company_registry": siren,
                "siret": siret,
                "vat": french_vat(siren),
            }
        )
        siren, siret = siren_siret("43390512")
        self.dupain = env["res.partner"].create(
            {
                "name": "Boulangerie Dupain SARL",
                "is_company": True,
                "email": "gerance@boulangerie-dupain.example.com",
                "street": "14 rue de Béthune",
                "zip": "59000",
                "city": "Lille",
                "country_id": fr.id,
                "company_registry": siren,
                "siret": siret,
                "vat": french_vat(siren),
            }
        )
        # A sole trader: a person (not a company) with a SIRET, so a
        # professional client for the addon.
        siren, siret = siren_siret("90317745")
        self.moreau = env["res.partner"].create(
            {
                "name": "Julien Moreau (EI, plomberie)",
                "email": "julien.moreau@example.com",
                "street": "9 rue Nationale",
                "zip": "37000",
                "city": "Tours",
                "country_id": fr.id,
                "company_registry": siren,
                "siret": siret,
            }
        )
        # A client never reminded: its signed order waits for its deposit.
        siren, siret = siren_siret("52736481")
        self.fontaine = env["res.partner"].create(
            {
                "name": "Librairie Fontaine SARL",
                "is_company": True,
                "email": "contact@librairie-fontaine.example.com",
                "street": "2 rue de la Monnaie",
                "zip": "35000",
                "city": "Rennes",
                "country_id": fr.id,
                "company_registry": siren,
                "siret": siret,
                "vat": french_vat(siren),
            }
        )
        # Fiscal positions before any document: French clients (companies,
        # the sole trader, the consumer) pay French VAT; Northwind, a Belgian
        # company with a VAT number, is invoiced without VAT (reverse charge).
        for partner in (
            self.ref("partner_brightside_demo"),
            self.ref("partner_atelier_lumiere_demo"),
            self.ref("partner_nora_castel_demo"),
            self.ref("partner_lastminute_demo"),
            self.verdier,
            self.dupain,
            self.moreau,
            self.fontaine,
        ):
            self.set_position(partner)
        self.set_position(self.ref("partner_northwind_demo"), "eu_b2b")

    # Documents ----------------------------------------------------------------
    def invoice(self, partner, invoice_offset, due_offset, lines, post=True):
        move = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": partner.id,
                "invoice_user_id": self.admin.id,
                "invoice_date": self.day(invoice_offset),
                "invoice_date_due": self.day(due_offset),
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": qty, "price_unit": price}
                        | ({"name": name} if name else {})
                    )
                    for product, qty, price, name in lines
                ],
            }
        )
        if post:
            with self.env["account.move"]._invoice_emails_held():
                move.action_post()
        return move

    def pay(self, moves, offset):
        with freeze_time(self.day(offset)):
            self.env["account.payment.register"].with_context(
                active_model="account.move", active_ids=moves.ids
            ).create({"payment_date": self.day(offset)})._create_payments()

    def signed_order(self, partner, lines, schedule=None, offset=-2):
        order = self.env["sale.order"].create(
            {
                "partner_id": partner.id,
                "user_id": self.admin.id,
                "pricelist_id": False,
                "payment_schedule_id": schedule.id if schedule else False,
                "order_line": [
                    Command.create({"product_id": product.id, "product_uom_qty": qty})
                    for product, qty in lines
                ],
                "signed_by": partner.name,
                "signed_on": self.day(offset),
                "signature": self.ref("sale_order_brand_paid_demo").signature,
            }
        )
        order._action_confirm_without_email()
        return order

    def setup_documents(self):
        design = self.ref("product_website_design_demo")
        brand = self.ref("product_brand_identity_demo")
        coaching = self.ref("product_coaching_session_demo")
        brightside = self.ref("partner_brightside_demo")
        atelier = self.ref("partner_atelier_lumiere_demo")
        # Installments: signed, deposit paid, the second installment invoiced.
        order = self.signed_order(
            brightside,
            [(design, 12)],
            schedule=self.ref("payment_schedule_50_20_20_10_demo"),
            offset=-35,
        )
        self.pay(order.deposit_invoice_ids, -33)
        with self.env["account.move"]._invoice_emails_held():
            order.action_invoice_next_installment()
        # Signed yesterday, deposit not paid yet: the work waits for it. A
        # client never reminded, so whatever today's date is, no suspension
        # notice holds this order.
        self.signed_order(self.fontaine, [(design, 4)], offset=-1)
        # Quotations not signed yet: a draft for the sole trader, a sent one
        # for a company.
        self.env["sale.order"].create(
            {
                "partner_id": self.moreau.id,
                "pricelist_id": False,
                "user_id": self.admin.id,
                "order_line": [
                    Command.create({"product_id": design.id, "product_uom_qty": 2})
                ],
            }
        )
        self.env["sale.order"].create(
            {
                "partner_id": self.verdier.id,
                "pricelist_id": False,
                "user_id": self.admin.id,
                "state": "sent",
                "order_line": [
                    Command.create({"product_id": brand.id, "product_uom_qty": 1})
                ],
            }
        )
        # A paid invoice and a credit note.
        paid = self.invoice(brightside, -60, -30, [(coaching, 8, 150, None)])
        self.pay(paid, -31)
        refunded = self.invoice(atelier, -45, -15, [(brand, 1, 2400, None)])
        with self.env["account.move"]._invoice_emails_held():
            credit_note = refunded._reverse_moves(
                [{"ref": "Avoir : projet annulé", "invoice_date": self.day(-40)}],
                cancel=True,
            )
        # Overdue invoices, one per reminder level reached today.
        self.overdue = {
            "formal_sent": self.invoice(
                self.verdier, -82, -52, [(brand, 1, 2400, None), (design, 2, 600, None)]
            ),
            "suspension": self.invoice(self.dupain, -63, -33, [(design, 3, 600, None)]),
            "firm": self.invoice(self.moreau, -47, -17, [(design, 1, 600, None)]),
            "friendly": self.invoice(brightside, -33, -3, [(coaching, 4, 150, None)]),
        }
        return credit_note

    # The reminder history ------------------------------------------------------
    def build_history(self, company, first_offset, validate=()):
        """Run the engine as the nightly job does, once a day up to today.

        ``validate``: clients whose reminders the accountant sends by hand
        (a run in their name validates the levels that need it)."""
        count = 0
        for offset in range(first_offset, 1):
            day = self.day(offset)
            with freeze_time(day):
                for partner in validate:
                    count += len(
                        self.engine._run(
                            company, day, partners=partner, user=self.admin
                        )
                    )
                count += len(self.engine._run(company, day))
        return count

    # The second company --------------------------------------------------------
    def setup_second_company(self):
        env = self.env
        gbp = env.ref("base.GBP")
        gbp.active = True
        # chart_template_load: no module installed from here, no chart loaded
        # behind our back at the next flush; the chart of the company's
        # country (l10n_uk when installed, Odoo's generic one otherwise) is
        # loaded just below.
        company = (
            env["res.company"]
            .with_context(chart_template_load=True)
            .create(
                {
                    "name": "Harbour Lane Design Ltd",
                    "street": "12 Harbour Lane",
                    "zip": "BS1 4RN",
                    "city": "Bristol",
                    "country_id": env.ref("base.uk").id,
                    "currency_id": gbp.id,
                    "email": "hello@harbour-lane.example.com",
                    "company_registry": "09876543",
                }
                # partner_autocomplete would look the new company up on Odoo's
                # servers: marked as done, nothing leaves the machine.
                | (
                    {"iap_enrich_auto_done": True}
                    if "iap_enrich_auto_done" in env["res.company"]._fields
                    else {}
                )
            )
        )
        # An English-speaking company: its documents and reminders in English.
        company.partner_id.lang = "en_US"
        charts = env["account.chart.template"]
        charts.try_loading(charts._guess_chart_template(company.country_id), company)
        self.admin.company_ids = [Command.link(company.id)]
        env = env(context=dict(env.context, allowed_company_ids=[company.id]))
        partners = env["res.partner"].create(
            [
                {
                    "name": "Kestrel Media Ltd",
                    "is_company": True,
                    "email": "accounts@kestrel-media.example.com",
                    "city": "Leeds",
                    "lang": "en_US",
                    "country_id": env.ref("base.uk").id,
                    "company_id": company.id,
                },
                {
                    "name": "Oliver Bennett",
                    "email": "oliver.bennett@example.com",
                    "city": "Bath",
                    "lang": "en_US",
                    "country_id": env.ref("base.uk").id,
                    "company_id": company.id,
                },
            ]
        )
        design = self.ref("product_website_design_demo")
        env["sale.order"].with_company(company).create(
            [
                {
                    "partner_id": partners[0].id,
                    "company_id": company.id,
                    "user_id": self.admin.id,
                    "order_line": [
                        Command.create({"product_id": design.id, "product_uom_qty": 5})
                    ],
                },
                {
                    "partner_id": partners[1].id,
                    "company_id": company.id,
                    "user_id": self.admin.id,
                    "state": "sent",
                    "order_line": [
                        Command.create({"product_id": design.id, "product_uom_qty": 1})
                    ],
                },
            ]
        )
        move = (
            env["account.move"]
            .with_company(company)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": partners[0].id,
                    "invoice_user_id": self.admin.id,
                    "invoice_date": self.day(-40),
                    "invoice_date_due": self.day(-20),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "name": "Website redesign",
                                "quantity": 1,
                                "price_unit": 1500,
                            }
                        )
                    ],
                }
            )
        )
        with env["account.move"]._invoice_emails_held():
            move.action_post()
        return company

    def install_documents(self):
        """The orders and invoices the addon's demo data made at install."""
        data = self.env["ir.model.data"].search(
            [
                ("module", "=", "freelance_dunning"),
                ("model", "in", ("sale.order", "account.move")),
            ]
        )
        return self.env["sale.order"].browse(
            data.filtered(lambda d: d.model == "sale.order").mapped("res_id")
        ), self.env["account.move"].browse(
            data.filtered(lambda d: d.model == "account.move").mapped("res_id")
        )

    def run(self):
        # French for the admin (tools/demo_db.py), English one click away, and
        # the demo user in English.
        self.env["res.lang"]._activate_lang("en_US")
        self.env.ref("base.user_demo").lang = "en_US"
        self.setup_company()
        self.setup_taxes()
        self.setup_clients()
        self.retax(*self.install_documents())
        self.setup_documents()
        reminders = self.build_history(
            self.company, -56, validate=self.overdue["formal_sent"].partner_id
        )
        second = self.setup_second_company()
        reminders += self.build_history(second.with_company(second), -24)
        return reminders


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--logfile", help="Odoo's log (default: warnings on stderr)")
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-c", args.config]
        + (["--logfile", args.logfile] if args.logfile else ["--log-level=warn"])
    )
    t0 = time.monotonic()
    registry = Registry(args.database)
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        params = env["ir.config_parameter"]
        if not params.get_param(CREATED_BY):
            print(
                f"Database {args.database} was not created by tools/demo_db.py: "
                "no showcase added (kept as it is)"
            )
            sys.exit(3)
        if params.get_param(MARKER):
            print(f"Showcase already in {args.database}: nothing to do")
            return
        reminders = Showcase(env).run()
        params.set_param(MARKER, VERSION)
    print(
        f"Showcase added to {args.database} ({reminders} reminders made by the "
        f"engine) in {time.monotonic() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
