/** @odoo-module **/

import { registry } from "@web/core/registry";

// The accountant opens an invoice whose email the mail server refused: the
// banner gives the reason and the next attempt, and "Send Again" queues it.
registry.category("web_tour.tours").add("freelance_dunning_invoice_email_failed", {
    steps: () => [
        {
            content: "The banner says the email failed, and why",
            trigger:
                ".o_form_view .alert-danger:contains('This invoice could not be emailed'):contains('The mail server refused the email.')",
        },
        {
            content: "It gives the next automatic attempt",
            trigger: ".o_form_view .alert-danger:contains('Next automatic attempt')",
        },
        {
            content: "Send it again",
            trigger: ".o_form_view .alert-danger button[name=action_resend_failed_email]",
            run: "click",
        },
        {
            content: "The banner is gone",
            trigger:
                ".o_form_view:not(:has(.alert-danger:contains('This invoice could not be emailed')))",
        },
    ],
});
