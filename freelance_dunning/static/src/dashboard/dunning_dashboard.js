/** @odoo-module **/

import { Component, onWillStart, useState } from "@odoo/owl";
import { registry } from "@web/core/registry";
import { useService } from "@web/core/utils/hooks";
import { Layout } from "@web/search/layout";
import { standardActionServiceProps } from "@web/webclient/actions/action_service";

// Receivables of the current company at a glance: amounts by reminder level,
// aged balance, days sales outstanding and what needs a person today. Every
// figure opens the list behind it (built by the server, with the same domain).
export class DunningDashboard extends Component {
    static template = "freelance_dunning.DunningDashboard";
    static components = { Layout };
    static props = { ...standardActionServiceProps };

    setup() {
        this.orm = useService("orm");
        this.actionService = useService("action");
        this.state = useState({ data: null });
        onWillStart(() => this.load());
    }

    async load() {
        this.state.data = await this.orm.call(
            "freelance.dunning.dashboard",
            "get_dashboard_data",
            []
        );
    }

    async open(kind, key) {
        const action = await this.orm.call("freelance.dunning.dashboard", "action_open", [
            kind,
            key,
        ]);
        await this.actionService.doAction(action);
    }

    runReminders() {
        return this.actionService.doAction("freelance_dunning.freelance_dunning_run_wizard_action", {
            onClose: () => this.load(),
        });
    }

    openLevels() {
        return this.actionService.doAction("freelance_dunning.freelance_dunning_level_action");
    }
}

registry.category("actions").add("freelance_dunning.dashboard", DunningDashboard);
