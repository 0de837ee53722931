/** @odoo-module **/

import { registry } from "@web/core/registry";

// A freelancer's day: a new quotation with its deposit and schedule, the copy
// the client signed, confirmation (the deposit invoice issued right after);
// then (freelance_dunning_deposit_to_project) the deposit paid by bank
// transfer, and the project's task created once the gate opens.
registry.category("web_tour.tours").add("freelance_dunning_quote_to_project", {
    steps: () => [
        {
            content: "Choose the client",
            trigger: ".o_form_view .o_field_widget[name=partner_id] input",
            run: "edit Brightside",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Brightside Coaching')",
            run: "click",
        },
        {
            content: "Add a line",
            trigger: ".o_form_view .o_field_x2many_list_row_add a:contains('Add a product')",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_data_row .o_field_widget[name=product_template_id] input",
            run: "edit Website design",
        },
        {
            trigger: ".o-autocomplete--dropdown-item:contains('Website design (day)')",
            run: "click",
        },
        {
            content: "Leave the line",
            trigger: ".o_form_view a.nav-link[name=order_lines]",
            run: "click",
        },
        {
            content: "Save the quotation",
            trigger: ".o_form_view .o_form_button_save",
            run: "click",
        },
        {
            content: "The deposit is to pay",
            trigger: ".o_form_view .o_field_widget[name=deposit_state]:contains('To pay')",
        },
        {
            content: "No work before the signature",
            trigger: ".o_form_view .alert:contains('No work before signature')",
        },
        {
            content: "The schedule: deposit first",
            trigger: ".o_form_view a.nav-link[name=payment_schedule]",
            run: "click",
        },
        {
            trigger: ".o_form_view .o_field_widget[name=installment_ids] .o_data_row:first:contains('50.00')",
        },
        {
            content: "Record the copy the client signed",
            trigger: ".o_form_view .o_statusbar_buttons button:contains('Record Signed Copy')",
            run: "click",
        },
        {
            content: "Attach the signed PDF",
            trigger: ".modal .o_field_widget[name=signed_file] .o_select_file_button",
            run() {
                const input = document.querySelector(
                    ".modal .o_field_widget[name=signed_file] input[type=file]"
                );
                const transfer = new DataTransfer();
                transfer.items.add(
                    new File(["%PDF-1.4 signed by the client"], "signed-quote.pdf", {
                        type: "application/pdf",
                    })
                );
                input.files = transfer.files;
                input.dispatchEvent(new Event("change", { bubbles: true }));
            },
        },
        {
            trigger: ".modal .o_field_widget[name=signed_file] .o_clear_file_button",
        },
        {
            content: "Who signed",
            trigger: ".modal .o_field_widget[name=signed_by] input",
            run: "edit Alex Martin",
        },
        {
            trigger: ".modal button[name=action_record]",
            run: "click",
        },
        {
            content: "A notification says what happened and what comes next",
            trigger: ".o_notification:contains('Signed copy recorded'):contains('Next: confirm the quotation')",
        },
        {
            content: "The chatter keeps it, with the signed copy",
            trigger: ".o-mail-Message:contains('Signed copy recorded: signed by Alex Martin'):contains('Next: confirm the quotation')",
        },
        {
            content: "The deposit is due at confirmation (no invoice yet, nothing paid)",
            trigger: ".o_form_view .o_field_widget[name=work_gate_reason]:contains('due at confirmation')",
        },
        {
            content: "Signed: the deposit is what the work waits for",
            trigger:
                ".o_form_view:not(:has(.modal)) .o_field_widget[name=work_gate_state]:contains('Deposit due')",
        },
        {
            content: "Confirm",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_confirm]",
            run: "click",
        },
        {
            content: "Confirmed, waiting for the deposit",
            trigger: ".o_form_view .alert:contains('Deposit waiting for payment')",
        },
        {
            content: "Its invoice is issued right after the click",
            trigger: ".o_form_view .alert:contains('Issuing the deposit invoice')",
        },
    ],
});

// The same order once the background step issued its deposit invoice (the
// test runs it, as the scheduled action woken up by Confirm would).
registry.category("web_tour.tours").add("freelance_dunning_deposit_to_project", {
    steps: () => [
        {
            content: "The deposit invoice is issued",
            trigger: ".o_form_view:not(:has(.alert:contains('Issuing the deposit invoice'))) .alert:contains('Deposit waiting for payment')",
        },
        {
            content: "The client paid by bank transfer",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_register_deposit_payment]",
            run: "click",
        },
        {
            trigger: ".modal button[name=action_create_payments]",
            run: "click",
        },
        {
            content: "The gate opens",
            trigger: ".o_form_view .o_field_widget[name=work_gate_state]:contains('Cleared')",
        },
        {
            content: "The task is there",
            trigger: ".o_form_view button[name=action_view_task]",
            run: "click",
        },
        {
            content: "The work has started",
            trigger: ".o_form_view .o_field_widget[name=name] textarea, .o_kanban_record:contains('Website design')",
        },
    ],
});

// Work already under way: a task's Sales Order Item created inline (Odoo's
// sale_project flow). The task saves and Odoo confirms the new order, with no
// signature or deposit asked.
registry.category("web_tour.tours").add("freelance_dunning_task_inline_order_line", {
    steps: () => [
        {
            content: "Type the service as the task's Sales Order Item",
            trigger: ".o_form_view .o_field_widget[name=sale_line_id] input",
            run: "fill Website design",
        },
        {
            content: "Create and edit it",
            trigger:
                ".o_field_widget[name=sale_line_id] .o-autocomplete--dropdown-menu .o_m2o_dropdown_option_create_edit a",
            run: "click",
        },
        {
            content: "The service is found by its name",
            trigger: ".modal .o_field_widget[name=product_id] input:value('Website design (day)')",
        },
        {
            content: "Save the Sales Order Item",
            trigger: ".modal .o_form_button_save",
            run: "click",
        },
        {
            trigger: "body:not(:has(.modal))",
        },
        {
            content: "Save the task",
            trigger: ".o_form_view .o_form_button_save:enabled",
            run: "click",
        },
        {
            content: "Saved, no signature dialog",
            trigger:
                ".o_form_view .o_form_saved .o_field_widget[name=sale_line_id] input:value('Website design')",
        },
    ],
});
