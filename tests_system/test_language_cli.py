"""French loaded from the command line reaches the mail templates and levels.

Odoo in subprocesses on a scratch database (``<test db>_language``), dropped at
the end: ``odoo --load-language fr_FR`` (with or without ``-i``/``-u``) loads
the language while only ``base`` is in the registry, which skipped the terms of
the addon's records (mail templates) and its reminder levels (created by code).
The addon loads them once the registry is complete: checked here in the
database, as the command line leaves it.
"""

import shutil
from pathlib import Path

import odoo

from .test_lifecycle import Lifecycle

TEMPLATE = "mail_template_installment_invoice"
FRENCH_LEVELS = [
    "Rappel de courtoisie",
    "Relance amicale",
    "Relance ferme",
    "Avis de suspension",
    "Mise en demeure",
    "Fin de la relation commerciale",
]


def _french_in_database(db):
    """(template name, template body has French, level names) in fr_FR."""
    with odoo.sql_db.db_connect(db).cursor() as cr:
        cr.execute(
            """
            SELECT t.name->>'fr_FR',
                   t.body_html->>'fr_FR' LIKE '%%Voici votre facture%%'
              FROM mail_template t
              JOIN ir_model_data d ON d.res_id = t.id AND d.model = 'mail.template'
             WHERE d.module = 'freelance_dunning' AND d.name = %s
            """,
            [TEMPLATE],
        )
        name, body = cr.fetchone()
        cr.execute(
            """
            SELECT l.name->>'fr_FR' FROM freelance_dunning_level l
              JOIN res_company c ON c.id = l.company_id
             ORDER BY c.id, l.sequence
             LIMIT 6
            """
        )
        return name, body, [row[0] for row in cr.fetchall()]


def _lifecycle(name):
    workdir = Path(odoo.tools.config.rcfile).parent / f"language_{name}"
    shutil.rmtree(workdir, ignore_errors=True)
    workdir.mkdir(parents=True)
    db = f"{odoo.tools.config['db_name']}_language"
    return Lifecycle(workdir, db=db)


def test_french_loaded_from_the_command_line():
    run = _lifecycle("cli")
    run.drop()
    try:
        # After install: --load-language on the installed database.
        assert run.odoo("install", "-i", "freelance_dunning"), run.failed
        assert _french_in_database(run.db) == (None, None, [None] * 6)
        assert run.odoo("load", "--load-language", "fr_FR"), run.failed
        assert "loading the missing terms of ['fr_FR']" in run.logs["load"]
        assert _french_in_database(run.db) == (
            "Relances freelance\xa0: facture avec son lien de paiement",
            True,
            FRENCH_LEVELS,
        )
        # Loaded again: nothing is missing, nothing is loaded twice.
        assert run.odoo("again", "--load-language", "fr_FR"), run.failed
        assert "loading the missing terms" not in run.logs["again"]
        run.drop()
        # At install: --load-language with -i on a new database.
        assert run.odoo(
            "install_fr", "-i", "freelance_dunning", "--load-language", "fr_FR"
        ), run.failed
        assert _french_in_database(run.db) == (
            "Relances freelance\xa0: facture avec son lien de paiement",
            True,
            FRENCH_LEVELS,
        )
    finally:
        run.drop()
