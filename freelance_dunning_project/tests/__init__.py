from . import test_project_gate
from . import test_rules_scope
from . import test_tours
