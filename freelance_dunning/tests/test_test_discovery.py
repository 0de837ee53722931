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
        self.assertGreaterEqual(len(inits), 4, "the addon and its three bridges")
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
