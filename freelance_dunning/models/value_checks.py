"""The numbers and dates the addon's fields accept, checked before they are
written.

Odoo stores NaN in a float column, crashes on an infinite amount or on an
integer beyond PostgreSQL's, and keeps a date in year 9999 that breaks every
date computed from it (reminder dates, the overdue list). A constraint
(``@api.constrains``) runs once the value is in the database, too late for
these: the addon's ``create`` and ``write`` call ``check_values`` first, which
refuses a value of the wrong type, not finite or out of its field's range
with a ValidationError naming the field and what it accepts.
"""

import math
from datetime import date, datetime

from dateutil.relativedelta import relativedelta

from odoo import fields
from odoo.exceptions import ValidationError

# PostgreSQL's integer column.
INTEGER_MIN, INTEGER_MAX = -(2**31), 2**31 - 1
# Larger amounts are typing mistakes, and beyond 1e15 a float no longer keeps
# cents exactly.
AMOUNT_MAX = 1e12
# Dates the addon accepts: from 1 January 2000 to ten years after today. An
# older date predates any invoice kept here; a later one is a typing mistake
# (a pause until 9999 stops the reminders for ever and breaks the reminder
# dates computed from it).
EARLIEST_DATE = date(2000, 1, 1)
YEARS_AHEAD = 10


def _label(records, fname):
    return records._fields[fname]._description_string(records.env)


def _shown(value):
    return repr(value) if isinstance(value, str) else str(value)


def check_number(records, fname, value, minimum=None, maximum=None, above=False):
    """``value`` written into the number field ``fname`` of ``records``, or a
    ValidationError: not a number (text, list, True), not finite, out of
    ``minimum``..``maximum`` (``above``: strictly above ``minimum``), missing
    for a required field, or not a whole number for an integer field."""
    env = records.env
    field = records._fields[fname]
    label = _label(records, fname)
    if value is None or value is False:
        if field.required:
            raise ValidationError(
                env._("%(field)s is required: enter a number.", field=label)
            )
        value = 0
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationError(
            env._(
                "%(field)s must be a number, not %(value)s.",
                field=label,
                value=_shown(value),
            )
        )
    if field.type == "integer":
        if not (math.isfinite(value) and value == int(value)):
            raise ValidationError(
                env._(
                    "%(field)s must be a whole number, not %(value)s.",
                    field=label,
                    value=_shown(value),
                )
            )
        minimum = INTEGER_MIN if minimum is None else minimum
        maximum = INTEGER_MAX if maximum is None else maximum
    elif field.type == "monetary":
        maximum = AMOUNT_MAX if maximum is None else maximum
        minimum = -AMOUNT_MAX if minimum is None else minimum
    if not math.isfinite(value):
        raise ValidationError(
            env._(
                "%(field)s must be a finite number, not %(value)s.",
                field=label,
                value=_shown(value),
            )
        )
    too_low = minimum is not None and (value <= minimum if above else value < minimum)
    too_high = maximum is not None and value > maximum
    if too_low or too_high:
        if above:
            message = env._(
                "%(field)s must be above %(minimum)s and at most %(maximum)s, "
                "not %(value)s.",
                field=label,
                minimum=minimum,
                maximum=maximum,
                value=value,
            )
        elif maximum is None:
            message = env._(
                "%(field)s cannot be below %(minimum)s (%(value)s given).",
                field=label,
                minimum=minimum,
                value=value,
            )
        else:
            message = env._(
                "%(field)s must be between %(minimum)s and %(maximum)s, not %(value)s.",
                field=label,
                minimum=minimum,
                maximum=maximum,
                value=value,
            )
        raise ValidationError(message)
    return value


def latest_date(env):
    """The last date the addon accepts: ten years after today."""
    return fields.Date.context_today(env["res.partner"]) + relativedelta(
        years=YEARS_AHEAD
    )


def check_date(records, fname, value):
    """``value`` written into the date (or datetime) field ``fname`` of
    ``records``, as a date, or a ValidationError: not a date, missing for a
    required field, before ``EARLIEST_DATE`` or more than ``YEARS_AHEAD``
    years after today."""
    env = records.env
    field = records._fields[fname]
    label = _label(records, fname)
    if value is None or value is False:
        if field.required:
            raise ValidationError(
                env._("%(field)s is required: enter a date.", field=label)
            )
        return False
    day = None
    if isinstance(value, date):
        day = value.date() if isinstance(value, datetime) else value
    elif isinstance(value, str):
        try:
            day = (
                fields.Datetime.to_datetime(value).date()
                if field.type == "datetime"
                else fields.Date.to_date(value)
            )
        except ValueError:
            day = None
    if day is None:
        raise ValidationError(
            env._(
                "%(field)s must be a date written YYYY-MM-DD, not %(value)s.",
                field=label,
                value=_shown(value),
            )
        )
    latest = latest_date(env)
    if not EARLIEST_DATE <= day <= latest:
        raise ValidationError(
            env._(
                "%(field)s must be a date from %(earliest)s to %(latest)s (ten "
                "years from today), not %(value)s: a date outside is a typing "
                "mistake and would break the reminder dates.",
                field=label,
                earliest=fields.Date.to_string(EARLIEST_DATE),
                latest=fields.Date.to_string(latest),
                value=fields.Date.to_string(day),
            )
        )
    return day


def check_values(records, vals_list, bounds):
    """Refuse the bad numbers and dates of ``vals_list`` (a dict or a list of
    dicts) before they are written to ``records``' model.

    :param bounds: {field name: {"minimum": ..., "maximum": ..., "above": ...}}
        for the fields to check (an empty dict: the type's own limits)
    """
    if isinstance(vals_list, dict):
        vals_list = [vals_list]
    for vals in vals_list:
        for fname in bounds.keys() & vals.keys():
            if records._fields[fname].type in ("date", "datetime"):
                check_date(records, fname, vals[fname])
            else:
                check_number(records, fname, vals[fname], **bounds[fname])
