"""The client's deposit terms and blacklist become company-dependent.

Until 18.0.1.1.0 they were one value per client, shared by every company:
each company keeps that value as its own (jsonb, one key per company), so
nothing changes until a company decides otherwise.
"""

from odoo.tools import SQL

# column -> SQL turning the old value into a jsonb scalar (NULL: the fallback)
COLUMNS = {
    "deposit_policy": "CASE WHEN {c} = 'company' THEN NULL ELSE to_jsonb({c}) END",
    "payment_schedule_id": "to_jsonb({c})",
    "client_blacklisted": "CASE WHEN {c} THEN to_jsonb({c}) END",
    "client_blacklist_reason": "to_jsonb({c})",
    "client_blacklist_note": "to_jsonb({c})",
    "client_blacklist_date": "to_jsonb({c}::text)",
    "client_blacklist_user_id": "to_jsonb({c})",
}


def migrate(cr, version):
    cr.execute(
        "SELECT column_name FROM information_schema.columns"
        " WHERE table_name = 'res_partner' AND data_type != 'jsonb'"
        " AND column_name = ANY(%s)",
        [list(COLUMNS)],
    )
    for (column,) in cr.fetchall():
        old = f"{column}_before_18_0_1_2"
        value = SQL(COLUMNS[column].format(c=f'"{old}"'))
        # A type change cannot read other tables: copy into a new column.
        cr.execute(
            SQL(
                "ALTER TABLE res_partner RENAME COLUMN %s TO %s",
                SQL.identifier(column),
                SQL.identifier(old),
            )
        )
        cr.execute(
            SQL("ALTER TABLE res_partner ADD COLUMN %s jsonb", SQL.identifier(column))
        )
        cr.execute(
            SQL(
                """
                UPDATE res_partner SET %(column)s = (
                    SELECT jsonb_object_agg(company.id::text, %(value)s)
                      FROM res_company company
                ) WHERE (%(value)s) IS NOT NULL
                """,
                column=SQL.identifier(column),
                value=value,
            )
        )
        cr.execute(
            SQL("ALTER TABLE res_partner DROP COLUMN %s CASCADE", SQL.identifier(old))
        )
