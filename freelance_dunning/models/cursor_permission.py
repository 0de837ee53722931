"""Permissions the addon grants itself for the length of a block.

A context key is no proof: any caller over RPC sets it. What the addon's own
methods may do past a model's write() rules is marked on the cursor instead,
where no request reaches, for the records concerned and only while the block
runs.
"""

from contextlib import contextmanager


@contextmanager
def cursor_permission(env, key, ids):
    """Grant ``key`` to the records ``ids`` on ``env``'s cursor inside the block."""
    granted = env.cr.cache.setdefault(key, set())
    added = set(ids) - granted
    granted.update(added)
    try:
        yield
    finally:
        granted.difference_update(added)


def has_cursor_permission(env, key, ids):
    """Whether every record of ``ids`` holds ``key`` on ``env``'s cursor now."""
    granted = env.cr.cache.get(key, ())
    return all(record_id in granted for record_id in ids)
