from . import test_project_gate
