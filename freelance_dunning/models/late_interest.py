"""Late-payment interest, as French and EU law computes it.

Pure functions (no ORM), so that the rules can be read and tested on their own.

Conventions, from the Code de commerce (L441-10) and Directive 2011/7/EU:

- interest runs for every calendar day after the due date, up to and including
  the day the money reaches the creditor;
- the yearly rate applying to a day is the one in force for its half-year: the
  reference rate on 1 January applies to January-June, the one on 1 July to
  July-December (a delay across 1 January or 1 July is split into segments);
- interest = amount due (taxes included) x yearly rate x days / 365;
- a partial payment reduces the base from the day after it is received;
- the result is rounded to the cent only at the end.
"""

from collections import namedtuple
from datetime import date, timedelta

Segment = namedtuple("Segment", "date_from date_to days base rate interest")


def half_year_start(day):
    """1 January or 1 July of the half-year holding ``day``."""
    return date(day.year, 1 if day.month <= 6 else 7, 1)


def next_half_year_start(day):
    start = half_year_start(day)
    return date(start.year, 7, 1) if start.month == 1 else date(start.year + 1, 1, 1)


def late_interest_segments(amount, due_date, until_date, rate_for, payments=()):
    """Split the delay into segments of constant base and rate.

    :param amount: amount due on ``due_date``, taxes included
    :param due_date: last day to pay; interest starts the day after
    :param until_date: last day counted (the payment day, or today)
    :param rate_for: callable(half_year_start_date) -> yearly rate in percent
    :param payments: iterable of (date, amount) received, in any order
    :return: list of Segment, each with its interest not yet rounded
    """
    payments = sorted(payments)
    segments = []
    day = due_date + timedelta(days=1)
    base = amount
    # Payments received up to the due date reduce the base from the start.
    pending = []
    for paid_on, paid in payments:
        if paid_on <= due_date:
            base -= paid
        else:
            pending.append((paid_on, paid))
    while day <= until_date and base > 0:
        # The segment ends at the first of: the end of the half-year, the day a
        # payment is received (included: it reduces the base from the next day)
        # or the last day counted.
        end = min(next_half_year_start(day) - timedelta(days=1), until_date)
        for paid_on, _paid in pending:
            if paid_on >= day:
                end = min(end, paid_on)
                break
        days = (end - day).days + 1
        rate = rate_for(half_year_start(day))
        segments.append(
            Segment(day, end, days, base, rate, base * rate / 100.0 * days / 365.0)
        )
        while pending and pending[0][0] <= end:
            base -= pending.pop(0)[1]
        day = end + timedelta(days=1)
    return segments


def late_interest(amount, due_date, until_date, rate_for, payments=()):
    """Total late interest, rounded to the cent (see late_interest_segments)."""
    segments = late_interest_segments(amount, due_date, until_date, rate_for, payments)
    return round(sum(segment.interest for segment in segments) + 1e-9, 2)
