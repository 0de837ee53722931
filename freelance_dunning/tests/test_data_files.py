from lxml import etree

from odoo.exceptions import AccessError
from odoo.modules.module import get_manifest
from odoo.tests import TransactionCase, new_test_user, tagged
from odoo.tools import convert_file, file_open

MODULE = "freelance_dunning"


@tagged("post_install", "-at_install")
class TestDataFiles(TransactionCase):
    """The data files behave as users expect across module updates."""

    def _mail_template_files(self):
        """The manifest's data files with mail templates: {file: [their XML ids]}."""
        files = {}
        for filename in get_manifest(MODULE)["data"]:
            if not filename.endswith(".xml"):
                continue
            with file_open(f"{MODULE}/{filename}", "rb") as xml:
                records = etree.parse(xml).iterfind(".//record[@model='mail.template']")
                xmlids = [record.get("id") for record in records]
            if xmlids:
                files[filename] = xmlids
        return files

    def test_edited_mail_templates_survive_a_module_update(self):
        files = self._mail_template_files()
        self.assertTrue(files, "the addon ships mail templates")
        edited = self.env["mail.template"]
        for xmlids in files.values():
            for xmlid in xmlids:
                template = self.env.ref(f"{MODULE}.{xmlid}")
                template.write(
                    {
                        "subject": f"Our own subject ({xmlid})",
                        "body_html": "<p>Our own wording</p>",
                    }
                )
                edited |= template

        # The data file's own flag must protect them, even where the database
        # recorded the templates as updatable (installed before they were noupdate).
        self.env["ir.model.data"].search(
            [("module", "=", MODULE), ("model", "=", "mail.template")]
        ).noupdate = False
        self.env.flush_all()  # the loader reads ir_model_data in SQL
        # What `-u freelance_dunning` does with each of these files.
        for filename in files:
            convert_file(
                self.env,
                MODULE,
                filename,
                {},
                mode="update",
                noupdate=False,
                kind="data",
            )

        self.env.invalidate_all()
        for template in edited:
            xmlid = template.get_external_id()[template.id].split(".", 1)[1]
            self.assertEqual(template.subject, f"Our own subject ({xmlid})")
            self.assertEqual(str(template.body_html), "<p>Our own wording</p>")

    def test_mail_templates_are_recorded_noupdate(self):
        templates = self.env["ir.model.data"].search(
            [("module", "=", MODULE), ("model", "=", "mail.template")]
        )
        self.assertTrue(templates)
        self.assertEqual(
            templates.filtered(lambda imd: not imd.noupdate).mapped("name"),
            [],
            "every mail template of the addon is noupdate",
        )


@tagged("post_install", "-at_install")
class TestDailyRunViews(TransactionCase):
    """An accountant reads the nightly run and its failures, and changes nothing."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.accountant = new_test_user(
            cls.env, login="fd_run_accountant", groups="account.group_account_invoice"
        )
        cls.daily_run = cls.env["freelance.dunning.run"].create(
            {
                "company_id": cls.env.company.id,
                "date": "2025-03-10",
                "partner_count": 12,
                "reminder_count": 3,
                "error_log": "Client 42: no email address",
            }
        )

    def test_accountant_reads_the_failures_in_list_and_form(self):
        run = self.daily_run.with_user(self.accountant)
        self.assertEqual(run.error_log, "Client 42: no email address")
        self.assertEqual(run.display_name, "2025-03-10")
        views = run.get_views([(False, "list"), (False, "form")])["views"]
        for view_type in ("list", "form"):
            self.assertIn('name="error_log"', views[view_type]["arch"])
        menu = self.env.ref("freelance_dunning.freelance_dunning_run_log_menu")
        visible = self.env["ir.ui.menu"].with_user(self.accountant)._visible_menu_ids()
        self.assertIn(menu.id, visible)

    def test_accountant_cannot_change_a_run(self):
        run = self.daily_run.with_user(self.accountant)
        with self.assertRaisesRegex(AccessError, "not allowed to modify"):
            run.write({"error_log": False})
        with self.assertRaisesRegex(AccessError, "not allowed to delete"):
            run.unlink()
