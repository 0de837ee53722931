"""Time the long clicks in a real browser, on a running demo database.

Usage (the server started beforehand, e.g. `make run`):
    python tools/click_timings.py --url http://localhost:8069 --db freelance_dunning

Measures, from the click to the screen being usable again (the button's
request answered, the screen unblocked, the next screen shown):

- "Confirm" on a fresh quotation with a deposit (sale order form);
- "Send Now" in the Run Reminders wizard, for a fresh client with an overdue
  invoice;
- "Validate and Send" on a reminder awaiting validation (a fresh client whose
  invoice is 5 days late, left waiting by the scheduled run: the first level
  needs a validation for the time of that run).

What each measure needs is created through JSON-RPC first, so the script can
be run again on the same database. It prints one line per run and a table of
the medians. Needs the `playwright` Python package (requirements-docs.txt) and
Debian's Chromium (/usr/bin/chromium); Playwright never downloads a browser.
"""

import argparse
import datetime
import shutil
import statistics
import time
import uuid

from playwright.sync_api import sync_playwright

CALL_KW = """async ([model, method, args, kwargs]) => {
    const r = await fetch('/web/dataset/call_kw', {method: 'POST',
      headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({jsonrpc: '2.0', method: 'call', params: {
        model, method, args, kwargs}})});
    const data = await r.json();
    if (data.error) { throw new Error(JSON.stringify(data.error.data || data.error)); }
    return data.result;
}"""


