from . import freelance_deposit_waiver
from . import sale_advance_payment_inv
from . import freelance_signed_copy
from . import freelance_work_gate_override
from . import freelance_dunning_run_wizard
from . import freelance_dunning_pause
from . import freelance_client_blacklist
