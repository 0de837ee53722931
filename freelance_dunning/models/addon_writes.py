"""What the dunning engine alone writes: reminders, their history and the
level each receivable line reached.

The engine's private methods open ``addon_writing`` around their writes and
the models refuse a create, write or unlink without it (``is_addon_writing``).
It is a ``cursor_permission``: it lives on the database cursor, which no
caller over RPC reaches, unlike the context. The engine creates records it
has no ids for yet, so the permission is granted to the engine as a whole
(the ``ENGINE`` token), not to records.
"""

from .cursor_permission import cursor_permission, has_cursor_permission

# The dunning engine writes reminders, their history and the levels reached.
DUNNING_HISTORY_WRITING = "freelance_dunning.dunning_history_writing"
ENGINE = "engine"


def addon_writing(env, key):
    """Inside this block, the addon writes what ``key`` protects."""
    return cursor_permission(env, key, [ENGINE])


def is_addon_writing(env, key):
    """Whether an ``addon_writing(env, key)`` block is open on the cursor."""
    return has_cursor_permission(env, key, [ENGINE])
