import logging

from odoo import api, models
from odoo.tools.translate import get_po_paths

_logger = logging.getLogger(__name__)

MODULE = "freelance_dunning"


class IrModuleModule(models.Model):
    _inherit = "ir.module.module"

    def _load_module_terms(
        self, modules, langs, overwrite=False, imported_module=False
    ):
        """Translate the shipped reminder levels when a language is loaded.

        Levels are created per company in code, not from data files, so Odoo's
        translation loading does not reach them: the levels still named as
        shipped get their name in the new language.
        """
        result = super()._load_module_terms(
            modules, langs, overwrite=overwrite, imported_module=imported_module
        )
        if MODULE in modules:
            self.env["freelance.dunning.level"].sudo()._translate_default_levels(langs)
        return result

    def _register_hook(self):
        super()._register_hook()
        self._dunning_load_missing_terms()

    @api.model
    def _dunning_load_missing_terms(self):
        """Load the addon's terms of the installed languages they miss.

        ``odoo --load-language fr_FR`` (or ``-l`` with ``-i``/``-u`` on an
        installed database) loads the languages while only ``base`` is in the
        registry: Odoo skips the terms of the records of every other model (our
        mail templates) and this class's override, which translates the
        reminder levels, is not there yet. Once all the modules are loaded, the
        languages whose terms our mail templates lack (and that have a
        translation file) are loaded for this addon and its bridges: the
        templates get their translation, the levels still worded as shipped
        theirs. A database whose templates are translated costs one query.
        """
        cr = self.env.cr
        langs = [
            code
            for code, _name in self.env["res.lang"].get_installed()
            if code != "en_US" and next(get_po_paths(MODULE, code), None)
        ]
        if not langs:
            return
        cr.execute(
            """
            SELECT t.name FROM mail_template t
              JOIN ir_model_data d ON d.res_id = t.id
             WHERE d.model = 'mail.template' AND d.module = %s
            """,
            [MODULE],
        )
        names = [row[0] or {} for row in cr.fetchall()]
        missing = [lang for lang in langs if any(lang not in name for name in names)]
        if not missing:
            return
        modules = self.sudo().search(
            [("name", "=like", f"{MODULE}%"), ("state", "=", "installed")]
        )
        if MODULE not in modules.mapped("name"):
            return
        _logger.info("%s: loading the missing terms of %s", MODULE, missing)
        modules._update_translations(missing)
