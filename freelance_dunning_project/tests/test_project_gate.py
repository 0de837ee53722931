from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.freelance_dunning.tests.common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestProjectGate(FreelanceDunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.service.write({"service_tracking": "task_in_project"})

    def _open_gates_before_commit(self):
        self.env.flush_all()
        self.env.cr.precommit.run()

    def test_no_project_before_deposit_then_started(self):
        order = self._confirm(self._create_order(user=self.salesman))
        self.assertEqual(order.work_gate_state, "waiting_deposit")
        self.assertFalse(order.order_line.task_id, "no task before the deposit")
        self.assertFalse(order.order_line.project_id, "no project before the deposit")
        self.assertFalse(order.project_ids)
        with self.assertRaisesText(UserError, "Creating a project is not possible yet"):
            order.action_create_project()
        self._pay_invoice(order.deposit_invoice_ids)
        self._open_gates_before_commit()
        line = order.order_line.filtered(lambda sol: sol.product_id == self.service)
        self.assertTrue(line.task_id, "the work starts as Odoo would")
        self.assertTrue(line.project_id)
        self.assertEqual(line.task_id.sale_line_id, line)
        order._start_work()
        self.assertEqual(len(line.task_id), 1, "starting again creates nothing more")
        self.assertEqual(
            self.env["project.task"].search_count([("sale_line_id", "=", line.id)]), 1
        )

    def test_line_added_to_closed_order_waits(self):
        order = self._confirm(self._create_order())
        new_line = self.env["sale.order.line"].create(
            {"order_id": order.id, "product_id": self.service.id, "product_uom_qty": 1}
        )
        self.assertFalse(new_line.task_id)
        self._pay_invoice(order.deposit_invoice_ids)
        self._open_gates_before_commit()
        self.assertTrue(new_line.task_id)

    def test_override_starts_the_project(self):
        order = self._confirm(self._create_order())
        order.with_user(self.manager)._open_work_gate_early("Framework contract")
        self.assertTrue(order.order_line.task_id)

    def test_orders_without_gate_work_as_odoo(self):
        self.company.work_gate_required = False
        self.company.deposit_required = False
        order = self._create_order()
        order.action_confirm()
        self.assertTrue(order.order_line.task_id)

    def test_milestone_reached_invoices_the_milestone_installment(self):
        self.service.write({"service_tracking": "project_only"})
        order = self._confirm(
            self._create_order(payment_schedule_id=self.schedule_50_25_25.id)
        )
        self._pay_invoice(order.deposit_invoice_ids)
        self._open_gates_before_commit()
        project = order.order_line.project_id
        self.assertTrue(project)
        milestone = self.env["project.milestone"].create(
            {
                "name": "Mock-ups approved",
                "project_id": project.id,
                "sale_line_id": order.order_line[:1].id,
            }
        )
        milestone.is_reached = True
        mid_way = order.installment_ids.filtered(lambda i: i.trigger == "milestone")
        self.assertEqual(mid_way.invoice_id.state, "posted")
        self.assertEqual(mid_way.invoice_id.amount_total, 300.0)
        milestone.is_reached = False
        milestone.is_reached = True
        self.assertEqual(len(order.invoice_ids), 2, "a milestone invoices once")
        self.assertEqual(
            order.installment_ids.filtered(lambda i: i.trigger == "delivery").state,
            "pending",
        )

    def _notes(self, order, text):
        return order.message_ids.filtered(lambda m: text in (m.body or ""))

    def test_uninstall_opens_the_held_gates(self):
        """What freelance_dunning's uninstall hook does: every confirmed order
        still held gets its project and task, and says so; the others are
        left as they are."""
        held = self._confirm(self._create_order())
        started = self._confirm(self._create_order())
        self._pay_invoice(started.deposit_invoice_ids)
        self._open_gates_before_commit()
        quote = self._create_order()
        opened = self.env["sale.order"]._open_held_work_gates_at_uninstall()
        self.assertEqual(opened, held)
        line = held.order_line.filtered(lambda sol: sol.product_id == self.service)
        self.assertTrue(line.task_id)
        self.assertTrue(line.project_id)
        self.assertTrue(held.work_started_on)
        notes = self._notes(held, "Freelance Dunning is uninstalled")
        self.assertEqual(len(notes), 1)
        self.assertIn("Held until now: Deposit not paid yet:", notes.body)
        self.assertIn(line.task_id.name, notes.body)
        self.assertIn(line.project_id.name, notes.body)
        self.assertFalse(self._notes(started, "uninstalled"))
        self.assertFalse(quote.order_line.task_id)
        self.assertFalse(self.env["sale.order"]._open_held_work_gates_at_uninstall())

    def test_uninstalling_the_bridge_alone_creates_the_held_projects(self):
        """This bridge's uninstall hook, the base addon staying: the held
        order gets its project and task (Odoo creates them at confirmation
        without the bridge); its gate still waits for the deposit."""
        held = self._confirm(self._create_order())
        released = self.env["sale.order"]._create_held_projects_at_uninstall()
        self.assertEqual(released, held)
        self.assertTrue(held.order_line.task_id)
        self.assertEqual(held.work_gate_state, "waiting_deposit")
        self.assertFalse(held.work_started_on)
        notes = self._notes(held, "Freelance Dunning - Projects is uninstalled")
        self.assertEqual(len(notes), 1)
        self.assertIn(held.order_line.task_id.name, notes.body)
        # Outside the hook, the bridge holds the work as before.
        other = self._confirm(self._create_order())
        self.assertFalse(other.order_line.task_id)
