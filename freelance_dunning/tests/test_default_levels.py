from odoo.tests import TransactionCase, tagged
from odoo.tools import convert_file


@tagged("post_install", "-at_install")
class TestDefaultLevels(TransactionCase):
    """Each install and update gives a ladder to the companies that have none."""

    def test_update_gives_a_ladder_to_companies_without_one(self):
        levels = self.env["freelance.dunning.level"].with_context(active_test=False)
        bare = self.env["res.company"].create({"name": "Agency without ladder"})
        levels.search([("company_id", "=", bare.id)]).unlink()
        tuned = self.env["res.company"].create({"name": "Agency with its own ladder"})
        own = levels.search([("company_id", "=", tuned.id)])
        own[1:].unlink()
        own[0].write({"name": "Our only reminder", "days": 10, "active": False})

        # What `-u freelance_dunning` loads.
        convert_file(
            self.env,
            "freelance_dunning",
            "data/freelance_dunning_level_data.xml",
            {},
            mode="update",
            noupdate=False,
        )

        self.assertEqual(levels.search_count([("company_id", "=", bare.id)]), 6)
        self.assertEqual(
            levels.search([("company_id", "=", tuned.id)]).mapped("name"),
            ["Our only reminder"],
            "a company that has levels, even archived, keeps them",
        )
