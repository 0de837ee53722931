from contextlib import contextmanager, nullcontext
from unittest.mock import patch

from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import new_test_user

from odoo.addons.account_payment.tests.common import AccountPaymentCommon
from odoo.addons.freelance_dunning.models.addon_writes import (
    DUNNING_HISTORY_WRITING,
    addon_writing,
)

# The refusals of the dunning engine's locks (regular expressions), shared by
# the tests that attack reminders, their history and levels.
REMINDER_WRITE = r"^A payment reminder is written by the dunning run only: validate"
HISTORY = r"^The dunning history is written by the reminders only: run, validate"
LEVEL_MOVE = r"^A reminder level cannot move to another company: create the level"


class FreelanceDunningCommon(AccountPaymentCommon):
    """A freelancer company with the 50 % deposit rule, clients and users."""

    @contextmanager
    def _as_dunning_engine(self):
        """Fixtures only: write what only the dunning engine writes (the
        levels reached, the history), as its private methods do."""
        with addon_writing(self.env, DUNNING_HISTORY_WRITING):
            yield

    def _deliver_reminder_emails(self, day=None):
        """Hand the queued emails to the (test) mail server, as Odoo's mail
        scheduler does (on ``day``): the reminders' level actions run then."""
        with freeze_time(day) if day else nullcontext():
            self.env["mail.mail"].sudo().process_email_queue()

    def _send_in_background(self, day=None):
        """Run what the clicks queued, as the scheduled actions do (on
        ``day``): the reminders validated or sent by hand
        (``_cron_send_queued``) and the invoices to email (Odoo's sending
        queue, ``_cron_account_move_send``)."""
        with freeze_time(day) if day else nullcontext():
            self.env["freelance.dunning.reminder"]._cron_send_queued()
            self.env["account.move"]._cron_account_move_send()

    def _post_open_refund(self, client, amount, day, currency):
        """A posted credit note of ``client``, dated and due ``day``, without
        tax, reconciled with nothing."""
        refund = self.env["account.move"].create(
            {
                "move_type": "out_refund",
                "partner_id": client.id,
                "invoice_date": day,
                "invoice_date_due": day,
                "currency_id": currency.id,
                "invoice_line_ids": [
                    Command.create(
                        {
                            "name": "Credited",
                            "quantity": 1,
                            "price_unit": amount,
                            "tax_ids": [Command.clear()],
                        }
                    )
                ],
            }
        )
        refund.action_post()
        return refund

    def _post_open_payment(self, client, amount, day, currency):
        """A posted bank payment of ``client`` received ``day``, reconciled
        with nothing."""
        payment = self.env["account.payment"].create(
            {
                "payment_type": "inbound",
                "partner_type": "customer",
                "partner_id": client.id,
                "amount": amount,
                "date": day,
                "currency_id": currency.id,
                "journal_id": self.company_data["default_journal_bank"].id,
            }
        )
        payment.action_post()
        return payment

    @classmethod
    def _set_up_ladder(cls, company=None, ecb_plus_10=False):
        """The default reminder ladder of ``company`` (the test company):
        ``cls.engine`` and the company's levels in order, returned. With
        ``ecb_plus_10``, late interest at the legal floor alone (ECB + 10
        points, no contractual rate)."""
        company = company or cls.company
        if ecb_plus_10:
            company.write(
                {"late_interest_margin": 10.0, "contractual_interest_rate": 0.0}
            )
        cls.env["freelance.dunning.level"]._create_default_levels(company)
        cls.engine = cls.env["freelance.dunning.engine"]
        return cls.engine._get_levels(company)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company = cls.company_data["company"]
        cls.env.user.groups_id |= cls.env.ref("freelance_dunning.group_dunning_manager")
        # A freelancer who switched on what emails clients by itself (the
        # nightly reminders from their preview).
        cls.company.write(
            {
                "deposit_required": True,
                "deposit_percent": 50.0,
                "invoice_send_at_once": True,
            }
        )
        cls.company._switch_on_nightly_reminders()
        cls.tax_20 = cls.env["account.tax"].create(
            {
                "name": "VAT 20%",
                "amount": 20.0,
                "amount_type": "percent",
                "type_tax_use": "sale",
                "company_id": cls.company.id,
            }
        )
        cls.service = cls.env["product.product"].create(
            {
                "name": "Website design (day)",
                "type": "service",
                "invoice_policy": "order",
                "list_price": 500.0,
                "taxes_id": [Command.set(cls.tax_20.ids)],
                "property_account_income_id": cls.company_data[
                    "default_account_revenue"
                ].id,
            }
        )
        cls.client = cls._create_client(
            "Brightside Coaching", email="hello@brightside.example.com", lang="en_US"
        )
        cls.schedule_50_25_25 = cls._create_schedule(
            "50/25/25", [(50, "signature"), (25, "milestone"), (25, "delivery")]
        )
        cls.schedule_100 = cls._create_schedule("100% upfront", [(100, "signature")])
        cls.schedule_30_70 = cls._create_schedule(
            "30/70", [(30, "signature"), (70, "delivery")]
        )
        cls.salesman = cls._create_user(
            "fd_salesman",
            "sales_team.group_sale_salesman,account.group_account_invoice,"
            "base.group_partner_manager",
        )
        cls.manager = cls._create_user(
            "fd_manager",
            "sales_team.group_sale_manager,account.group_account_invoice,"
            "freelance_dunning.group_dunning_manager",
        )

    # ------------------------------------------------------------------
    # One fixture per concept: a client, a user, an order, an invoice
    # ------------------------------------------------------------------

    @classmethod
    def _create_client(cls, name, company=None, **values):
        """A business client (a company partner), shared between companies
        unless ``company`` is given; ``values`` add or override fields."""
        if company:
            values["company_id"] = company.id
        return cls.env["res.partner"].create(
            {"name": name, "is_company": True, **values}
        )

    @classmethod
    def _create_user(cls, login, groups, company=None, **values):
        """A user of ``company`` (default: the test company) only, with the
        groups given as Odoo's new_test_user takes them (comma-separated xml
        ids); ``company=False`` leaves the companies to Odoo's defaults."""
        if company is not False:
            company = company or cls.company
            values.setdefault("company_id", company.id)
            values.setdefault("company_ids", [Command.set(company.ids)])
        return new_test_user(cls.env, login=login, groups=groups, **values)

    @classmethod
    def _create_portal_user(cls, login, client=None, **values):
        """A portal user, a contact of ``client`` when given (as a client's
        employee invited to the portal)."""
        user = new_test_user(cls.env, login=login, groups="base.group_portal", **values)
        if client:
            user.partner_id.parent_id = client
        return user

    @classmethod
    def _create_invoice(
        cls, partner=None, amount=300.0, due=None, company=None, post=True, **values
    ):
        """A customer invoice of the client (or ``partner``), posted unless
        ``post`` is false: one untaxed "Design work" line of ``amount``, or the
        ``invoice_line_ids`` given. With ``due``, dated and due that day (or
        dated ``invoice_date``): overdue from the next day. With ``company``,
        created in that company."""
        moves = cls.env["account.move"]
        if company:
            moves = moves.with_company(company)
            values.setdefault("company_id", company.id)
        if due:
            values.setdefault("invoice_date", due)
            values["invoice_date_due"] = due
        values.setdefault(
            "invoice_line_ids",
            [
                Command.create(
                    {
                        "name": "Design work",
                        "quantity": 1,
                        "price_unit": amount,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        )
        invoice = moves.create(
            {"move_type": "out_invoice", "partner_id": (partner or cls.client).id}
            | values
        )
        if post:
            invoice.action_post()
        return invoice

    @classmethod
    def _create_schedule(cls, name, installments, company=None):
        return cls.env["freelance.payment.schedule"].create(
            {
                "name": name,
                "company_id": (company or cls.company).id,
                "installment_ids": [
                    Command.create(
                        {
                            "sequence": index,
                            "percent": percent,
                            "trigger": trigger,
                            "days_after_signature": days,
                        }
                    )
                    for index, (percent, trigger, *rest) in enumerate(installments)
                    for days in [rest[0] if rest else 0]
                ],
            }
        )

    @classmethod
    def _create_order(
        cls,
        partner=None,
        quantity=2,
        user=None,
        company=None,
        lines=(),
        product=None,
        line_values=None,
        **values,
    ):
        """A quotation of the client (or ``partner``): ``quantity`` days of the
        service (or units of ``product``), with ``line_values`` if given, then
        one line per dict of ``lines``; created by ``user`` or in ``company``
        when given."""
        env = cls.env(user=user) if user else cls.env
        orders = env["sale.order"]
        if company:
            orders = orders.with_company(company)
            values.setdefault("company_id", company.id)
        return orders.create(
            {
                "partner_id": (partner or cls.client).id,
                "order_line": [
                    Command.create(
                        {
                            "product_id": (product or cls.service).id,
                            "product_uom_qty": quantity,
                            **(line_values or {}),
                        }
                    )
                ]
                + [Command.create(line) for line in lines],
                **values,
            }
        )

    # A 1x1 GIF: what Odoo's portal stores when a client signs online.
    SIGNATURE = "R0lGODlhAQABAIAAAP///wAAACwAAAAAAQABAAACAkQBADs="

    @contextmanager
    def _housekeeping_calls(self):
        """The (company, day) of each call of the engine's housekeeping
        (``_housekeeping``) made inside the block, which still runs."""
        Engine = type(self.env["freelance.dunning.engine"])
        housekeeping = Engine._housekeeping
        calls = []

        def counted(engine, company, today):
            calls.append((company, today))
            return housekeeping(engine, company, today)

        with patch.object(Engine, "_housekeeping", counted):
            yield calls

    @classmethod
    def _sign(cls, order, name="Client signatory"):
        """Sign the quotation as Odoo's portal does (as superuser)."""
        order.sudo().write(
            {"signature": cls.SIGNATURE, "signed_by": name, "signed_on": "2026-01-05"}
        )
        return order

    @classmethod
    def _confirm(cls, order):
        cls._sign(order).action_confirm()
        return order

    @contextmanager
    def assertRaisesText(self, exception, text):
        """Odoo's assertRaises (which rolls the failed write back) plus its message."""
        with self.assertRaises(exception) as catcher:
            yield catcher
        self.assertIn(text, str(catcher.exception))

    def _pay_invoice(self, invoice, amount=None):
        """Register a bank transfer on the invoice, as an accountant would."""
        wizard = (
            self.env["account.payment.register"]
            .with_context(active_model="account.move", active_ids=invoice.ids)
            .create({"amount": amount} if amount else {})
        )
        return wizard._create_payments()

    def _level(self, name):
        """The level of ``self.levels`` called ``name``."""
        return self.levels.filtered(lambda level: level.name == name)

    @staticmethod
    def _receivable(invoice):
        return invoice.line_ids.filtered(
            lambda line: line.account_type == "asset_receivable"
        )

    def assertRefusedUnchanged(self, call, records, fnames, expected):
        """``call`` is refused with a message matching ``expected`` and
        ``records`` keep the values of ``fnames``."""
        before = records.sudo().read(fnames)
        with self.assertRaisesRegex(UserError, expected), self.env.cr.savepoint():
            call()
            self.env.flush_all()
        records.invalidate_recordset()
        self.assertEqual(records.sudo().read(fnames), before, "nothing changed")
