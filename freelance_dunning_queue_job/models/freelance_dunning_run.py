from odoo import fields, models


class FreelanceDunningRun(models.Model):
    _inherit = "freelance.dunning.run"

    # Its rows are for the administrators (and the jobs, as superuser).
    batch_ids = fields.One2many(
        comodel_name="freelance.dunning.run.batch",
        inverse_name="run_id",
        groups="base.group_system",
    )


class FreelanceDunningRunBatch(models.Model):
    """What one job of a run did: one row per batch of clients.

    Jobs run side by side; each one writes its own row, never the run's, so
    that two jobs finishing together do not collide on the run (which the
    last job of the run adds up, ``_dunning_job_close_run``).
    """

    _name = "freelance.dunning.run.batch"
    _description = "Dunning Run Batch"
    _order = "run_id, first_partner_id"

    run_id = fields.Many2one(
        comodel_name="freelance.dunning.run",
        required=True,
        ondelete="cascade",
        index=True,
    )
    first_partner_id = fields.Integer(required=True)
    last_partner_id = fields.Integer(required=True)
    partner_count = fields.Integer(string="Clients Processed")
    reminder_count = fields.Integer(string="Reminders")
    error_log = fields.Text(string="Failures")

    _sql_constraints = [
        (
            "run_batch_unique",
            "UNIQUE(run_id, first_partner_id)",
            "One row per batch of a run.",
        ),
    ]
