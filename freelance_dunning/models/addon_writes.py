"""Markers of the addon's own writes, kept on the database cursor.

Some records and fields hold a rule's state: the reminders and their
history, the level a receivable line reached. Only the addon's methods may
write them: such a method opens a marker around its write (``addon_writing``)
and the model refuses the write without it (``is_addon_writing``). The marker
lives in the cursor's cache, which no caller over RPC reaches, unlike the
context, which any caller sets.
"""

from contextlib import contextmanager

# The dunning engine writes reminders, their history and the levels reached.
DUNNING_HISTORY_WRITING = "freelance_dunning.dunning_history_writing"


@contextmanager
def addon_writing(env, key):
    """Inside this block, the addon writes what ``key`` protects."""
    cache = env.cr.cache
    cache[key] = cache.get(key, 0) + 1
    try:
        yield
    finally:
        cache[key] -= 1


def is_addon_writing(env, key):
    """Whether an ``addon_writing(env, key)`` block is open on the cursor."""
    return bool(env.cr.cache.get(key))
