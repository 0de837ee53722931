from . import models
from . import wizards


def _post_init_hook(env):
    """Every existing company gets the shipped reminder ladder."""
    env["freelance.dunning.level"]._create_default_levels(env["res.company"].search([]))
