"""Every string a person can see has a French translation.

The terms are read the way Odoo exports them (fields, selections, views,
menus, mail templates, QWeb reports and letters, Python and JS code), from the
installed addons, and compared with each addon's i18n/fr.po and .pot files.
"""

import re
from pathlib import Path

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

ADDONS = (
    "freelance_dunning",
    "freelance_dunning_project",
    "freelance_dunning_timesheet",
    "freelance_dunning_stock",
    "freelance_dunning_website_sale",
)


@tagged("post_install", "-at_install")
class TestFrenchTranslation(TransactionCase):
    def _installed_addons(self):
        return self.env["ir.module.module"].search(
            [("name", "in", ADDONS), ("state", "=", "installed")]
        )

    def _source_terms(self, addon):
        """{source string: [where it is used]} for one addon, as exported."""
        terms = {}
        reader = TranslationModuleReader(self.env.cr, modules=[addon])
        for module, ttype, name, res_id, source, _value, _comments in reader:
            if module == addon:
                terms.setdefault(source, []).append(f"{ttype}:{name}:{res_id}")
        return terms

    def _po(self, addon, filename):
        path = Path(get_module_path(addon)) / "i18n" / filename
        self.assertTrue(path.is_file(), f"{path} is missing")
        return polib.pofile(str(path))

    def test_every_source_string_has_a_french_translation(self):
        addons = self._installed_addons()
        self.assertEqual(len(addons), len(ADDONS), "all addons are installed")
        for addon in addons.mapped("name"):
            terms = self._source_terms(addon)
            self.assertGreater(len(terms), 0, addon)
            translated = {
                entry.msgid
                for entry in self._po(addon, "fr.po")
                if entry.msgstr.strip()
                and not entry.obsolete
                and "fuzzy" not in entry.flags
            }
            missing = sorted(source for source in terms if source not in translated)
            self.assertFalse(
                missing,
                f"{addon}: {len(missing)} string(s) without French translation "
                f"in i18n/fr.po:\n"
                + "\n".join(f"  {s!r} ({terms[s][0]})" for s in missing[:30]),
            )

    def test_pot_template_is_current(self):
        for addon in self._installed_addons().mapped("name"):
            terms = set(self._source_terms(addon))
            template = {e.msgid for e in self._po(addon, f"{addon}.pot")}
            self.assertFalse(
                sorted(terms - template),
                f"{addon}: i18n/{addon}.pot lacks source strings (run make i18n)",
            )
            self.assertFalse(
                sorted(template - terms),
                f"{addon}: i18n/{addon}.pot has strings no longer used (run make i18n)",
            )

    def test_french_placeholders_match_the_source(self):
        """A translated message keeps every %(name)s placeholder of its source."""
        placeholder = re.compile(r"%\(\w+\)[sdf]|%[sd]")
        checked = 0
        for addon in self._installed_addons().mapped("name"):
            for entry in self._po(addon, "fr.po"):
                if not entry.msgstr or entry.obsolete:
                    continue
                if not placeholder.search(entry.msgid):
                    continue
                checked += 1
                self.assertEqual(
                    sorted(placeholder.findall(entry.msgid)),
                    sorted(placeholder.findall(entry.msgstr)),
                    f"{addon}: placeholders differ in {entry.msgid!r}",
                )
        self.assertGreater(checked, 0, "messages with placeholders were checked")
