from odoo import api, models


class AccountPartialReconcile(models.Model):
    _inherit = "account.partial.reconcile"

    @api.model_create_multi
    def create(self, vals_list):
        """Open the work gate of orders whose deposit invoice gets paid.

        Whatever reconciles the payment (bank statement, payment wizard, online
        payment), the gate opens in the same transaction, once the
        reconciliation is complete: the check runs just before the commit.
        """
        partials = super().create(vals_list)
        moves = (partials.debit_move_id | partials.credit_move_id).move_id
        orders = moves.sudo().installment_ids.filtered("is_deposit").order_id
        if orders:
            pending = self.env.cr.precommit.data.setdefault(
                "freelance_dunning.work_gate_orders", set()
            )
            if not pending:
                env = self.env

                @env.cr.precommit.add
                def _open_work_gates():
                    ids = env.cr.precommit.data.pop(
                        "freelance_dunning.work_gate_orders", set()
                    )
                    env["sale.order"].sudo().browse(
                        ids
                    ).exists()._start_work_if_gate_open()

            pending.update(orders.ids)
        return partials
