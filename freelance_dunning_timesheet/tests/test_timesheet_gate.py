from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.freelance_dunning.tests.common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestTimesheetGate(FreelanceDunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service.write(
            {
                "service_tracking": "task_in_project",
                "service_policy": "delivered_timesheet",
            }
        )
        cls.project_user = cls._create_user(
            "fd_project_user",
            "project.group_project_user,hr_timesheet.group_hr_timesheet_user",
        )
        cls.env["hr.employee"].create(
            {
                "name": "Project User",
                "user_id": cls.project_user.id,
                "company_id": cls.company.id,
            }
        )

    def _log(self, task, hours=1.0):
        return (
            self.env["account.analytic.line"]
            .with_user(self.project_user)
            .create(
                {
                    "name": "Design work",
                    "task_id": task.id,
                    "project_id": task.project_id.id,
                    "unit_amount": hours,
                }
            )
        )

    def _started_order(self):
        order = self._confirm(self._create_order())
        self._pay_invoice(order.deposit_invoice_ids)
        self.env.flush_all()
        self.env.cr.precommit.run()
        self.assertTrue(order.order_line.task_id)
        return order

    def test_timesheet_refused_on_task_of_waiting_order(self):
        order = self._confirm(self._create_order())
        project = self.env["project.project"].create(
            {
                "name": "Linked by hand",
                "allow_timesheets": True,
                "company_id": self.company.id,
            }
        )
        task = self.env["project.task"].create(
            {
                "name": "Started too early",
                "project_id": project.id,
                "sale_line_id": order.order_line[:1].id,
            }
        )
        with self.assertRaisesText(UserError, "Logging time is not possible yet"):
            self._log(task)
        self.assertFalse(task.timesheet_ids, "nothing logged")

    def test_timesheet_allowed_once_open_refused_when_suspended(self):
        order = self._started_order()
        task = order.order_line.task_id
        self._log(task, 2.0)
        self.assertEqual(task.effective_hours, 2.0)
        self.client._suspend_work("Second installment unpaid")
        with self.assertRaisesText(UserError, "Second installment unpaid"):
            self._log(task)
        self.client._resume_work("Paid")
        self._log(task, 1.0)
        self.assertEqual(task.effective_hours, 3.0)

    def test_moving_hours_onto_a_closed_order_is_refused(self):
        free_project = self.env["project.project"].create(
            {
                "name": "Internal",
                "allow_timesheets": True,
                "company_id": self.company.id,
            }
        )
        free_task = self.env["project.task"].create(
            {"name": "Internal", "project_id": free_project.id}
        )
        line = self._log(free_task)
        order = self._started_order()
        self.client._suspend_work("Unpaid")
        with self.assertRaisesText(UserError, "Logging time is not possible yet"):
            line.with_user(self.project_user).write(
                {
                    "task_id": order.order_line.task_id.id,
                    "project_id": order.order_line.task_id.project_id.id,
                }
            )
        self.assertEqual(line.task_id, free_task)
