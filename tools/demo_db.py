"""Create the demo database as a French freelancer's, through Odoo's own code.

    python tools/demo_db.py -c .run/odoo.conf -d freelance_dunning

Odoo's database manager (odoo.service.db.exp_create_database) creates it with
demo data, French as the language (English stays installed), admin / admin as
login and password, and France as the main company's country: the company is
in EUR, and installing `account` brings the French chart of accounts
(l10n_fr_account, auto-installed for a French company): `account` is
installed here, before the addons and their demo data. The system parameter
``freelance_dunning.demo_db`` records that this script created it: only such a
database gets tools/demo_showcase.py's clients and invoices. Exits with status
3, without touching anything, when the database already exists.

    python tools/demo_db.py -c .run/odoo.conf -d freelance_dunning --status

prints what the database is: "missing", "not-odoo" (a PostgreSQL database
that is not an Odoo one), "foreign" (an Odoo database not created here:
someone's own, kept as it is), "created" (showcase not added yet) or
"showcase".
"""

import argparse
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.modules.registry import Registry
from odoo.service import db as db_service

CREATED_BY = "freelance_dunning.demo_db"
MARKER = "freelance_dunning.demo_showcase"


def status(name):
    if not db_service.exp_db_exist(name):
        return "missing"
    with odoo.sql_db.db_connect(name).cursor() as cr:
        cr.execute("SELECT to_regclass('ir_config_parameter') IS NOT NULL")
        if not cr.fetchone()[0]:
            return "not-odoo"
        cr.execute(
            "SELECT key FROM ir_config_parameter WHERE key IN %s",
            [(CREATED_BY, MARKER)],
        )
        keys = {key for (key,) in cr.fetchall()}
    if MARKER in keys:
        return "showcase"
    return "created" if CREATED_BY in keys else "foreign"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-c", "--config", required=True)
    parser.add_argument("-d", "--database", required=True)
    parser.add_argument("--logfile", help="Odoo's log (default: warnings on stderr)")
    parser.add_argument("--lang", default="fr_FR")
    parser.add_argument("--country", default="FR")
    parser.add_argument("--status", action="store_true")
    args = parser.parse_args()
    odoo.tools.config.parse_config(
        ["-c", args.config]
        + (["--logfile", args.logfile] if args.logfile else ["--log-level=warn"])
    )
    if args.status:
        print(status(args.database))
        return
    if db_service.exp_db_exist(args.database):
        print(f"Database {args.database} exists already: kept as it is")
        sys.exit(3)
    t0 = time.monotonic()
    db_service.exp_create_database(
        args.database,
        True,
        args.lang,
        user_password="admin",
        login="admin",
        country_code=args.country,
    )
    # Accounting first, on its own: Odoo loads the chart of accounts of the
    # company's country (l10n_fr_account) at the end of the install that
    # brings it, too late for demo data installed in the same run.
    odoo.tools.config["init"] = {"account": 1}
    registry = Registry.new(args.database, update_module=True)
    odoo.tools.config["init"] = {}
    with registry.cursor() as cr:
        env = api.Environment(cr, SUPERUSER_ID, {})
        env["ir.config_parameter"].set_param(CREATED_BY, f"{args.country},{args.lang}")
        company = env.ref("base.main_company")
        chart = company.chart_template
        currency = company.currency_id.name
    print(
        f"Database {args.database} created ({args.country}, {args.lang}, demo data, "
        f"accounting in {currency}, chart of accounts {chart!r}) in "
        f"{time.monotonic() - t0:.0f} s"
    )


if __name__ == "__main__":
    main()
