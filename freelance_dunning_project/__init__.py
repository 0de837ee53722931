from . import models


def _uninstall_hook(env):
    """The orders the gate holds get their projects and tasks before this
    bridge goes (sale.order._create_held_projects_at_uninstall). When the base
    addon is uninstalled too, its own hook opens their gates instead."""
    base_leaving = env["ir.module.module"].search_count(
        [("name", "=", "freelance_dunning"), ("state", "=", "to remove")]
    )
    if not base_leaving:
        env["sale.order"]._create_held_projects_at_uninstall()
