from odoo import api, fields, models

JOB_PRIORITY = 20


class FreelanceDunningEngine(models.AbstractModel):
    _inherit = "freelance.dunning.engine"

    @api.model
    def _cron_dispatch(self, company, today, run, partner_ids, budget):
        """The scheduled action hands the company's clients over to jobs, one
        per batch of its size, on the channel root.freelance_dunning, and
        reminds none itself.

        The run's cursor moves past the last client handed over, in the same
        transaction as the jobs are stored: a second call the same day only
        hands over the clients it has not seen. The jobs' identity keys
        (company, day, first client of the batch) keep a batch from being
        queued twice while it waits. Each batch job, once done, queues the
        job that adds up the run's figures (``_dunning_job_close_run``): a
        batch that failed or was cancelled never keeps the others' figures
        from the run.
        """
        if not partner_ids:
            return 0, 0
        size = max(budget, 1)
        batches = [
            partner_ids[start : start + size]
            for start in range(0, len(partner_ids), size)
        ]
        for ids in batches:
            self.with_delay(
                priority=JOB_PRIORITY,
                identity_key=f"freelance_dunning:{company.id}:{today}:{ids[0]}",
                description=self.env._(
                    "Payment reminders of %(company)s, %(day)s: %(count)s clients "
                    "from #%(first)s to #%(last)s",
                    company=company.name,
                    day=today,
                    count=len(ids),
                    first=ids[0],
                    last=ids[-1],
                ),
            )._dunning_job_run_batch(run, ids)
        run.last_partner_id = partner_ids[-1]
        # Nothing reminded in this transaction, nothing left for the cron.
        return 0, 0

    @api.model
    def _dunning_job_run_batch(self, run, partner_ids):
        """Job: remind one batch of clients of ``run``'s company, as
        ``_cron_run_batch`` does, and record what it did in its own row.

        Private (never callable by RPC). The job is one transaction: a job
        retried after a failure or requeued after its worker died starts
        again from nothing done; one performed again after it was done finds
        its batch's row and does nothing. Jobs of other batches never hold the
        same clients, and the engine's locks and unique checks stay the last
        word (a client's lines locked, one reminder per client and day). The
        company's housekeeping was done by the scheduled action before it
        queued the jobs, once: jobs side by side never retry the same bounced
        email.
        """
        company = run.company_id
        if not company.nightly_reminders or not company._reminders_by_this_addon():
            return self.env._(
                "Skipped: the nightly reminders are off for this company."
            )
        if run.date != fields.Date.context_today(self.with_company(company)):
            # Queued for an earlier day (no job runner since): that day's run
            # of these clients is the next one, which reminds them afresh.
            return self.env._(
                "Skipped: queued for %(day)s, the next run reminds these clients.",
                day=run.date,
            )
        Batch = self.env["freelance.dunning.run.batch"].sudo()
        done = Batch.search(
            [("run_id", "=", run.id), ("first_partner_id", "=", partner_ids[0])]
        )
        if done:
            # Its row is written in the transaction that reminded the batch:
            # the batch is done (the job was requeued by hand). Its failures
            # are tried again by the next day's run, as without queue_job.
            return self.env._(
                "%(clients)s clients, %(reminders)s reminders",
                clients=done.partner_count,
                reminders=done.reminder_count,
            )
        batch = self.env["res.partner"].browse(partner_ids).exists()
        reminders = (
            self.with_company(company)
            .with_context(mail_notify_force_send=False)
            ._run(company, run.date, partners=batch, housekeeping=False)
        )
        Batch.create(
            {
                "run_id": run.id,
                "first_partner_id": partner_ids[0],
                "last_partner_id": partner_ids[-1],
                "partner_count": len(partner_ids),
                "reminder_count": len(reminders),
                "error_log": self._cron_error_log(False, reminders),
            }
        )
        # The run's figures, added up once this batch is committed.
        self.with_delay(
            priority=JOB_PRIORITY + 1,
            description=self.env._(
                "Payment reminders of %(company)s, %(day)s: the run's figures",
                company=company.name,
                day=run.date,
            ),
        )._dunning_job_close_run(run)
        return self.env._(
            "%(clients)s clients, %(reminders)s reminders",
            clients=len(partner_ids),
            reminders=len(reminders),
        )

    @api.model
    def _dunning_job_close_run(self, run):
        """Job queued by each batch job once done: the run's figures are the
        sum of its batches done so far (the last batch's job writes the
        day's total; running it again changes nothing).

        Each batch job queues its own, in its transaction: the one of the
        last batch to commit starts after it and sees every batch done. Two of
        them writing the run at once: PostgreSQL refuses the later one,
        which queue_job runs again on a fresh snapshot."""
        batches = run.sudo().batch_ids
        run.write(
            {
                "partner_count": sum(batches.mapped("partner_count")),
                "reminder_count": sum(batches.mapped("reminder_count")),
                "error_log": "\n".join(filter(None, batches.mapped("error_log")))
                or False,
            }
        )
        return self.env._(
            "%(clients)s clients, %(reminders)s reminders",
            clients=run.partner_count,
            reminders=run.reminder_count,
        )
