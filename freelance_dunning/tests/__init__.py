from . import test_payment_schedule
from . import test_deposit_policy
from . import test_deposit_invoice
from . import test_online_payment
from . import test_security
from . import test_portal
from . import test_work_gate
