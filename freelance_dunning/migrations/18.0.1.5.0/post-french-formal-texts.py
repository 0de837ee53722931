"""The formal notice and the end of the relationship open and close formally (issue 19).

Up to now every shipped level opened with "Dear {client}," (a company read
"Dear Dupont Retard SARL,", in French "Bonjour Dupont Retard SARL,") and closed
with the friendly "if you have already paid, please ignore this message", the
formal notice included. The levels still worded as shipped open with
{salutation} ("Dear Sir or Madam," to a company, the person's name otherwise)
and close formally; the formal-notice letter greets the client too. Their
translations are loaded again; a text a user rewrote is left as it is.
"""

from markupsafe import Markup

from odoo import SUPERUSER_ID, api

OLD_DEAR = "<p>Dear {client},</p>"
OLD_CLOSING = (
    '<p>The invoices are attached. Each "Pay online" link works without an '
    "account. If you have already paid, thank you, and please ignore this "
    "message; if something is wrong with an invoice, just reply to this "
    "email.</p><p>Kind regards,<br/>{company}</p>"
)
OLD_LETTER = (
    "<p>From <strong>{company}</strong> to <strong>{client}</strong>.</p>"
    "<p>Despite our previous reminders,"
)


def _formal_levels(levels):
    return levels.filtered(lambda lv: lv.is_formal_notice or lv.blacklist_client)


def migrate(cr, version):
    if not version:
        return
    env = api.Environment(cr, SUPERUSER_ID, {"lang": "en_US"})
    Level = env["freelance.dunning.level"]
    levels = _formal_levels(Level.with_context(active_test=False).search([]))
    changed = levels.browse()
    for level in levels:
        shipped = {
            values["sequence"]: values
            for values in Level._default_levels_values(level.company_id)
        }
        values = {}
        intro = str(level.email_intro or "")
        if intro.startswith(OLD_DEAR):
            values["email_intro"] = Markup("<p>{salutation}</p>") + Markup(
                intro[len(OLD_DEAR) :]
            )
        # As the field stores it (sanitized: <br>, entities).
        closing = level._fields["email_closing"].convert_to_cache(OLD_CLOSING, level)
        if str(level.email_closing or "") == str(closing):
            # The formal closing of the shipped formal levels.
            values["email_closing"] = shipped[50]["email_closing"]
        letter = str(level.letter_intro or "")
        if level.is_formal_notice and OLD_LETTER in letter:
            values["letter_intro"] = Markup(
                letter.replace(
                    OLD_LETTER,
                    "<p>From <strong>{company}</strong> to <strong>{client}</strong>."
                    "</p><p>{salutation}</p><p>Despite our previous reminders,",
                )
            )
        if values:
            level.write(values)
            changed |= level
    languages = [code for code, _name in env["res.lang"].get_installed()]
    changed._translate_shipped_texts(languages)
