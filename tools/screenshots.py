"""Take the README's screenshots from a running demo database.

Usage: make screenshots (starts nothing itself: run `make run` first), or
    python tools/screenshots.py --url http://localhost:8069 --db freelance_dunning
    python tools/screenshots.py --lang fr_FR   # the French set, in docs/screenshots/fr/
The window is 1366 x 768, the smallest laptop screen the screens are checked at.
With --lang, the language is installed if needed and set on the user who logs in
(the admin's language is put back afterwards).
Needs the `playwright` Python package (requirements-docs.txt) and a Chromium
binary (Debian's /usr/bin/chromium); Playwright never downloads a browser here.
"""

import argparse
import pathlib
import re
import shutil

from click_timings import CALL_KW
from playwright.sync_api import sync_playwright

OUT = pathlib.Path(__file__).resolve().parent.parent / "docs" / "screenshots"


def call(page, model, method, args, kwargs=None):
    """One JSON-RPC call of the logged-in user; returns its result."""
    return page.evaluate(CALL_KW, [model, method, args, kwargs or {}])


def set_lang(page, login, lang):
    """Install lang if needed and make it the logged-in user's; return the
    user's previous language."""
    if not call(page, "res.lang", "search", [[("code", "=", lang)]]):
        wizard = call(page, "base.language.install", "create", [{}])
        lang_id = call(
            page,
            "res.lang",
            "search",
            [[("code", "=", lang), ("active", "=", False)]],
            {"context": {"active_test": False}},
        )
        call(page, "base.language.install", "write", [[wizard], {"lang_ids": lang_id}])
        call(page, "base.language.install", "lang_install", [[wizard]])
    # The portal is served by the website when one is installed: it speaks
    # the language only once the website offers it.
    lang_ids = call(page, "res.lang", "search", [[("code", "=", lang)]])
    if lang_ids and call(
        page, "ir.model", "search_count", [[("model", "=", "website")]]
    ):
        websites = call(page, "website", "search", [[]])
        call(
            page,
            "website",
            "write",
            [websites, {"language_ids": [(4, lang_ids[0])]}],
        )
    uid = call(page, "res.users", "search", [[("login", "=", login)]], {"limit": 1})[0]
    previous = call(page, "res.users", "read", [[uid], ["lang"]])[0]["lang"]
    call(page, "res.users", "write", [[uid], {"lang": lang}])
    page.reload()
    page.wait_for_selector(".o_main_navbar")
    return previous


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", default="http://localhost:8069")
    parser.add_argument("--db", default="freelance_dunning")
    parser.add_argument("--login", default="admin")
    parser.add_argument("--password", default="admin")
    parser.add_argument("--lang", help="e.g. fr_FR: shoot in that language")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    # English in docs/screenshots/, another language in its own folder; the
    # demo's admin works in French, so English is set for the English set.
    lang = args.lang or "en_US"
    out = OUT if lang.startswith("en") else OUT / lang.split("_")[0]
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.goto(f"{args.url}/web/login?db={args.db}")
        page.fill("input[name=login]", args.login)
        page.fill("input[name=password]", args.password)
        page.click("form.oe_login_form button[type=submit]")
        page.wait_for_selector(".o_main_navbar")
        previous_lang = set_lang(page, args.login, lang)

        def shoot(path, name, selector, tab=None):
            page.goto(f"{args.url}{path}")
            page.wait_for_selector(selector)
            if tab:
                page.click(tab)
            page.wait_for_timeout(800)
            page.screenshot(path=out / name)
            print(f"wrote {out / name}")

        order_id = call(
            page,
            "sale.order",
            "search",
            [[("payment_schedule_id", "!=", False), ("state", "=", "sale")]],
            {"limit": 1, "order": "id"},
        )[0]
        shoot(
            f"/odoo/sales/{order_id}",
            "quotation.png",
            ".o_form_view",
            tab="a[name=payment_schedule]",
        )
        waiting_id = (
            call(
                page,
                "sale.order",
                "search",
                [[("work_gate_state", "=", "waiting_deposit"), ("state", "=", "sale")]],
                {"limit": 1, "order": "id"},
            )
            or [None]
        )[0]
        if waiting_id:
            shoot(f"/odoo/sales/{waiting_id}", "gate.png", ".o_form_view")
        shoot("/odoo/sales", "orders.png", ".o_list_view")
        portal_url = call(page, "sale.order", "get_portal_url", [[order_id]])
        # The portal in that language (its URL prefix, e.g. /fr), whatever
        # the website's default language.
        url_code = call(
            page,
            "res.lang",
            "search_read",
            [[("code", "=", lang)], ["url_code"]],
        )[0]["url_code"]
        portal_url = f"/{url_code}{portal_url}"
        page.goto(f"{args.url}{portal_url}")
        page.wait_for_selector("#freelance_payment_terms")
        page.locator("#freelance_payment_terms").scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        page.screenshot(path=out / "portal.png")
        print(f"wrote {out / 'portal.png'}")
        shoot(
            "/odoo/action-freelance_dunning.account_move_action_overdue_by_level",
            "overdue_by_level.png",
            ".o_list_view",
        )
        shoot(
            "/odoo/action-freelance_dunning.freelance_dunning_reminder_action",
            "reminders.png",
            ".o_list_view",
        )
        # A reminder awaiting validation: the email the client will receive.
        waiting = call(
            page,
            "freelance.dunning.reminder",
            "search",
            [[("state", "=", "waiting")]],
            {"limit": 1, "order": "id"},
        )
        if waiting:
            shoot(
                "/odoo/action-freelance_dunning.freelance_dunning_reminder_action/"
                f"{waiting[0]}",
                "reminder_preview.png",
                ".o_fd_email_preview",
            )
        page.goto(
            f"{args.url}/odoo/action-freelance_dunning.freelance_dunning_run_wizard_action"
        )
        page.wait_for_selector(".modal .o_list_view, .modal .o_form_view")
        page.wait_for_timeout(800)
        page.screenshot(path=out / "run_preview.png")
        print(f"wrote {out / 'run_preview.png'}")
        shoot(
            "/odoo/action-freelance_dunning.freelance_dunning_dashboard_action",
            "dashboard.png",
            ".o_freelance_dunning_dashboard .o_fd_levels",
        )
        page.goto(f"{args.url}/odoo/settings#sale_management")
        page.wait_for_selector("#freelance_deposit_required")
        page.locator("#freelance_deposit_required").scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        page.screenshot(path=out / "settings.png")
        print(f"wrote {out / 'settings.png'}")
        if previous_lang != lang:
            set_lang(page, args.login, previous_lang)
        shoot_client_page(browser, page, args, out, lang)
        browser.close()


def shoot_client_page(browser, page, args, out, lang):
    """The client's page a sent reminder links to, opened without a login
    (a fresh browser context), on a laptop and on a phone."""
    sent = call(
        page,
        "freelance.dunning.reminder",
        "search_read",
        [[("state", "=", "sent")], ["sent_body"]],
        {"limit": 20, "order": "interest desc, id desc"},
    )
    links = [
        match.group(0)
        for reminder in sent
        if (match := re.search(r"/dues/[0-9a-f-]+", reminder["sent_body"] or ""))
    ]
    if not links:
        print("no sent reminder with a link to the client's page: not shot")
        return
    path = links[0]
    for name, viewport in (
        ("client_page.png", {"width": 1366, "height": 768}),
        ("client_page_phone.png", {"width": 390, "height": 844}),
    ):
        visitor = browser.new_context(viewport=viewport)
        client_page = visitor.new_page()
        client_page.goto(f"{args.url}{path}?lang={lang}")
        client_page.wait_for_selector("#fd_client_page_actions", state="attached")
        client_page.wait_for_timeout(800)
        client_page.screenshot(path=out / name)
        print(f"wrote {out / name}")
        visitor.close()


if __name__ == "__main__":
    main()
