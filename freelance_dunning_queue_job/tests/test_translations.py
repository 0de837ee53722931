from pathlib import Path

import polib

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase, tagged
from odoo.tools.translate import TranslationModuleReader

ADDON = "freelance_dunning_queue_job"


@tagged("post_install", "-at_install")
class TestFrenchTranslation(TransactionCase):
    def test_every_source_string_has_a_french_translation(self):
        terms = {
            source
            for module, _t, _n, _r, source, _v, _c in TranslationModuleReader(
                self.env.cr, modules=[ADDON]
            )
            if module == ADDON
        }
        self.assertIn("Dunning Run Batch", terms)
        po = polib.pofile(str(Path(get_module_path(ADDON)) / "i18n" / "fr.po"))
        translated = {
            entry.msgid
            for entry in po
            if entry.msgstr.strip()
            and not entry.obsolete
            and "fuzzy" not in entry.flags
        }
        self.assertEqual(sorted(terms - translated), [])
