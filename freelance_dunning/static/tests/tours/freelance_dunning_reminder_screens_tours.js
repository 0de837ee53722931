/** @odoo-module **/

import { registry } from "@web/core/registry";

// The accountant reads the exact email of a reminder awaiting validation,
// validates and sends it, and reads the email as sent on the same form.
registry.category("web_tour.tours").add("freelance_dunning_reminder_preview_send", {
    steps: () => [
        {
            content: "The email the client will receive is shown before sending",
            trigger:
                ".o_form_view .o_fd_email_preview .o_field_widget[name=preview_body]:contains('slipped through the cracks')",
        },
        {
            content: "Its subject too",
            trigger:
                ".o_form_view .o_fd_email_preview .o_field_widget[name=preview_subject]:contains('Friendly reminder')",
        },
        {
            content: "Validate and send",
            trigger: ".o_form_view .o_statusbar_buttons button[name=action_validate]",
            run: "click",
        },
        {
            // The click returns at once: the PDF and the email are made in
            // the background (the test runs that queue, then reads it back).
            content: "The reminder is being sent",
            trigger: ".o_form_view .o_statusbar_status button.o_arrow_button_current:contains('Sending')",
        },
    ],
});

// From the client: the reminder email in the chatter, then the reminder's
// readable form from the client's reminder history.
registry.category("web_tour.tours").add("freelance_dunning_reminder_from_chatter", {
    steps: () => [
        {
            content: "The reminder email is in the client's chatter",
            trigger: ".o-mail-Chatter .o-mail-Message:contains('slipped through the cracks')",
        },
        {
            content: "Open the client's reminders",
            trigger: ".o_form_view .oe_stat_button[name=action_view_dunning_history]",
            run: "click",
        },
        {
            content: "Open the reminder's email",
            trigger: ".o_list_view .o_data_row button[name=action_open_reminder]",
            run: "click",
        },
        {
            content: "The email reads as the client received it",
            trigger:
                ".o_form_view .o_fd_email_sent .o_field_widget[name=sent_body]:contains('slipped through the cracks')",
        },
    ],
});
