from freezegun import freeze_time

from odoo.exceptions import UserError
from odoo.tests import tagged

from .common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestDashboard(FreelanceDunningCommon):
    """The receivables dashboard: amounts by level, aged balance, DSO, to-dos."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.levels = cls._set_up_ladder()
        cls.dashboard = cls.env["freelance.dunning.dashboard"]
        cls.other_client = cls._create_client("Other client SARL")

    def _set_level(self, invoice, name):
        level = self.levels.filtered(lambda lv: lv.name == name)
        with self._as_dunning_engine():
            invoice.line_ids.filtered(
                lambda ln: ln.account_type == "asset_receivable"
            ).dunning_level_id = level
        return level

    def _row(self, rows, key):
        return next(row for row in rows if row["key"] == key)

    def _moves(self, action):
        return self.env[action["res_model"]].search(action["domain"])

    @freeze_time("2025-09-01")
    def test_figures_and_the_lists_behind_them(self):
        not_due = self._create_invoice(
            amount=1000.0, due="2025-09-10", invoice_date="2025-08-25"
        )
        late_12 = self._create_invoice(
            amount=2000.0, due="2025-08-20", invoice_date="2025-07-21"
        )
        late_62 = self._create_invoice(
            amount=3000.0, due="2025-07-01", invoice_date="2025-06-01"
        )
        late_100 = self._create_invoice(
            self.other_client,
            amount=4000.0,
            due="2025-05-24",
            invoice_date="2025-04-01",
        )
        paid = self._create_invoice(
            amount=500.0, due="2025-08-15", invoice_date="2025-08-01"
        )
        self._pay_invoice(paid)
        half = self._create_invoice(
            amount=600.0, due="2025-08-31", invoice_date="2025-08-01"
        )
        self._pay_invoice(half, amount=200.0)
        firm = self._set_level(late_62, "Firm reminder")
        formal = self._set_level(late_100, "Formal notice")

        data = self.dashboard.get_dashboard_data()
        self.assertEqual(data["total_amount"], 1000.0 + 2000 + 3000 + 4000 + 400)
        self.assertEqual(data["invoice_count"], 5)
        self.assertEqual(data["overdue_amount"], 2000.0 + 3000 + 4000 + 400)
        self.assertEqual(data["overdue_count"], 4)

        levels = data["levels"]
        self.assertEqual(len(levels), 1 + len(self.levels), "every level is listed")
        self.assertEqual(
            (self._row(levels, "none")["amount"], self._row(levels, "none")["count"]),
            (2400.0, 2),
            "overdue without a reminder: the 12-day one and the partly paid one",
        )
        self.assertEqual(self._row(levels, str(firm.id))["amount"], 3000.0)
        self.assertEqual(self._row(levels, str(formal.id))["amount"], 4000.0)
        friendly = self.levels.filtered(lambda lv: lv.name == "Friendly reminder")
        self.assertEqual(self._row(levels, str(friendly.id))["count"], 0)

        aging = {row["key"]: row["amount"] for row in data["aging"]}
        self.assertEqual(
            aging,
            {
                "not_due": 1000.0,
                "1_30": 2400.0,
                "31_60": 0.0,
                "61_90": 3000.0,
                "91_plus": 4000.0,
            },
        )
        self.assertEqual(sum(aging.values()), data["total_amount"])

        # Sales of the last 90 days (2025-06-03 .. 2025-09-01): 1000 + 2000
        # + 500 + 600; receivable 10,400: DSO = 10400 / 4100 * 90 = 228 days.
        self.assertEqual(data["dso"]["days"], 228)
        self.assertEqual(data["dso"]["period"], 90)

        self.assertEqual(
            self._moves(self.dashboard.action_open("level", str(firm.id))), late_62
        )
        self.assertEqual(
            self._moves(self.dashboard.action_open("level", "none")), late_12 | half
        )
        self.assertEqual(
            self._moves(self.dashboard.action_open("aging", "91_plus")), late_100
        )
        self.assertEqual(
            self._moves(self.dashboard.action_open("aging", "not_due")), not_due
        )
        with self.assertRaisesText(UserError, "This dashboard figure does not exist."):
            self.dashboard.action_open("todo", "everything")

    @freeze_time("2025-09-01")
    def test_todo_counts_open_their_lists(self):
        quote = self._create_order()
        confirmed = self._confirm(self._create_order())
        late = self._create_invoice(
            amount=800.0, due="2025-07-15", invoice_date="2025-07-01"
        )
        late._pause_dunning("disputed", "2025-09-30", "Scope disputed")
        self.other_client._set_client_blacklist("late_payer")
        todo = self.dashboard.get_dashboard_data()["todo"]
        expected = {
            "waiting_signature": quote,
            "waiting_deposit": confirmed,
            "paused": late,
            "blacklisted": self.other_client,
        }
        for key, records in expected.items():
            found = self._moves(self.dashboard.action_open("todo", key))
            self.assertIn(records, found, key)
            self.assertEqual(todo[key], len(found), key)

    @freeze_time("2025-09-01")
    def test_no_invoice_no_figure_and_other_companies_stay_apart(self):
        empty = self.dashboard.with_company(
            self.env["res.company"].create({"name": "Empty agency"})
        ).get_dashboard_data()
        self.assertEqual(empty["invoice_count"], 0)
        self.assertIsNone(empty["dso"]["days"], "no sales, no DSO")
        self._create_invoice(amount=1000.0, due="2025-08-10", invoice_date="2025-08-01")
        other = self.env["res.company"].create({"name": "Sister agency"})
        outsider = self._create_user(
            "fd_sister_accountant",
            "account.group_account_invoice,freelance_dunning.group_dunning_user",
            company=other,
        )
        data = self.dashboard.with_user(outsider).get_dashboard_data()
        self.assertEqual(
            data["total_amount"], 0.0, "another company's debtors stay hidden"
        )
        mine = self.dashboard.get_dashboard_data()
        self.assertEqual(mine["total_amount"], 1000.0)
