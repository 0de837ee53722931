from . import test_timesheet_gate
