"""Row locks that never wait: what this transaction may write, now."""

from psycopg2 import errors

from odoo.tools import SQL


def lock_skip_locked(records):
    """The ids of ``records`` this transaction now holds a row lock on
    (``FOR NO KEY UPDATE SKIP LOCKED``): the rows another transaction holds
    are left out, without waiting for it.

    Returns None when PostgreSQL refuses the lock because one of the rows
    changed since this transaction began (repeatable read): what the caller
    read about them may be stale. Nothing is locked then.
    """
    if not records:
        return set()
    cr = records.env.cr
    try:
        with cr.savepoint(flush=False):
            cr.execute(
                SQL(
                    "SELECT id FROM %s WHERE id IN %s FOR NO KEY UPDATE SKIP LOCKED",
                    SQL.identifier(records._table),
                    tuple(records.ids),
                )
            )
            return {row[0] for row in cr.fetchall()}
    except errors.SerializationFailure:
        return None
