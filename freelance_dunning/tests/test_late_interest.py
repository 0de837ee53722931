from datetime import date

from freezegun import freeze_time

from odoo.exceptions import ValidationError
from odoo.tests import TransactionCase, tagged

from ..models.freelance_reference_rate import MissingReferenceRate
from ..models.late_interest import late_interest, late_interest_segments

# France, business client: ECB rate on the first day of the half-year + 10 points.
FRANCE_B2B = {
    date(2024, 7, 1): 14.25,
    date(2025, 1, 1): 13.15,
    date(2025, 7, 1): 12.15,
    date(2026, 1, 1): 12.15,
}

# Each case computed by hand: amount x rate x days / 365, per segment.
CASES = [
    # Within one half-year: 1,200.00 x 13.15 % x 10 / 365
    ("10 days in H1 2025", 1200.0, date(2025, 6, 10), date(2025, 6, 20), (), 4.32),
    # legal-rules.md 6: 10 days at 13.15 % + 20 days at 12.15 %
    # = 4.3233 + 7.9890
    ("across 1 July 2025", 1200.0, date(2025, 6, 20), date(2025, 7, 20), (), 12.31),
    # Half paid on 30 June (day 10): base 600 from 1 July
    # = 1,200 x 13.15 % x 10/365 + 600 x 12.15 % x 20/365 = 4.3233 + 3.9945
    (
        "partial payment on day 10",
        1200.0,
        date(2025, 6, 20),
        date(2025, 7, 20),
        ((date(2025, 6, 30), 600.0),),
        8.32,
    ),
    # Across 1 January 2025: 15 days at 14.25 % + 31 days at 13.15 %
    # = 1,000 x (0.1425 x 15 + 0.1315 x 31) / 365 = 5.8562 + 11.1685
    ("across 1 January 2025", 1000.0, date(2024, 12, 16), date(2025, 1, 31), (), 17.02),
    # Paid on the due date: nothing is owed.
    ("paid on time", 1000.0, date(2025, 3, 1), date(2025, 3, 1), (), 0.0),
    # Fully paid by two instalments: 500 x 13.15% x 5/365 after the first
    # = 1,000 x 0.1315 x 5/365 + 500 x 0.1315 x 5/365 = 1.8014 + 0.9007
    (
        "two partial payments",
        1000.0,
        date(2025, 3, 1),
        date(2025, 3, 31),
        ((date(2025, 3, 6), 500.0), (date(2025, 3, 11), 500.0)),
        2.70,
    ),
]


@tagged("post_install", "-at_install")
class TestLateInterest(TransactionCase):
    def test_interest_table(self):
        for label, amount, due, until, payments, expected in CASES:
            with self.subTest(label):
                self.assertEqual(
                    late_interest(amount, due, until, FRANCE_B2B.__getitem__, payments),
                    expected,
                )

    def test_segments_across_half_years(self):
        segments = late_interest_segments(
            1200.0, date(2025, 6, 20), date(2025, 7, 20), FRANCE_B2B.__getitem__
        )
        self.assertEqual(
            [(s.days, s.rate) for s in segments], [(10, 13.15), (20, 12.15)]
        )
        self.assertEqual(segments[0].date_from, date(2025, 6, 21))
        self.assertEqual(segments[1].date_to, date(2025, 7, 20))

    def test_shipped_rates_and_company_rule(self):
        company = self.env.company
        company.write({"late_interest_margin": 10.0, "contractual_interest_rate": 0.0})
        Rate = self.env["freelance.reference.rate"]
        business = Rate._get_interest_rate_function(company, business=True)
        consumer = Rate._get_interest_rate_function(company, business=False)
        expected = {
            date(2023, 1, 1): (12.50, 2.06),
            date(2023, 7, 1): (14.00, 4.22),
            date(2024, 1, 1): (14.50, 5.07),
            date(2024, 7, 1): (14.25, 4.92),
            date(2025, 1, 1): (13.15, 3.71),
            date(2025, 7, 1): (12.15, 2.76),
            date(2026, 1, 1): (12.15, 2.62),
        }
        for start, (b2b, b2c) in expected.items():
            with self.subTest(start=start):
                self.assertAlmostEqual(business(start), b2b)
                self.assertAlmostEqual(consumer(start), b2c)
        # A half-year not entered yet is never given another half-year's
        # rates (test_claims_rates.py has the refusals).
        with self.assertRaises(MissingReferenceRate):
            business(date(2026, 7, 1))
        with self.assertRaises(MissingReferenceRate):
            consumer(date(2022, 7, 1))
        self.assertEqual(
            late_interest(1200.0, date(2025, 6, 20), date(2025, 7, 20), business), 12.31
        )

    @freeze_time("2026-03-02")
    def test_contractual_rate_floor(self):
        company = self.env.company
        # 2024 H1: the 3 x legal rate floor (15.21 %) was above ECB + 10 (14.50 %).
        company.contractual_interest_rate = 16.0
        business = self.env["freelance.reference.rate"]._get_interest_rate_function(
            company
        )
        self.assertAlmostEqual(business(date(2024, 1, 1)), 16.0)
        company.contractual_interest_rate = 20.0
        self.assertAlmostEqual(business(date(2025, 7, 1)), 20.0)
        with self.assertRaises(ValidationError) as refused:
            company.contractual_interest_rate = 5.0  # floor today: 3 x 2.62 = 7.86
        self.assertIn(
            "cannot be below three times the legal interest rate of any half-year "
            "it applies to: at least 7.86% (half-year starting 01/01/2026)",
            str(refused.exception),
        )
        self.assertEqual(company.contractual_interest_rate, 20.0)

    def test_rates_start_a_half_year(self):
        with self.assertRaises(ValidationError) as refused:
            self.env["freelance.reference.rate"].create(
                {"date_from": "2027-03-01", "ecb_rate": 2.0, "legal_rate": 2.0}
            )
        self.assertEqual(
            str(refused.exception), "Reference rates start on 1 January or 1 July."
        )
