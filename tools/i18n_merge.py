#!/usr/bin/env python3
"""Merge a translation catalogue with its fresh template (called by `make i18n`).

    python tools/i18n_merge.py <addon>/i18n/fr.po <addon>/i18n/<addon>.pot

Keeps every existing translation whose source string is still used, adds the
new source strings untranslated, drops the ones no longer used, and prints the
strings still to translate. polib (an Odoo dependency) writes the file in the
same layout as Odoo's own exports.
"""

import sys

import polib


def merge(po_path, pot_path):
    template = polib.pofile(pot_path)
    catalogue = polib.pofile(po_path)
    known = {(e.msgctxt, e.msgid): e for e in catalogue if not e.obsolete}
    merged = polib.POFile(wrapwidth=catalogue.wrapwidth)
    merged.metadata = catalogue.metadata
    merged.metadata["POT-Creation-Date"] = template.metadata.get(
        "POT-Creation-Date", ""
    )
    merged.header = catalogue.header
    for entry in template:
        old = known.get((entry.msgctxt, entry.msgid))
        entry.msgstr = old.msgstr if old else ""
        merged.append(entry)
    merged.save(po_path)
    todo = [e.msgid for e in merged if not e.msgstr]
    print(f"{po_path}: {len(merged)} strings, {len(todo)} to translate")
    for msgid in todo:
        print(f"  {msgid!r}")
    return 0


if __name__ == "__main__":
    sys.exit(merge(sys.argv[1], sys.argv[2]))
