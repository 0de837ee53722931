"""System tests: several processes against PostgreSQL, run by pytest only.

Fault, concurrency and lifecycle tests that start Odoo workers or whole Odoo
servers in processes of their own, on scratch databases: they commit, so
Odoo's own test runner (which only imports ``<addon>/tests``) must not run
them. tools/run_tests.py runs this folder with pytest-odoo in the same pytest
run as the addons' tests (`make test`); on its own:

    .venv/bin/python -m pytest --odoo-config .run/odoo.conf \
        --odoo-database <test database> tests_system -p no:cacheprovider
"""
