"""pytest configuration for the whole repository (used with pytest-odoo).

Odoo's HttpCase tests (browser tours, HTTP controllers) need a running Odoo
HTTP server and Chromium, which pytest-odoo does not provide: they are
DESELECTED here (not skipped, so they do not count as skipped tests) and run by
Odoo's own test runner instead (tools/run_tests.py, test tag `fd_http`).
"""


def pytest_collection_modifyitems(config, items):
    try:
        from odoo.tests import HttpCase
    except ImportError:  # pytest run without Odoo: nothing to deselect
        return
    http_items = [
        item
        for item in items
        if isinstance(getattr(item, "cls", None), type)
        and issubclass(item.cls, HttpCase)
    ]
    if http_items:
        config.hook.pytest_deselected(items=http_items)
        items[:] = [item for item in items if item not in http_items]
