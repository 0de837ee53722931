from . import freelance_deposit_waiver
from . import sale_advance_payment_inv
