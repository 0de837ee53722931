/** @odoo-module **/

import { registry } from "@web/core/registry";

// A client opens the link of a reminder on a phone, without a login, picks
// two invoices and reaches Odoo's payment form for both.
registry.category("web_tour.tours").add("freelance_dunning_client_page_phone", {
    steps: () => [
        {
            content: "The open items are listed, with the total to pay",
            trigger: "#fd_client_page_totals .fd_total_balance:contains('2,350.00')",
        },
        {
            content: "Pick the oldest invoice",
            trigger: "tr.fd_client_page_invoice:eq(0) input.fd_pay_line",
            run: "click",
        },
        {
            content: "Pick the second one",
            trigger: "tr.fd_client_page_invoice:eq(1) input.fd_pay_line",
            run: "click",
        },
        {
            content: "Pay them",
            trigger: "#fd_client_page_pay_selected",
            run: "click",
        },
        {
            content: "Odoo's payment form, for both invoices less the credit note",
            trigger: "#fd_client_page_pay_amount:contains('1,850.00')",
        },
        {
            content: "with the test provider",
            trigger: "#o_payment_form input[name=o_payment_radio]",
        },
    ],
});
