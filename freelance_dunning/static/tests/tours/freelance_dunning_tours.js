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
                ".o_form_view .o_field_widget[name=work_gate_state]:contains('To sign')",
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
            // The name is typed in before the style draws it: without this
            // wait, a slow machine signs an empty canvas ("Signature is missing").
            content: "The signatory's name is filled in",
            trigger: ".modal .o_web_sign_name_and_signature input:value(Joel Willis)",
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
            // The portal redraws the signature when the dialog has finished
            // opening, and draws it from an image that loads asynchronously: a
            // click before that sends an empty canvas ("Signature is missing").
            content: "The signature is drawn on the canvas",
            trigger: ".modal canvas.o_web_sign_signature",
            async run() {
                const canvas = this.anchor;
                const drawn = () => {
                    if (!canvas.width || !canvas.height) {
                        return false;
                    }
                    const blank = document.createElement("canvas");
                    blank.width = canvas.width;
                    blank.height = canvas.height;
                    return canvas.toDataURL() !== blank.toDataURL();
                };
                let steady = 0;
                for (let tries = 0; tries < 100 && steady < 3; tries++) {
                    await new Promise((resolve) => setTimeout(resolve, 100));
                    steady = drawn() ? steady + 1 : 0;
                }
                if (steady < 3) {
                    throw new Error("The signature was never drawn.");
                }
            },
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

// The client signs the quotation online, then pays the deposit with Odoo's
// test payment provider (payment_demo): the order is confirmed and paid.
registry.category("web_tour.tours").add("freelance_dunning_portal_sign_pay", {
    steps: () => [
        {
            content: "Open the quotation",
            trigger: "a:contains(/^FD portal pay quote$/)",
            run: "click",
        },
        {
            content: "Sign and pay",
            trigger: "a:contains('Sign & Pay')",
            run: "click",
        },
        {
            content: "The signatory's name is filled in",
            trigger: ".modal .o_web_sign_name_and_signature input:value(Joel Willis)",
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
            content: "The signature is drawn on the canvas",
            trigger: ".modal canvas.o_web_sign_signature",
            async run() {
                const canvas = this.anchor;
                const drawn = () => {
                    if (!canvas.width || !canvas.height) {
                        return false;
                    }
                    const blank = document.createElement("canvas");
                    blank.width = canvas.width;
                    blank.height = canvas.height;
                    return canvas.toDataURL() !== blank.toDataURL();
                };
                let steady = 0;
                for (let tries = 0; tries < 100 && steady < 3; tries++) {
                    await new Promise((resolve) => setTimeout(resolve, 100));
                    steady = drawn() ? steady + 1 : 0;
                }
                if (steady < 3) {
                    throw new Error("The signature was never drawn.");
                }
            },
        },
        {
            content: "Sign",
            trigger: ".modal .o_portal_sign_submit:enabled",
            run: "click",
        },
        {
            content: "The deposit is what is paid online",
            trigger: ".modal #o_sale_portal_use_amount_prepayment, .modal [name=o_payment_submit_button]",
        },
        {
            content: "Choose the test provider",
            trigger: ".modal input[name=o_payment_radio]",
            run: "click",
        },
        {
            content: "Pay with the test provider (a successful payment)",
            trigger: ".modal [name=o_payment_submit_button]:enabled",
            run: "click",
        },
        {
            content: "The payment is processed, the order confirmed",
            trigger: "body:contains('Your payment has been successfully processed')",
            timeout: 30000,
        },
    ],
});

// The accountant previews the reminders, sends them, then marks an invoice disputed.
registry.category("web_tour.tours").add("freelance_dunning_accountant_run", {
    steps: () => [
        {
            content: "The preview lists the overdue invoice at its level",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains('Friendly reminder')",
        },
        {
            content: "Send now",
            trigger: ".modal button[name=action_send]",
            run: "click",
        },
        {
            content: "The click returns at once: the reminder is sent in the background",
            trigger: ".o_list_view .o_data_row:contains('Friendly reminder'):contains('Sending')",
        },
    ],
});