class Bench:
    def __init__(self, page, url):
        self.page = page
        self.url = url

    def rpc(self, model, method, args=(), **kwargs):
        return self.page.evaluate(CALL_KW, [model, method, list(args), kwargs])

    def ref(self, xmlid):
        module, name = xmlid.split(".")
        found = self.rpc(
            "ir.model.data",
            "search_read",
            [[("module", "=", module), ("name", "=", name)]],
            fields=["res_id"],
        )
        return found[0]["res_id"]

    def fresh_client(self, label):
        tag = uuid.uuid4().hex[:6]
        return self.rpc(
            "res.partner",
            "create",
            [
                {
                    "name": f"Timing {label} {tag}",
                    "email": f"timing-{tag}@example.com",
                    "is_company": True,
                }
            ],
        )

    def overdue_invoice(self, partner_id, days_late, amount):
        day = (datetime.date.today() - datetime.timedelta(days=days_late)).isoformat()
        move_id = self.rpc(
            "account.move",
            "create",
            [
                {
                    "move_type": "out_invoice",
                    "partner_id": partner_id,
                    "invoice_date": day,
                    "invoice_date_due": day,
                    "invoice_line_ids": [
                        (
                            0,
                            0,
                            {
                                "name": "Timing work",
                                "quantity": 1,
                                "price_unit": amount,
                            },
                        )
                    ],
                }
            ],
        )
        self.rpc("account.move", "action_post", [[move_id]])
        # A company that emails invoices at once queues this one: the clicks
        # are timed once it went (an overdue invoice was emailed long ago),
        # not while the sending queue holds it to print its PDF.
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pending = self.rpc(
                "account.move",
                "search_count",
                [[("id", "=", move_id), ("sending_data", "!=", False)]],
            )
            if not pending:
                break
            time.sleep(1)
        return move_id

    def timed_click(self, selector, done_selector):
        """Seconds from the click on ``selector`` to the answer of the button's
        request, the screen unblocked and ``done_selector`` shown."""
        page = self.page
        page.wait_for_selector(selector, state="visible")
        start = time.monotonic()
        with page.expect_response(
            lambda r: "/web/dataset/call_button" in r.url, timeout=180000
        ):
            page.click(selector)
        page.wait_for_selector(done_selector, state="visible", timeout=180000)
        page.wait_for_selector(".o_blockUI", state="detached", timeout=180000)
        return time.monotonic() - start

    # ------------------------------------------------------------------

    def confirm(self):
        template = self.rpc(
            "sale.order",
            "search_read",
            [
                [
                    (
                        "id",
                        "=",
                        self.ref("freelance_dunning.sale_order_brand_confirmed_demo"),
                    )
                ]
            ],
            fields=["signature", "payment_schedule_id"],
        )[0]
        partner_id = self.fresh_client("quote")
        order_id = self.rpc(
            "sale.order",
            "create",
            [
                {
                    "partner_id": partner_id,
                    "payment_schedule_id": template["payment_schedule_id"][0],
                    "order_line": [
                        (
                            0,
                            0,
                            {
                                "product_id": self.ref(
                                    "freelance_dunning.product_brand_identity_demo"
                                ),
                                "product_uom_qty": 1,
                            },
                        )
                    ],
                }
            ],
        )
        # Signed on paper: recorded as the freelancer does (Record Signed Copy).
        wizard_id = self.rpc(
            "freelance.signed.copy.wizard",
            "create",
            [
                {
                    "order_id": order_id,
                    "signed_file": template["signature"],
                    "signed_filename": "signed.png",
                    "signed_by": "Timing Client",
                }
            ],
        )
        self.rpc("freelance.signed.copy.wizard", "action_record", [[wizard_id]])
        self.page.goto(f"{self.url}/odoo/sales/{order_id}")
        self.page.wait_for_selector(".o_form_view")
        seconds = self.timed_click(
            ".o_statusbar_buttons button[name=action_confirm]",
            ".o_statusbar_status button.o_arrow_button_current[data-value=sale]",
        )
        return seconds

    def send_now(self):
        partner_id = self.fresh_client("run")
        self.overdue_invoice(partner_id, 20, 1200)
        action = self.rpc(
            "ir.actions.act_window",
            "search_read",
            [
                [
                    (
                        "id",
                        "=",
                        self.ref(
                            "freelance_dunning.freelance_dunning_run_wizard_action"
                        ),
                    )
                ]
            ],
            fields=["id"],
        )[0]
        # The wizard opened on the client, as from the client's form.
        self.page.goto(f"{self.url}/odoo/action-base.action_partner_form/{partner_id}")
        self.page.wait_for_selector(".o_form_view")
        self.page.evaluate(
            """async ([actionId, partnerId]) => {
                const env = odoo.__WOWL_DEBUG__.root.env;
                await env.services.action.doAction(actionId, {additionalContext: {
                    active_model: 'res.partner', active_id: partnerId,
                    active_ids: [partnerId]}});
            }""",
            [action["id"], partner_id],
        )
        self.page.wait_for_selector(".modal .o_field_one2many .o_data_row")
        return self.timed_click(
            ".modal button[name=action_send]", ".o_list_view .o_data_row"
        )

    def validate(self):
        partner_id = self.fresh_client("notice")
        move_id = self.overdue_invoice(partner_id, 5, 2400)
        # The scheduled run leaves the reminders of levels needing a
        # validation waiting: the first level needs one during this run.
        levels = self.rpc(
            "freelance.dunning.level",
            "search_read",
            [[("days", "=", 1), ("needs_validation", "=", False)]],
            fields=["id"],
        )
        level_ids = [level["id"] for level in levels]
        cron_id = self.ref("freelance_dunning.ir_cron_dunning_run")
        self.rpc(
            "freelance.dunning.level", "write", [level_ids, {"needs_validation": True}]
        )
        try:
            self.rpc("ir.cron", "method_direct_trigger", [[cron_id]])
        finally:
            self.rpc(
                "freelance.dunning.level",
                "write",
                [level_ids, {"needs_validation": False}],
            )
        reminders = self.rpc(
            "freelance.dunning.reminder",
            "search",
            [[("partner_id", "=", partner_id), ("state", "=", "waiting")]],
        )
        if not reminders:
            raise RuntimeError(
                f"The scheduled run left no reminder waiting for invoice {move_id}"
            )
        self.page.goto(
            f"{self.url}/odoo/action-freelance_dunning.freelance_dunning_reminder_action/"
            f"{reminders[0]}"
        )
        self.page.wait_for_selector(".o_form_view")
        return self.timed_click(
            ".o_statusbar_buttons button[name=action_validate]",
            ".o_form_view .o_statusbar_status",
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="freelance_dunning")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    results = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.set_default_timeout(180000)
        page.goto(f"{args.url}/web/login?db={args.db}")
        page.fill("input[name=login]", args.login)
        page.fill("input[name=password]", args.password)
        page.click("form.oe_login_form button[type=submit]")
        page.wait_for_selector(".o_main_navbar")
        bench = Bench(page, args.url)
        for name, measure in (
            ("Confirm (quotation with a deposit)", bench.confirm),
            ("Send Now (Run Reminders)", bench.send_now),
            ("Validate and Send (reminder)", bench.validate),
        ):
            for run in range(args.runs):
                seconds = measure()
                results.setdefault(name, []).append(seconds)
                print(f"{name}, run {run + 1}: {seconds:.2f} s", flush=True)
        browser.close()
    title = f"Click timings {args.label}".strip()
    print(f"\n{title}\n")
    print("| Click | Runs (s) | Median (s) |")
    print("|---|---|---|")
    for name, values in results.items():
        runs = ", ".join(f"{v:.1f}" for v in values)
        print(f"| {name} | {runs} | {statistics.median(values):.1f} |")


if __name__ == "__main__":
    main()
