from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import tagged

from odoo.addons.freelance_dunning.tests.common import FreelanceDunningCommon


@tagged("post_install", "-at_install")
class TestDeliveryGate(FreelanceDunningCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.goods = cls.env["product.product"].create(
            {
                "name": "Printed brand book",
                "type": "consu",
                "list_price": 100.0,
                "taxes_id": [Command.set(cls.tax_20.ids)],
                "property_account_income_id": cls.company_data[
                    "default_account_revenue"
                ].id,
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )

    def _order_with_goods(self):
        return self._confirm(
            self._create_order(product=self.goods, warehouse_id=self.warehouse.id)
        )

    def _validate(self, picking):
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        return picking.button_validate()

    def test_delivery_waits_for_the_deposit(self):
        order = self._order_with_goods()
        picking = order.picking_ids
        self.assertEqual(len(picking), 1, "the delivery is prepared as usual")
        with self.assertRaisesText(UserError, "Delivering is not possible yet"):
            self._validate(picking)
        self.assertNotEqual(picking.state, "done")
        self._pay_invoice(order.deposit_invoice_ids)
        self.env.flush_all()
        self._validate(picking)
        self.assertEqual(picking.state, "done")

    def test_delivery_refused_when_client_suspended(self):
        order = self._order_with_goods()
        self._pay_invoice(order.deposit_invoice_ids)
        self.client._suspend_work("Formal notice sent")
        with self.assertRaisesText(UserError, "Formal notice sent"):
            self._validate(order.picking_ids)

    def test_order_outside_the_rules_delivers_as_odoo(self):
        """An order the rules do not apply to (here a quotation existing before
        the install; web-shop and project orders likewise) is delivered as Odoo
        does, unsigned and with no deposit."""
        order = self._create_order(product=self.goods, warehouse_id=self.warehouse.id)
        order._exempt_from_freelance_rules("before_install")
        order.action_confirm()
        self.assertFalse(order.invoice_ids)
        self._validate(order.picking_ids)
        self.assertEqual(order.picking_ids.state, "done")
        self.assertEqual(order.order_line.qty_delivered, 2.0)

    def test_uninstall_note_lists_the_deliveries_to_validate(self):
        order = self._order_with_goods()
        picking = order.picking_ids
        self.env["sale.order"]._open_held_work_gates_at_uninstall()
        note = order.message_ids.filtered(
            lambda m: "Freelance Dunning is uninstalled" in (m.body or "")
        )
        self.assertEqual(len(note), 1)
        self.assertIn("Deliveries to validate:", note.body)
        self.assertIn(picking.name, note.body)
        # Nothing holds the delivery any more.
        self._validate(picking)
        self.assertEqual(picking.state, "done")
