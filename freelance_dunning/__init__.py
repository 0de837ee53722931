import json

from . import models
from . import wizards

EXISTING_QUOTES_PARAM = "freelance_dunning.quotations_before_install"


def _pre_init_hook(env):
    """Remember the quotations that exist before the install (not demo data)."""
    env.cr.execute("SELECT id FROM sale_order WHERE state IN ('draft', 'sent')")
    ids = [row[0] for row in env.cr.fetchall()]
    env["ir.config_parameter"].sudo().set_param(EXISTING_QUOTES_PARAM, json.dumps(ids))


def _post_init_hook(env):
    """Every existing company gets the shipped reminder ladder; quotations that
    existed before keep Odoo's behaviour (_apply_terms_to_existing_quotations)."""
    env["freelance.dunning.level"]._create_default_levels(env["res.company"].search([]))
    params = env["ir.config_parameter"].sudo()
    ids = json.loads(params.get_param(EXISTING_QUOTES_PARAM) or "[]")
    params.search([("key", "=", EXISTING_QUOTES_PARAM)]).unlink()
    _apply_terms_to_existing_quotations(env["sale.order"].browse(ids).exists())


def _apply_terms_to_existing_quotations(orders):
    """Quotations that exist when the addon is installed (README, For integrators)
    keep Odoo's behaviour: no deposit, no installments, no work gate, and the
    signature setting they had (exemption "before_install"). A new quotation,
    a duplicate of an old one included, gets the rules. Confirmed and cancelled
    orders are left as they are (never gated).
    """
    orders._exempt_from_freelance_rules("before_install")


def _uninstall_hook(env):
    """Forget the foreign keys our fields put on Odoo's tables.

    Odoo drops those keys with the columns at uninstall, but keeps their
    ir.model.constraint rows (they have no external id) on models that stay.
    """
    env.cr.execute(
        """
        DELETE FROM ir_model_constraint c
         USING ir_module_module m
         WHERE m.id = c.module AND m.name = 'freelance_dunning' AND c.type = 'f'
           AND NOT EXISTS (
               SELECT 1 FROM ir_model_data d
                WHERE d.model = 'ir.model.constraint' AND d.res_id = c.id
           )
        """
    )
