"""The shipped level texts take their legal sentences from the reminder (issue 18).

Levels still worded as shipped by an earlier version told a business what a
formal notice does "for consumers", a consumer that the indemnity was included,
and claimed a registered letter even when the reminder was only emailed. Their
sentences are replaced by the placeholders the reminder fills in per client
status and channel, then translated again; a sentence a user rewrote is left
as it is. No level is marked *Posted as Registered Letter*: the accountant
switches it on for the levels whose letters are posted so.
"""

from odoo import SUPERUSER_ID, api

# (field, sentence shipped before 18.0.1.4.0, its replacement)
REPLACEMENTS = [
    (
        "letter_closing",
        "Late interest runs from the day after each due date at the rate set in "
        "our terms (ECB main refinancing rate plus {interest_margin} points for "
        "business clients; the legal interest rate for consumers, from the formal "
        "notice). Business clients also owe a fixed indemnity for recovery costs "
        "of {indemnity_amount} per invoice (articles L441-10 and D441-5 of the "
        "French Code de commerce).",
        "{penalty_terms}",
    ),
    (
        "email_intro",
        "As stated in our terms, late payment bears late interest and, for "
        "business clients, a fixed indemnity for recovery costs of "
        "{indemnity_amount} per invoice.",
        "{penalty_terms}",
    ),
    (
        "email_intro",
        "formally require you to pay the amount below, including late interest "
        "and the recovery indemnity, before",
        "formally require you to pay the amount below{penalties_included} before",
    ),
    (
        "email_intro",
        "Failing payment by that date, we will start recovery proceedings without "
        "further notice.",
        "Failing payment by that date, we will start recovery proceedings without "
        "further notice. {notice_effect}",
    ),
    (
        "letter_intro",
        "Registered letter with acknowledgement of receipt.",
        "{sending_mode}",
    ),
    (
        "letter_intro",
        "pay the total amount due below, including the late interest and the "
        "fixed indemnity for recovery costs, before",
        "pay the total amount due below{penalties_included} before",
    ),
    (
        "letter_intro",
        "This letter makes late interest run for consumers.",
        "{notice_effect}",
    ),
]


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
    levels = env["freelance.dunning.level"].with_context(active_test=False).search([])
    changed = levels.browse()
    for level in levels:
        values = {}
        for fname, old, new in REPLACEMENTS:
            text = values.get(fname, str(level[fname] or ""))
            if old in text:
                values[fname] = text.replace(old, new)
        if values:
            level.write(values)
            changed |= level
    languages = [code for code, _name in env["res.lang"].get_installed()]
    changed._translate_shipped_texts(languages)
