from . import freelance_deposit_waiver_wizard
from . import sale_advance_payment_inv
from . import freelance_signed_copy_wizard
from . import freelance_work_gate_override_wizard
from . import freelance_dunning_run_wizard
from . import freelance_dunning_pause_wizard
from . import freelance_client_blacklist_wizard
from . import freelance_dunning_postpone_wizard
