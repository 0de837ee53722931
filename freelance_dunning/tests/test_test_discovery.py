"""Odoo's runner imports only what an addon's tests/__init__.py imports: a test
file left out would run under pytest-odoo alone, and OCA-style CI would skip
it without a word."""

import ast
from pathlib import Path

from odoo.tests import TransactionCase, tagged

# The folder holding this addon and its bridges.
ADDONS_DIR = Path(__file__).resolve().parents[2]


@tagged("post_install", "-at_install")
class TestTestDiscovery(TransactionCase):
    def test_every_test_file_is_imported_by_its_addon(self):
        inits = sorted(ADDONS_DIR.glob("freelance_dunning*/tests/__init__.py"))
        # The addon and the bridges beside it (in the repository: four; from
        # an installed wheel, those installed).
        self.assertIn(Path(__file__).with_name("__init__.py"), inits)
        for init in inits:
            imported = {
                alias.name
                for node in ast.parse(init.read_text()).body
                if isinstance(node, ast.ImportFrom) and node.level == 1
                for alias in node.names
            }
            for test_file in sorted(init.parent.glob("test_*.py")):
                with self.subTest(test_file=str(test_file.relative_to(ADDONS_DIR))):
                    self.assertIn(test_file.stem, imported)

    def test_every_browser_test_runs_in_make_test(self):
        """pytest-odoo cannot run HttpCase classes: `make test` runs those
        tagged fd_http with Odoo's runner (tools/run_tests.py). An HttpCase
        without the tag would run nowhere."""
        found = 0
        for test_file in sorted(ADDONS_DIR.glob("freelance_dunning*/tests/test_*.py")):
            for node in ast.parse(test_file.read_text()).body:
                if not isinstance(node, ast.ClassDef) or "HttpCase" not in {
                    getattr(base, "id", getattr(base, "attr", None))
                    for base in node.bases
                }:
                    continue
                found += 1
                tags = {
                    arg.value
                    for decorator in node.decorator_list
                    if isinstance(decorator, ast.Call)
                    and getattr(decorator.func, "id", None) == "tagged"
                    for arg in decorator.args
                    if isinstance(arg, ast.Constant)
                }
                with self.subTest(test=f"{test_file.name}:{node.name}"):
                    self.assertIn("fd_http", tags)
        self.assertGreater(found, 0, "the addon has browser tests")
