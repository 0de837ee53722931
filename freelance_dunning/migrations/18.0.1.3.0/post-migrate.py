"""The nightly reminders became a company setting, off for new installs.

Databases upgraded from an earlier version sent them every night: their
companies keep doing so (emailing invoices at once was already a setting).
"""


def migrate(cr, version):
    if version:
        cr.execute("UPDATE res_company SET nightly_reminders = TRUE")
