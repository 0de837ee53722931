from . import freelance_deposit_waiver
