from odoo import models


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
        if "freelance_dunning" in modules:
            self.env["freelance.dunning.level"].sudo()._translate_default_levels(langs)
        return result
