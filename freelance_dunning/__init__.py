import json

from . import controllers
from . import models
from . import wizards

EXISTING_QUOTES_PARAM = "freelance_dunning.quotations_before_install"
# What the demo data sets on the main company (demo/freelance_dunning_demo.xml).
DEMO_COMPANY_FIELDS = (
    "deposit_required",
    "invoice_send_at_once",
    "nightly_reminders",
    "deposit_percent",
    "payment_schedule_id",
    "write_date",
    "write_uid",
)


def _pre_init_hook(env):
    """Remember the quotations that exist before the install (not demo data)."""
    env.cr.execute("SELECT id FROM sale_order WHERE state IN ('draft', 'sent')")
    ids = [row[0] for row in env.cr.fetchall()]
    env["ir.config_parameter"].sudo().set_param(EXISTING_QUOTES_PARAM, json.dumps(ids))


def _post_init_hook(env):
    """Every existing company gets the shipped reminder ladder; quotations that
    existed before keep Odoo's behaviour (_apply_terms_to_existing_quotations)."""
    _forget_failed_demo(env)
    env["freelance.dunning.level"]._create_default_levels(env["res.company"].search([]))
    params = env["ir.config_parameter"].sudo()
    ids = json.loads(params.get_param(EXISTING_QUOTES_PARAM) or "[]")
    params.search([("key", "=", EXISTING_QUOTES_PARAM)]).unlink()
    _apply_terms_to_existing_quotations(env["sale.order"].browse(ids).exists())


def _forget_failed_demo(env):
    """Drop what a failed demo left in the ORM's cache for the main company.

    Odoo loads demo data in a savepoint that does not clear the cache when it
    rolls back (``savepoint(flush=False)`` in ``load_demo``): the company
    settings the demo wrote would be flushed by this hook, pointing at a
    payment schedule the rollback removed (a foreign key error that fails the
    whole install). The install goes on without demo data, as Odoo intends.
    """
    Module = env["ir.module.module"]
    demo_failed = Module.search_count(
        [("name", "=", "freelance_dunning"), ("demo", "=", False)]
    ) and Module.search_count([("name", "=", "base"), ("demo", "=", True)])
    if not demo_failed:
        return
    Company = env["res.company"]
    for fname in DEMO_COMPANY_FIELDS:
        env.cache.clear_dirty_field(Company._fields[fname])
    Company.invalidate_model(list(DEMO_COMPANY_FIELDS), flush=False)


def _apply_terms_to_existing_quotations(orders):
    """Quotations that exist when the addon is installed (README, For integrators)
    keep Odoo's behaviour: no deposit, no installments, no work gate, and the
    signature setting they had (exemption "before_install"). A new quotation,
    a duplicate of an old one included, gets the rules. Confirmed and cancelled
    orders are left as they are (never gated).
    """
    orders._exempt_from_freelance_rules("before_install")


def _uninstall_hook(env):
    """Open the gates still holding work, then forget the foreign keys our
    fields put on Odoo's tables.

    Held orders get the work Odoo starts at confirmation (projects, tasks),
    each says so in its chatter (sale.order._open_held_work_gates_at_uninstall).

    Odoo drops those keys with the columns at uninstall, but keeps their
    ir.model.constraint rows (they have no external id) on models that stay.
    """
    env["sale.order"]._open_held_work_gates_at_uninstall()
    env.flush_all()
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
