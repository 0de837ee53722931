/** @odoo-module **/

import { registry } from "@web/core/registry";

// The freelancer opens a new quotation: deposit, schedule and the work gate are
// visible, and confirming without a signature is refused with the reason.
registry.category("web_tour.tours").add("freelance_dunning_quote_deposit", {
    steps: () => [
        {
            content: "The deposit is to pay",
            trigger: ".o_form_view .o_field_widget[name=deposit_state]:contains('To pay')",
        },
        {
            content: "The work gate waits for the signature",
            trigger:
                ".o_form_view .o_field_widget[name=work_gate_state]:contains('Waiting for signature')",
        },
        {
            content: "Open the payment schedule",
            trigger: "a.nav-link[name=payment_schedule]",
            run: "click",
        },
        {
            content: "Three installments: 50/25/25",
            trigger: ".o_field_widget[name=installment_ids] .o_data_row:nth-child(3):contains('25.00')",
        },
        {
            content: "Try to confirm",
            trigger: ".o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "Refused: not signed",
            trigger: ".modal:contains('must be signed before it is confirmed')",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Still a quotation",
            trigger: ".o_statusbar_status button.o_arrow_button_current:contains('Quotation')",
        },
    ],
});

// The client signs on the portal and is offered to pay the deposit at once.
registry.category("web_tour.tours").add("freelance_dunning_portal_sign", {
    steps: () => [
        {
            content: "Open the quotation",
            trigger: "a:contains(/^FD portal quote$/)",
            run: "click",
        },
        {
            content: "The schedule and the terms are shown",
            trigger: "#freelance_payment_terms:contains('acompte')",
        },
        {
            content: "Accept and sign",
            trigger: "a:contains('Sign')",
            run: "click",
        },
        {
            content: "Choose a signature style",
            trigger: ".modal .o_web_sign_auto_select_style button",
            run: "click",
        },
        {
            trigger: ".o-dropdown-item:eq(1)",
            run: "click",
        },
        {
            content: "Sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "The deposit can be paid at once",
            trigger: "a.o_freelance_pay_installment",
        },
    ],
});
