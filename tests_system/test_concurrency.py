from .scratch import ScratchDatabaseCase


class TestDunningConcurrency(ScratchDatabaseCase):
    """Two workers on the same clients at the same moment, each in its own
    process and database connection: nobody is reminded twice."""

    def _race(self, tag, due, day, first, second, sync_at):
        """Start two workers released together at ``sync_at``; return their
        reports once both ended well."""
        scenario = self._clients_with_overdue_invoices(tag, 8, due)
        sync = self._sync_dir()
        options = [f"--sync={sync}", f"--sync-at={sync_at}"]
        workers = self._start_workers(
            (day, [*first, *options, "--name=a"], None),
            (day, [*second, *options, "--name=b"], None),
        )
        reports = []
        for status, report, log in self._finish_workers(workers):
            self.assertEqual(status, 0, log)
            self.assertNotIn("Traceback", log)
            reports.append(report)
        self.assertEqual(len(list(sync.iterdir())), 2, "both reached the barrier")
        self.assertRemindedOnce(scenario, day, self.smtp.per_recipient())
        self._put_aside(scenario)
        return reports

    def test_two_scheduled_runs_at_once(self):
        """The run's lock: one worker takes the company's batch, the other
        is told to come back, and they share the day's clients."""
        reports = self._race(
            "cron2", "2025-07-01", "2025-07-09", ["--batch=2"], ["--batch=2"], "start"
        )
        self.assertGreater(
            sum(report.get("busy", 0) for report in reports),
            0,
            "a worker found the run locked by the other",
        )

    def test_two_accountants_send_at_the_same_moment(self):
        """Both planned the same reminders before either sent one: the
        clients' locks split them."""
        reports = self._race(
            "manual2",
            "2025-08-01",
            "2025-08-11",
            ["--mode=manual"],
            ["--mode=manual"],
            "plan",
        )
        self.assertEqual(sum(report["clients"] for report in reports), 8)

    def test_accountant_during_the_scheduled_run(self):
        self._race(
            "mixed",
            "2025-09-01",
            "2025-09-10",
            ["--batch=8"],
            ["--mode=manual"],
            "plan",
        )