registry.category("web_tour.tours").add("freelance_dunning_mark_disputed", {
    steps: () => [
        {
            content: "Mark the invoice disputed",
            trigger: ".o_statusbar_buttons button:contains('Mark Disputed')",
            run: "click",
        },
        {
            content: "Explain the dispute",
            trigger: ".modal .o_field_widget[name=note] textarea",
            run: "edit The client questions the scope of phase 2",
        },
        {
            content: "Pause the reminders",
            trigger: ".modal button[name=action_pause]",
            run: "click",
        },
        {
            content: "The reminders can be resumed",
            trigger: ".o_statusbar_buttons button:contains('Resume Reminders')",
        },
    ],
});

// A manager blacklists a client and is refused a new quotation for it.
registry.category("web_tour.tours").add("freelance_dunning_blacklist", {
    steps: () => [
        {
            content: "Blacklist the client",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Blacklist')",
            run: "click",
        },
        {
            content: "Reason: chronic late payer",
            trigger: ".modal .o_field_widget[name=reason] .o_radio_item:contains('Chronic late payer') input",
            run: "click",
        },
        {
            content: "Confirm",
            trigger: ".modal .modal-footer button[name=action_apply]:contains('Blacklist')",
            run: "click",
        },
        {
            content: "The banner shows it",
            trigger: ".o_form_view .alert-danger:contains('Blacklisted client')",
        },
    ],
});

registry.category("web_tour.tours").add("freelance_dunning_blacklist_refused", {
    steps: () => [
        {
            content: "Choose the blacklisted client",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input",
            run: "edit Brightside",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Brightside Coaching')",
            run: "click",
        },
        {
            content: "Save",
            trigger: ".o_form_button_save",
            run: "click",
        },
        {
            content: "Refused",
            trigger: ".modal:contains('takes no new business with this client')",
        },
        {
            content: "Close the message",
            trigger: ".modal .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "Discard the quotation",
            trigger: ".o_form_button_cancel",
            run: "click",
        },
        {
            content: "Back to the quotations",
            trigger: ".o_list_view, .o_kanban_view",
        },
    ],
});

// The accountant's dashboard: amounts by level and the lists behind them.
registry.category("web_tour.tours").add("freelance_dunning_dashboard", {
    steps: () => [
        {
            content: "Open receivables and DSO are shown",
            trigger: ".o_freelance_dunning_dashboard .o_fd_total",
        },
        {
            trigger: ".o_freelance_dunning_dashboard .o_fd_dso:contains('days')",
        },
        {
            content: "The friendly reminder level holds one invoice",
            trigger: ".o_fd_level_row:contains('Friendly reminder'):contains('1 inv.')",
            run: "click",
        },
        {
            content: "Its list opens, with the one invoice",
            trigger:
                ".o_list_view:not(:has(.o_data_row ~ .o_data_row)) .o_data_row:contains('Brightside')",
        },
        {
            content: "Back to the dashboard",
            trigger: ".o_breadcrumb .breadcrumb-item a",
            run: "click",
        },
        {
            content: "The disputed invoice waits",
            trigger: ".o_fd_todo_paused .o_fd_count:contains('1')",
            run: "click",
        },
        {
            trigger:
                ".o_list_view:not(:has(.o_data_row ~ .o_data_row)) .o_data_row:contains('Brightside')",
        },
    ],
});

// A dunning manager switches the nightly reminders on from the preview of the
// day's run, opened from the settings.
registry.category("web_tour.tours").add("freelance_dunning_switch_on_nightly", {
    steps: () => [
        {
            content: "The settings offer the preview, the checkbox is off",
            trigger: "#freelance_nightly_reminders button[name=action_preview_nightly_reminders]",
            run: "click",
        },
        {
            content: "The preview lists the client's overdue invoice",
            trigger: ".modal .o_field_widget[name=line_ids] .o_data_row:contains('Friendly reminder')",
        },
        {
            content: "Switch the nightly reminders on from the preview",
            trigger: ".modal button[name=action_switch_on_nightly_reminders]",
            run: "click",
        },
        {
            content: "Confirm: the clients will be emailed every night",
            trigger: ".modal:not(.o_inactive_modal) .modal-footer .btn-primary",
            run: "click",
        },
        {
            content: "They are on",
            trigger: ".o_notification:contains('Nightly payment reminders are on')",
        },
    ],
});
