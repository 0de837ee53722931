from . import test_delivery_gate
