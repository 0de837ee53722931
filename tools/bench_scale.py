"""Benchmark the nightly dunning run at scale, beside OCA's reminder tools
and Odoo's mass mail.

    .venv/bin/python tools/bench_scale.py -c .run/odoo.conf --size 1k
    .venv/bin/python tools/bench_scale.py -c .run/odoo.conf --size 1k 5k 10k

For each size (1k = 1,000 clients / 10,000 open invoices, 5k = 5,000 / 50,000,
10k = 10,000 / 100,000) it:

1. builds, once, the database ``<prefix>_<size>_base``: a fresh install of
   freelance_dunning without demo data, the clients, and their posted invoices
   spread over the reminder levels. One invoice is created and posted through
   the ORM; the others are copied from it in bulk by SQL (every column as Odoo
   wrote it, with their own number, client and due date), then checked through
   the ORM. The invoices have no stored PDF unless ``--stored-pdf`` (then each
   has the PDF Odoo keeps when it emails an invoice). The base database is kept
   for re-runs (``--rebuild`` builds it again);
2. copies it to ``<prefix>_<size>`` and runs the dunning engine as the
   scheduled action does (a batch of clients per call, a commit after each,
   until nothing remains), in a process of its own;
3. the peers, each on its own copy (``<prefix>_<size>_credit`` and
   ``_overdue``, dropped after), installed there with ``-i`` before the timer,
   from the ``--oca-addons`` folder, the company's *Payment Reminders By* set
   to the peer: OCA ``account_credit_control`` (a credit control run for the
   date, all its lines set ready, its channel action emailing one
   communication per client) and OCA ``account_invoice_overdue_reminder`` (its
   start wizard for all clients in the mass interface, every step validated);
4. on another copy (``_ref``, dropped after), the reference: Odoo's mass mail
   composer sending one templated email to each of the same clients;
5. on the run's database, Odoo's mass mail composer sending the reminders' own
   email (the addon's template) to the reminders the run sent: the cost of
   that email alone in Odoo;
6. opt-in: ``--odoo-path``, the same run with the reminders' emails posted one
   by one through ``message_post``; ``--store-only``, Odoo's ORM storing the
   reminders' chatter messages and nothing else (rolled back);
7. prints wall time, time per client, SQL queries per client, peak memory
   (RSS of the process), emails queued, who got them (emails per client
   address, invoices listed per email), the ratio of ours to each, what each
   peer does not do, and the targets of issue 22 (met / NOT met).

Emails are only queued (mail.mail records), never sent. The benchmark
databases are not the test database; their names start with ``--prefix``
(``fd_bench`` by default).
"""

import argparse
import inspect
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import time
from datetime import date, timedelta
from html import escape

SIZES = {"1k": (1000, 10000), "5k": (5000, 50000), "10k": (10000, 100000)}
BASE = "{prefix}_{size}_base"
RUN = "{prefix}_{size}"
# Where `make bench` and `make odoo-suites` install OCA's peers (from PyPI).
OCA_ADDONS = os.path.expanduser("~/.cache/freelance_dunning/oca-18.0/odoo/addons")

# Where each invoice stands, as (last step of the shipped ladder or None, days
# late, days since the last reminder): the run finds each one at the next level.
PROFILES = {
    "courtesy": (None, -2, None),
    "friendly": ("courtesy", 5, 7),
    "firm": ("friendly", 20, 19),
    "suspension": ("firm", 35, 20),
    "formal_notice": ("suspension", 50, 20),
    "final": ("formal_notice", 65, 20),
    "not_due": (None, -20, None),
}
LADDER = ["courtesy", "friendly", "firm", "suspension", "formal_notice", "final"]
LEVEL_FIELDS = ("dunning_level_id", "dunning_last_date")
AUTOMATIC = ["courtesy", "friendly", "firm", "suspension", "not_due"]

# The reference's email: the client's name in a fixed text.
REFERENCE_BODY = (
    "<p>Dear {name},</p><p>Some of our invoices are still unpaid. Please pay "
    "them online.</p><p>Best regards</p>"
)


def profile_of(client_index, invoice_index):
    """8 clients in 10 have invoices on the automatic levels (and one not yet
    due); 1 in 10 reach the formal notice, 1 in 10 the last level: both wait
    for an accountant's validation."""
    kind = client_index % 10
    if kind == 8:
        return "formal_notice"
    if kind == 9:
        return "final"
    return AUTOMATIC[invoice_index % len(AUTOMATIC)]


# ----------------------------------------------------------------------
# Inside a database (child processes)
# ----------------------------------------------------------------------


def open_env(config_path, database, oca_addons=None):
    import odoo
    from odoo import api
    from odoo.tools import config

    config.parse_config(["-c", config_path, "--log-level", "warn"])
    if oca_addons:
        # The peers' folder beside the configuration's addons path.
        config.parse_config(
            [
                *("-c", config_path, "--log-level", "warn"),
                *("--addons-path", f"{config['addons_path']},{oca_addons}"),
            ]
        )
    registry = odoo.modules.registry.Registry(database)
    cr = registry.cursor()
    return api.Environment(cr, odoo.SUPERUSER_ID, {})


def columns(cr, table):
    cr.execute(
        """SELECT column_name FROM information_schema.columns
            WHERE table_name = %s AND column_name != 'id' ORDER BY ordinal_position""",
        [table],
    )
    return [row[0] for row in cr.fetchall()]


def copy_rows_sql(cr, table, source_id, overrides, source_table):
    """INSERT INTO table (every column) SELECT each column of the template row
    (id = source_id) joined with ``source_table``, or its override expression."""
    cols = columns(cr, table)
    select = ", ".join(overrides.get(col, f"t.{col}") for col in cols)
    return (
        f"INSERT INTO {table} ({', '.join(cols)}) "
        f"SELECT {select} FROM {table} t, {source_table} s WHERE t.id = {source_id}"
    )


def phase_build(args):
    """Clients and invoices of the base database (runs in the fresh install)."""
    from odoo.fields import Command

    n_clients, n_invoices = SIZES[args.size]
    per_client = n_invoices // n_clients
    env = open_env(args.config, args.database)
    cr = env.cr
    env = env(context={"tracking_disable": True, "mail_create_nolog": True})
    start = time.perf_counter()
    company = env.company
    euro = env.ref("base.EUR")
    euro.active = True
    company.write({"country_id": env.ref("base.fr").id, "currency_id": euro.id})
    env["freelance.dunning.level"]._create_default_levels(company)
    # The shipped ladder's steps, in order (see PROFILES).
    levels = dict(
        zip(
            LADDER,
            env["freelance.dunning.level"].search(
                [("company_id", "=", company.id)], order="sequence"
            ),
            strict=True,
        )
    )
    clients = env["res.partner"].create(
        [
            {
                "name": f"Bench client {i:05d}",
                # one client in five is a consumer (legal-rules: other penalties)
                "is_company": i % 5 != 4,
                "email": f"bench{i}@example.com",
                "lang": "en_US",
            }
            for i in range(n_clients)
        ]
    )
    today = date.today()
    template = env["account.move"].create(
        {
            "move_type": "out_invoice",
            "partner_id": clients[0].id,
            "invoice_date": today - timedelta(days=90),
            "invoice_date_due": today,
            "invoice_line_ids": [
                Command.create(
                    {
                        "name": "Consulting",
                        "quantity": 1,
                        "price_unit": 500.0,
                        "tax_ids": [Command.clear()],
                    }
                )
            ],
        }
    )
    template.action_post()
    env.flush_all()
    prefix = template.sequence_prefix
    # Odoo's invoice number: the prefix, then at least 5 digits.
    number = f"'{prefix}' || lpad(s.n::text, greatest(5, length(s.n::text)), '0')"
    rows = []
    for i, client in enumerate(clients):
        for j in range(per_client):
            if i == 0 and j == 0:
                continue
            step, late, since = PROFILES[profile_of(i, j)]
            rows.append(
                (
                    client.id,
                    today - timedelta(days=late),
                    levels[step].id if step else None,
                    today - timedelta(days=since) if since else None,
                )
            )
    cr.execute(
        """CREATE TEMP TABLE bench_src (
               n serial, partner_id int, due date, level_id int, last_date date)"""
    )
    cr.execute("SELECT setval('bench_src_n_seq', %s)", [template.sequence_number])
    from psycopg2.extras import execute_values

    execute_values(
        cr,
        "INSERT INTO bench_src (partner_id, due, level_id, last_date) VALUES %s",
        rows,
        page_size=5000,
    )
    cr.execute("ALTER TABLE bench_src ADD COLUMN move_id int")
    # Invoices: the template's row with their own client, number and due date.
    sql = copy_rows_sql(
        cr,
        "account_move",
        template.id,
        {
            "name": number,
            "sequence_number": "s.n",
            "partner_id": "s.partner_id",
            "commercial_partner_id": "s.partner_id",
            "invoice_date_due": "s.due",
            "payment_reference": number,
            "invoice_partner_display_name": (
                "(SELECT name FROM res_partner WHERE id = s.partner_id)"
            ),
            "access_token": "NULL",
        },
        "bench_src",
    )
    cr.execute(sql + " ORDER BY s.n RETURNING id, sequence_number")
    by_number = dict((number, move_id) for move_id, number in cr.fetchall())
    execute_values(
        cr,
        "UPDATE bench_src SET move_id = v.move_id FROM (VALUES %s) v(n, move_id) "
        "WHERE bench_src.n = v.n",
        list(by_number.items()),
        page_size=5000,
    )
    # Their lines: the template's, with the invoice's number, client and due
    # date; the receivable line carries the level already reached.
    receivable = "t.display_type = 'payment_term'"
    sql = copy_rows_sql(
        cr,
        "account_move_line",
        0,
        {
            "move_id": "s.move_id",
            "move_name": number,
            "partner_id": "s.partner_id",
            "date_maturity": f"CASE WHEN {receivable} THEN s.due END",
            "dunning_level_id": f"CASE WHEN {receivable} THEN s.level_id END",
            "dunning_last_date": f"CASE WHEN {receivable} THEN s.last_date END",
        },
        "bench_src",
    ).replace("t.id = 0", f"t.move_id = {template.id}")
    cr.execute(sql)
    # What the invoice shows of its lines' level (stored, computed from them).
    cr.execute(
        """UPDATE account_move m SET dunning_level_id = s.level_id,
                  dunning_last_date = s.last_date
             FROM bench_src s WHERE s.move_id = m.id"""
    )
    cr.execute(
        "SELECT count(*) FROM account_move_line WHERE move_id = %s", [template.id]
    )
    lines_per_move = cr.fetchone()[0]
    # The sequence's cache of the last number.
    env.invalidate_all()
    if args.stored_pdf:
        # As Odoo leaves an invoice it emailed: its PDF and its portal token.
        attach_pdfs(env, template)
        cr.execute(
            """UPDATE account_move SET access_token = gen_random_uuid()::text
                WHERE move_type = 'out_invoice'"""
        )
    # Check through the ORM: what Odoo computes matches what was copied.
    moves = env["account.move"].search(
        [("move_type", "=", "out_invoice"), ("state", "=", "posted")]
    )
    assert len(moves) == n_invoices, (len(moves), n_invoices)
    sample = moves.browse(list(by_number.values())[:: max(1, n_invoices // 50)])
    for move in sample:
        receivable_line = move.line_ids.filtered(
            lambda line: line.display_type == "payment_term"
        )
        assert len(move.line_ids) == lines_per_move
        assert move.payment_state == "not_paid"
        assert move.amount_residual == move.amount_total == 500.0
        assert receivable_line.amount_residual == 500.0
        assert not receivable_line.reconciled
        assert receivable_line.partner_id == move.partner_id
        assert receivable_line.date_maturity == move.invoice_date_due
        level, last_date = move.dunning_level_id, move.dunning_last_date
        # Computed again into the cache only, as the ORM's recomputation does
        # (a plain assignment would write, which only the dunning run may).
        stored = [move._fields[name] for name in LEVEL_FIELDS]
        with env.protecting(stored, move):
            move._compute_dunning_level()
            computed = (move.dunning_level_id, move.dunning_last_date)
        move.invalidate_recordset(LEVEL_FIELDS)
        assert computed == (level, last_date), (move, computed, level, last_date)
    env["ir.config_parameter"].set_param("fd_bench.build_date", today.isoformat())
    cr.commit()
    # The planner's statistics, as autovacuum keeps them on a live database.
    cr.execute("ANALYZE")
    cr.close()
    print(
        json.dumps(
            {
                "clients": n_clients,
                "invoices": n_invoices,
                "build_seconds": round(time.perf_counter() - start, 1),
                "stored_pdf": bool(args.stored_pdf),
            }
        )
    )


def attach_pdfs(env, template):
    """Give every invoice the PDF Odoo keeps when it emails one (same content,
    one file in the filestore, one attachment row each)."""
    from odoo.tools.pdf import PdfFileWriter

    writer = PdfFileWriter()
    writer.addBlankPage(595, 842)
    import io

    buffer = io.BytesIO()
    writer.write(buffer)
    attachment = env["ir.attachment"].create(
        {
            "name": f"{template.name}.pdf",
            "raw": buffer.getvalue(),
            "mimetype": "application/pdf",
            "res_model": "account.move",
            "res_id": template.id,
            "res_field": "invoice_pdf_report_file",
        }
    )
    env.flush_all()
    cr = env.cr
    sql = copy_rows_sql(
        cr,
        "ir_attachment",
        attachment.id,
        {"res_id": "s.id", "name": "s.name || '.pdf'"},
        "account_move",
    )
    cr.execute(f"{sql} AND s.move_type = 'out_invoice' AND s.id != {template.id}")


def shift_dates(env):
    """The base was built on another day: move the due and reminder dates so
    the invoices stand where they stood (the run uses today's date)."""
    cr = env.cr
    # A fresh copy has no planner statistics yet (autovacuum gathers them on a
    # live database): without them PostgreSQL plans for empty tables.
    cr.execute("ANALYZE")
    built = env["ir.config_parameter"].get_param("fd_bench.build_date")
    delta = (date.today() - date.fromisoformat(built)).days
    if delta:
        cr.execute(
            """UPDATE account_move_line
                  SET date_maturity = date_maturity + %s,
                      dunning_last_date = dunning_last_date + %s""",
            [delta, delta],
        )
        cr.execute(
            "UPDATE account_move SET invoice_date_due = invoice_date_due + %s",
            [delta],
        )
        env["ir.config_parameter"].set_param(
            "fd_bench.build_date", date.today().isoformat()
        )
        cr.commit()


def count(cr, table, where="TRUE"):
    cr.execute(f"SELECT count(*) FROM {table} WHERE {where}")  # noqa: S608
    return cr.fetchone()[0]


def prepare_run(env):
    """What a company has before its first nightly run (shared with
    tools/bench_queue_job.py)."""
    # Nightly reminders are off until someone switches them on (issue 21), as
    # the preview's button does: the run would remind nobody.
    env["res.company"].search([]).write({"nightly_reminders": True})
    # The late interest needs the reference rate of the current half-year:
    # when the shipped rates stop earlier, the last one goes on (else the
    # reminders with penalties wait for the rate instead of being sent).
    rates = env["freelance.reference.rate"]
    today = date.today()
    half = date(today.year, 1 if today.month < 7 else 7, 1)
    if not rates.search_count([("date_from", "=", half)]):
        last = rates.search([], order="date_from desc", limit=1)
        rates.create(
            {
                "date_from": half,
                "ecb_rate": last.ecb_rate,
                "legal_rate": last.legal_rate,
            }
        )


def phase_engine(args):
    """The scheduled action, as Odoo's cron runner calls it."""
    env = open_env(args.config, args.database)
    cr = env.cr
    shift_dates(env)
    prepare_run(env)
    cron = env.ref("freelance_dunning.ir_cron_dunning_run")
    env["ir.config_parameter"].set_param(
        "freelance_dunning.reminder_email_path", args.email_path
    )
    cr.commit()
    mails_before = count(cr, "mail_mail")
    first_mail_id = next_mail_id(cr)
    events_before = count(cr, "freelance_dunning_reminder_line")
    queries = cr.sql_log_count
    start = time.perf_counter()
    calls = 0
    while True:
        # What ir.cron._run_job does for each call: a progress record, the
        # server action, a commit.
        job_cron, progress = cron._add_progress(timed_out_counter=0)
        cr.commit()
        job_cron._callback(cron.cron_name, cron.ir_actions_server_id.id)
        cr.commit()
        calls += 1
        if not progress.remaining or calls == args.max_calls:
            break
    elapsed = time.perf_counter() - start
    queries = cr.sql_log_count - queries
    run = env["freelance.dunning.run"].search([], limit=1)
    messages = env["freelance.dunning.reminder"]
    result = {
        "seconds": elapsed,
        "queries": queries,
        "clients": run.partner_count,
        "cron_calls": calls,
        "reminders": run.reminder_count,
        "sent": messages.search_count([("state", "=", "sent")]),
        "waiting": messages.search_count([("state", "=", "waiting")]),
        "failed": messages.search_count([("state", "=", "failed")]),
        "emails_queued": count(cr, "mail_mail") - mails_before,
        "emails_outgoing": count(cr, "mail_mail", "state = 'outgoing'"),
        "events": count(cr, "freelance_dunning_reminder_line") - events_before,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "stored_pdfs": count(
            cr, "ir_attachment", "res_field = 'invoice_pdf_report_file'"
        ),
    }
    result["check"] = email_check(env, first_mail_id)
    cr.close()
    assert result["sent"], f"the run sent no reminder: {result}"
    print(json.dumps(result))


def phase_reference(args):
    """Odoo's mass mail: one templated email to each of the same clients."""
    env = open_env(args.config, args.database)
    cr = env.cr
    shift_dates(env)
    engine = env["freelance.dunning.engine"]
    company = env.company
    levels = engine._get_levels(company)
    groups = env["account.move.line"]._read_group(
        engine._get_line_domain(company, date.today(), levels), ["partner_id"]
    )
    partner_ids = sorted({partner.commercial_partner_id.id for (partner,) in groups})
    template = env["mail.template"].create(
        {
            "name": "Bench: payment reminder",
            "model_id": env["ir.model"]._get_id("res.partner"),
            "subject": "Payment reminder from {{ object.company_id.name or '' }}",
            "body_html": REFERENCE_BODY.format(name="<t t-out='object.name'/>"),
            # To the client, as a template saved from Odoo's composer is
            # (without it, its emails had no recipient).
            "use_default_to": True,
        }
    )
    cr.commit()
    mass_mail(env, "res.partner", partner_ids, template)


def phase_same_email(args):
    """Odoo's mass mail sending the reminders' own email, to measure that
    email alone: the addon's template (its QWeb table of invoices) on the
    reminders the run just created, without the run's other work (history,
    levels, chatter, layout, attached PDFs, activities)."""
    env = open_env(args.config, args.database)
    reminders = env["freelance.dunning.reminder"].search(
        [("state", "=", "sent")], order="id"
    )
    template = env.ref("freelance_dunning.mail_template_dunning_reminder")
    mass_mail(env, reminders._name, reminders.ids, template)


def phase_store_only(args):
    """Odoo's ORM storing the reminders' chatter messages, nothing else.

    The messages get the values the run gave them (client, author, subtype,
    subject, body, recipients), are created in batches of the run's size,
    flushed, and rolled back. Then the same with the body of the reference's
    template. Html bodies are sanitized by Odoo's ORM on create, whoever
    creates them; the difference between the two is the cost of the reminder's
    content.
    """
    env = open_env(args.config, args.database)
    cr = env.cr
    posted = (
        env["freelance.dunning.reminder"]
        .search([("state", "=", "sent"), ("mail_message_id", "!=", False)])
        .mail_message_id
    )
    values = [
        {
            "model": message.model,
            "res_id": message.res_id,
            "record_name": message.record_name,
            "record_company_id": message.record_company_id.id,
            "message_type": message.message_type,
            "subtype_id": message.subtype_id.id,
            "author_id": message.author_id.id,
            "email_from": message.email_from,
            "subject": message.subject,
            "body": str(message.body),
            "partner_ids": [(6, 0, message.partner_ids.ids)],
            "attachment_ids": [(6, 0, message.attachment_ids.ids)],
            "reply_to": message.reply_to,
            "email_layout_xmlid": message.email_layout_xmlid,
        }
        for message in posted
    ]
    short = [
        dict(value, body=REFERENCE_BODY.format(name=escape(message.record_name)))
        for value, message in zip(values, posted, strict=True)
    ]
    # The scheduled action's batch of clients.
    engine = type(env["freelance.dunning.engine"])
    batch = inspect.signature(engine._cron_run).parameters["batch_size"].default
    result = {"messages": len(values)}
    for key, value_list in (("seconds", values), ("short_seconds", short)):
        env.invalidate_all()
        start = time.perf_counter()
        for index in range(0, len(value_list), batch):
            env["mail.message"].sudo().create(value_list[index : index + batch])
            env.flush_all()
        result[key] = time.perf_counter() - start
        cr.rollback()
    result["body_chars"] = sum(len(value["body"]) for value in values) / max(
        len(values), 1
    )
    cr.close()
    print(json.dumps(result))


def email_check(env, first_mail_id):
    """Who got the emails queued since ``first_mail_id`` and what they list:
    emails per client address (partners and To addresses), and the distinct
    invoice numbers in each body."""
    cr = env.cr
    cr.execute(
        "SELECT sequence_prefix FROM account_move WHERE move_type = 'out_invoice' "
        "AND sequence_prefix IS NOT NULL LIMIT 1"
    )
    row = cr.fetchone()
    pattern = re.escape(row[0]) + r"\d+" if row else r"$^"
    cr.execute(
        """WITH new AS (SELECT id, email_to, body_html FROM mail_mail WHERE id >= %s),
                addresses AS (
                    SELECT n.id, lower(p.email) AS address
                      FROM new n
                      JOIN mail_mail_res_partner_rel r ON r.mail_mail_id = n.id
                      JOIN res_partner p ON p.id = r.res_partner_id
                    UNION
                    SELECT id, lower(trim(email_to)) FROM new
                     WHERE coalesce(email_to, '') != ''),
                per_address AS (
                    SELECT address, count(DISTINCT id) AS emails
                      FROM addresses GROUP BY address),
                listed AS (
                    SELECT n.id, (SELECT count(DISTINCT m[1]) FROM regexp_matches(
                               coalesce(n.body_html, ''), '(' || %s || ')', 'g') m)
                           AS invoices
                      FROM new n)
         SELECT (SELECT count(*) FROM per_address),
                (SELECT coalesce(max(emails), 0) FROM per_address),
                (SELECT count(*) FROM new),
                (SELECT count(*) FROM new n WHERE NOT EXISTS (
                     SELECT 1 FROM addresses a WHERE a.id = n.id)),
                (SELECT coalesce(avg(invoices), 0) FROM listed),
                (SELECT coalesce(min(invoices), 0) FROM listed)""",
        [first_mail_id, pattern],
    )
    addresses, most, emails, no_recipient, avg_listed, min_listed = cr.fetchone()
    return {
        "addresses": addresses,
        "max_per_address": most,
        "emails": emails,
        "without_recipient": no_recipient,
        "invoices_listed_avg": float(avg_listed),
        "invoices_listed_min": min_listed,
    }


def next_mail_id(cr):
    cr.execute("SELECT coalesce(max(id), 0) + 1 FROM mail_mail")
    return cr.fetchone()[0]


def peer_result(env, start, queries, first_mail_id, extra):
    """The figures of a peer's timed flow, then what its emails hold."""
    cr = env.cr
    elapsed = time.perf_counter() - start
    result = {
        "seconds": elapsed,
        "queries": cr.sql_log_count - queries,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "emails_queued": count(cr, "mail_mail", f"id >= {int(first_mail_id)}"),
        **extra,
    }
    result["check"] = email_check(env, first_mail_id)
    return result


def hand_over_to(env, tool):
    """Payment Reminders By: the peer (README, "Beside another payment
    reminder tool"), so that this addon, installed in the base, reminds none
    of the company's clients."""
    company = env.company
    company.payment_reminders_by = tool
    assert not company._reminders_by_this_addon()


def phase_credit_control(args):
    """OCA account_credit_control: a run for the date computes the credit
    control lines, they are all set ready, and the run's channel action sends
    one email per communication (client, level, currency), as its user does
    with the run's three buttons."""
    env = open_env(args.config, args.database, args.oca_addons)
    cr = env.cr
    shift_dates(env)
    company = env.company
    hand_over_to(env, "account_credit_control")
    # Set-up (not timed): a policy whose email levels follow our ladder where
    # it can, on the company's receivable accounts.
    base_template = env.ref("account_credit_control.email_template_credit_control_base")
    # Its shipped template also renders a PDF summary per email (wkhtmltopdf,
    # over a second each); the invoices' table is put in the body instead
    # (``mail_show_invoice_detail``).
    template = base_template.copy(
        {"name": "Bench: credit control email", "report_template_ids": [(5, 0, 0)]}
    )
    ours = env["freelance.dunning.level"].search(
        [("company_id", "=", company.id)], order="sequence"
    )
    # It only looks at lines already due: no level before the due date.
    mirrored = ours.filtered(lambda level: level.days >= 0)
    levels = [
        {
            "name": level.name,
            "level": index,
            "computation_mode": "net_days",
            "delay_days": level.days,
            "channel": "email",
            "email_template_id": template.id,
            "custom_text": level.name,
            "custom_mail_text": f"<p>{escape(level.name)}</p>",
            "mail_show_invoice_detail": True,
        }
        for index, level in enumerate(mirrored, start=1)
    ]
    receivable = env["account.account"].search(
        [("account_type", "=", "asset_receivable")]
    )
    policy = env["credit.control.policy"].create(
        {
            "name": "Bench: our ladder",
            "account_ids": [(6, 0, receivable.ids)],
            # All of a client's lines at its highest level: one email each.
            "apply_max_policy_level": True,
            "level_ids": [(0, 0, values) for values in levels],
        }
    )
    company.credit_policy_id = policy
    cr.commit()
    first_mail_id = next_mail_id(cr)
    queries = cr.sql_log_count
    start = time.perf_counter()
    run = env["credit.control.run"].create({"date": date.today()})
    run.generate_credit_lines()  # "Compute Credit Control Lines"
    cr.commit()
    run.set_to_ready_lines()  # "Set to ready all"
    run.run_channel_action()  # "Run channel action"
    cr.commit()
    communications = run.line_ids.communication_id
    result = peer_result(
        env,
        start,
        queries,
        first_mail_id,
        {
            "clients": len(communications.partner_id),
            "communications": len(communications),
            "lines": len(run.line_ids),
            "levels_used": len(run.line_ids.policy_level_id),
            "levels": len(levels),
            "skipped_levels": len(ours) - len(mirrored),
        },
    )
    cr.close()
    print(json.dumps(result))


def phase_overdue_reminder(args):
    """OCA account_invoice_overdue_reminder: its start wizard for all clients
    in the mass interface, then every step validated at once (the list's
    "Validate" action), each step sending one email to its client."""
    env = open_env(args.config, args.database, args.oca_addons)
    cr = env.cr
    shift_dates(env)
    company = env.company
    hand_over_to(env, "account_invoice_overdue_reminder")
    # Attaching the invoices renders each invoice's PDF again with
    # wkhtmltopdf (over a second each): off, the table in its email stays.
    company.overdue_reminder_attach_invoice = False
    cr.commit()
    first_mail_id = next_mail_id(cr)
    queries = cr.sql_log_count
    start = time.perf_counter()
    wizard = env["overdue.reminder.start"].create({"interface": "mass"})
    wizard.run()
    cr.commit()
    steps = env["overdue.reminder.step"].search(
        [("user_id", "=", env.uid), ("state", "=", "draft")]
    )
    mass = (
        env["overdue.reminder.mass.update"]
        .with_context(
            active_model="overdue.reminder.step",
            active_ids=steps.ids,
            default_update_action="validate",
        )
        .create({})
    )
    mass.run()
    cr.commit()
    result = peer_result(
        env,
        start,
        queries,
        first_mail_id,
        {
            "clients": len(steps.commercial_partner_id),
            "steps": len(steps),
            "invoices": len(steps.invoice_ids),
        },
    )
    cr.close()
    print(json.dumps(result))


def mass_mail(env, model, res_ids, template):
    """Time Odoo's mass mail composer sending ``template`` to the records,
    as a user would from a list, and print its figures."""
    cr = env.cr
    mails_before = count(cr, "mail_mail")
    first_mail_id = next_mail_id(cr)
    queries = cr.sql_log_count
    start = time.perf_counter()
    composer = (
        env["mail.compose.message"]
        .with_context(active_model=model)
        .create(
            {
                "composition_mode": "mass_mail",
                "model": model,
                "res_ids": res_ids,
                "template_id": template.id,
            }
        )
    )
    assert not composer.force_send
    composer._action_send_mail(auto_commit=True)
    cr.commit()
    elapsed = time.perf_counter() - start
    result = {
        "seconds": elapsed,
        "queries": cr.sql_log_count - queries,
        "clients": len(res_ids),
        "emails_queued": count(cr, "mail_mail") - mails_before,
        "rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }
    result["check"] = email_check(env, first_mail_id)
    cr.close()
    print(json.dumps(result))


# ----------------------------------------------------------------------
# Driver
# ----------------------------------------------------------------------


def psql(args, sql, database="postgres"):
    import psycopg2

    from odoo.tools import config

    config.parse_config(["-c", args.config])
    conn = psycopg2.connect(
        dbname=database,
        host=config["db_host"] or None,
        port=config["db_port"] or None,
        user=config["db_user"] or None,
        password=config["db_password"] or None,
    )
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
        rows = cur.fetchall() if cur.description else None
    conn.close()
    return rows


def filestore(args, database):
    from odoo.tools import config

    config.parse_config(["-c", args.config])
    return os.path.join(config["data_dir"], "filestore", database)


def child(args, phase, database, extra=()):
    command = [
        sys.executable,
        __file__,
        "-c",
        args.config,
        "--size",
        args.size,
        "--phase",
        phase,
        "--database",
        database,
        *extra,
    ]
    out = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def copy_database(args, source, target):
    psql(args, f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
    psql(args, f'CREATE DATABASE "{target}" TEMPLATE "{source}"')
    shutil.rmtree(filestore(args, target), ignore_errors=True)
    if os.path.isdir(filestore(args, source)):
        shutil.copytree(filestore(args, source), filestore(args, target))


def drop_database(args, database):
    psql(args, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
    shutil.rmtree(filestore(args, database), ignore_errors=True)


def install_addon(config, database, update=False):
    """freelance_dunning installed without demo data (``update``: updated to
    the code as it is now), in an Odoo process of its own."""
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            config,
            "-d",
            database,
            "-u" if update else "-i",
            "freelance_dunning",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )


def build(args, base):
    exists = psql(args, f"SELECT 1 FROM pg_database WHERE datname = '{base}'")
    if exists and not args.rebuild:
        return None
    psql(args, f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)')
    shutil.rmtree(filestore(args, base), ignore_errors=True)
    start = time.perf_counter()
    install_addon(args.config, base)
    install = time.perf_counter() - start
    extra = ["--stored-pdf"] if args.stored_pdf else []
    figures = child(args, "build", base, extra)
    figures["install_seconds"] = round(install, 1)
    return figures


def machine():
    cpu = "?"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as info:
        ram = int(info.readline().split()[1]) / 2**20
    return f"{os.cpu_count()} CPUs ({cpu}), {ram:.0f} GiB RAM"


def report(size, built, ours, ref, same=None, store=None, odoo=None):
    n = ours["clients"] or 1
    per_client = ours["seconds"] / n * 1000
    per_recipient = ref["seconds"] / (ref["clients"] or 1) * 1000
    rows = [
        ("clients / open invoices", f"{SIZES[size][0]} / {SIZES[size][1]}", ""),
        ("clients reminded (run)", ours["clients"], ref["clients"]),
        ("wall time", f"{ours['seconds']:.1f} s", f"{ref['seconds']:.1f} s"),
        ("time per client", f"{per_client:.1f} ms", f"{per_recipient:.1f} ms"),
        (
            "SQL queries per client",
            f"{ours['queries'] / n:.1f}",
            f"{ref['queries'] / (ref['clients'] or 1):.1f}",
        ),
        (
            "peak memory (RSS)",
            f"{ours['rss_mib']:.0f} MiB",
            f"{ref['rss_mib']:.0f} MiB",
        ),
        ("emails queued", ours["emails_queued"], ref["emails_queued"]),
        ("events written", ours["events"], "-"),
        (
            "reminders sent / waiting / failed",
            f"{ours['sent']} / {ours['waiting']} / {ours['failed']}",
            "-",
        ),
        ("cron calls (batches)", ours["cron_calls"], "-"),
    ]
    print(f"\n== {size}: {SIZES[size][0]} clients, {SIZES[size][1]} invoices ==")
    if built:
        print(
            f"built: install {built['install_seconds']} s, data "
            f"{built['build_seconds']} s, stored PDFs: {built['stored_pdf']}"
        )
    print(
        f"invoices with the PDF Odoo stored when it emailed them: "
        f"{ours['stored_pdfs']} of {SIZES[size][1]} (the others are rendered)"
    )
    print(f"{'':36} {'dunning run':>16} {'Odoo mass mail':>16}")
    for label, a, b in rows:
        print(f"{label:36} {a!s:>16} {b!s:>16}")
    print(
        "ratio time per client / mass mail per recipient: "
        f"{per_client / per_recipient:.2f}"
    )
    if odoo:
        per_odoo = odoo["seconds"] / (odoo["clients"] or 1) * 1000
        print(
            f"reminders' emails one by one through Odoo's message_post "
            f"({odoo['clients']} clients, {odoo['sent']} sent, "
            f"{odoo['emails_queued']} emails queued): {per_odoo:.1f} ms and "
            f"{odoo['queries'] / (odoo['clients'] or 1):.1f} queries per client, "
            f"{odoo['rss_mib']:.0f} MiB; the batch takes {per_client:.1f} ms "
            f"per client, {per_client / per_odoo:.2f} x Odoo's path"
        )
    if same:
        per_email = same["seconds"] / (same["clients"] or 1) * 1000
        print(
            f"Odoo mass mail of the reminders' own email ({same['clients']} "
            f"reminders, their template, nothing else): {per_email:.1f} ms and "
            f"{same['queries'] / (same['clients'] or 1):.1f} queries per email, "
            f"{same['rss_mib']:.0f} MiB; ratio time per client / it: "
            f"{per_client / per_email:.2f}"
        )
    if store and store["messages"]:
        stored = store["seconds"] / store["messages"] * 1000
        stored_short = store["short_seconds"] / store["messages"] * 1000
        print(
            f"Odoo's ORM storing the reminders' chatter messages alone "
            f"({store['messages']} messages, nothing else, rolled back): "
            f"{stored:.1f} ms per message with the reminders' bodies "
            f"({store['body_chars']:.0f} characters on average), "
            f"{stored_short:.1f} ms with the reference's short body; "
            f"1.5 x the mass mail per recipient is {1.5 * per_recipient:.1f} ms"
        )
    return {"size": size, "per_client_ms": per_client, "ours": ours, "ref": ref}


# What each peer does not do that the nightly run does, as read in its 18.0
# code (README, "The nightly run at scale").
PEER_LACKS = {
    "credit_control": [
        "no late interest, no 40 EUR indemnity (no such code in the module)",
        "no reminder before the due date (it only takes due lines)",
        "no scheduled run: a user computes each run and clicks its buttons",
        "no invoice PDF attached (its template renders a summary PDF instead, "
        "left out here)",
        "no work suspension; nothing held for validation by level (every line "
        "waits in draft until set ready, here all at once)",
        "one email per client only with 'apply max policy level' "
        "(otherwise one per level and currency)",
    ],
    "overdue_reminder": [
        "no late interest, no 40 EUR indemnity (no such code in the module)",
        "no levels: one template for every reminder, numbered n°1, n°2...",
        "no reminder before the due date (trigger delay >= 0)",
        "no scheduled run: a user starts the wizard and validates the steps",
        "invoice PDFs only by rendering each again (wkhtmltopdf); off here",
        "no work suspension, no formal notice (one template for all)",
    ],
}
PEERS = {
    "credit_control": ("account_credit_control", "OCA credit control"),
    "overdue_reminder": ("account_invoice_overdue_reminder", "OCA overdue reminder"),
}


def per_client(figures):
    return figures["seconds"] / (figures["clients"] or 1) * 1000


def comparison(size, ours, peers, same, ref):
    """One table: the nightly run, the peers and Odoo's mass mails, and the
    ratio of our time per client to each."""
    mine = per_client(ours)
    rows = [("ours: nightly run", ours)]
    for key, (_module, label) in PEERS.items():
        if key in peers:
            rows.append((label, peers[key]))
    if same:
        rows.append(("Odoo mass mail, our email", same))
    if ref and ref.get("seconds") == ref.get("seconds"):
        rows.append(("Odoo mass mail, one line", ref))
    print(f"\n-- {size}: side by side (same base, same machine) --")
    header = (
        f"{'':28} {'clients':>7} {'wall':>9} {'per client':>11} {'queries':>8} "
        f"{'RSS':>8} {'emails':>7} {'ours /':>7}"
    )
    print(header)
    print(
        f"{'':28} {'':>7} {'':>9} {'':>11} {'/client':>8} {'':>8} {'queued':>7} "
        f"{'it':>7}"
    )
    for label, figures in rows:
        n = figures["clients"] or 1
        print(
            f"{label:28} {figures['clients']:>7} {figures['seconds']:>8.1f}s "
            f"{per_client(figures):>9.1f}ms {figures['queries'] / n:>8.1f} "
            f"{figures['rss_mib']:>5.0f}MiB {figures['emails_queued']:>7} "
            f"{mine / per_client(figures):>7.2f}"
        )
    for label, figures in rows:
        check = figures.get("check")
        if check:
            print(
                f"  {label}: {check['emails']} emails to {check['addresses']} "
                f"addresses, at most {check['max_per_address']} per address, "
                f"{check['without_recipient']} without recipient; invoices "
                f"listed per email {check['invoices_listed_avg']:.1f} "
                f"(fewest {check['invoices_listed_min']})"
            )
    for key, (module, label) in PEERS.items():
        if key in peers:
            print(f"  {label} ({module}) does not do, that ours does:")
            for lack in PEER_LACKS[key]:
                print(f"    - {lack}")
    cc = peers.get("credit_control")
    if cc:
        print(
            f"  credit control: {cc['lines']} lines, {cc['communications']} "
            f"communications, {cc['levels_used']} of its {cc['levels']} levels "
            f"used (no history of its own on the copy: every line at its first "
            f"level); our levels before the due date left out: "
            f"{cc['skipped_levels']}"
        )
    od = peers.get("overdue_reminder")
    if od:
        print(
            f"  overdue reminder: {od['steps']} steps validated, "
            f"{od['invoices']} invoices reminded"
        )


def verdict(ok):
    return "met" if ok else "NOT met"


def targets(results):
    """Deliver 2 of issue 22, with the numbers."""
    print("\ntargets (issue 22):")
    for result in results:
        size, ours, peers = result["size"], result["ours"], result["peers"]
        mine = per_client(ours)
        if peers:
            key = min(peers, key=lambda name: per_client(peers[name]))
            faster = per_client(peers[key])
            print(
                f"  {size}: ours <= 0.5 x the faster OCA peer "
                f"({PEERS[key][1]}, {faster:.1f} ms per client): "
                f"{mine:.1f} ms = {mine / faster:.2f} x: "
                f"{verdict(mine <= 0.5 * faster)}"
                + ("" if size == "10k" else " (the target is at 10k)")
            )
        if result["same"]:
            same = per_client(result["same"])
            print(
                f"  {size}: ours <= 0.5 x Odoo's mass mail of the same email "
                f"({same:.1f} ms per email): {mine:.1f} ms = {mine / same:.2f} x: "
                f"{verdict(mine <= 0.5 * same)}"
            )
        print(
            f"  {size}: peak RSS < 500 MiB: {ours['rss_mib']:.0f} MiB: "
            f"{verdict(ours['rss_mib'] < 500)}"
        )
    queries = {
        r["size"]: r["ours"]["queries"] / (r["ours"]["clients"] or 1) for r in results
    }
    figures = ", ".join(f"{size} {value:.2f}" for size, value in queries.items())
    if len(queries) > 1:
        low, high = min(queries.values()), max(queries.values())
        print(
            f"  queries per client bounded (largest at most 1.1 x smallest over "
            f"the sizes): {figures}: {verdict(high <= 1.1 * low)}"
        )
    else:
        print(f"  queries per client bounded: {figures} (one size: run two to compare)")
    by_size = {r["size"]: r["ours"] for r in results}
    if "5k" in by_size and "10k" in by_size:
        ratio = by_size["10k"]["seconds"] / by_size["5k"]["seconds"]
        print(
            f"  2 x data <= 2.1 x time (5k -> 10k): {ratio:.2f} x: "
            f"{verdict(ratio <= 2.1)}"
        )
    else:
        print("  2 x data <= 2.1 x time: needs 5k and 10k in the same run")


PHASES = {
    "build": phase_build,
    "engine": phase_engine,
    "reference": phase_reference,
    "same_email": phase_same_email,
    "store_only": phase_store_only,
    "credit_control": phase_credit_control,
    "overdue_reminder": phase_overdue_reminder,
}


def install_peer(args, database, module):
    """Install the peer on its copy (not timed), its folder on the addons
    path."""
    from odoo.tools import config

    config.parse_config(["-c", args.config])
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            args.config,
            "--addons-path",
            f"{config['addons_path']},{args.oca_addons}",
            "-d",
            database,
            "-i",
            module,
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )
    return time.perf_counter() - start


def run_peer(args, base, run, key):
    module = PEERS[key][0]
    database = f"{run}_{key.split('_')[0]}"
    copy_database(args, base, database)
    try:
        installed = install_peer(args, database, module)
        start = time.perf_counter()
        figures = child(args, key, database, ["--oca-addons", args.oca_addons])
    finally:
        drop_database(args, database)
    figures["install_seconds"] = installed
    figures["phase_seconds"] = time.perf_counter() - start
    return figures


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-c", "--config", default=".run/odoo.conf")
    parser.add_argument("--size", nargs="+", choices=sorted(SIZES), default=["1k"])
    parser.add_argument("--rebuild", action="store_true", help="build the base again")
    parser.add_argument(
        "--stored-pdf",
        action="store_true",
        help="(with --rebuild or a first build) each invoice has its stored PDF",
    )
    parser.add_argument("--skip-reference", action="store_true")
    parser.add_argument(
        "--oca-addons",
        default=OCA_ADDONS if os.path.isdir(OCA_ADDONS) else None,
        help="the folder holding OCA's account_credit_control and "
        "account_invoice_overdue_reminder (default: %(default)s when it exists); "
        "without it the peers are not run",
    )
    parser.add_argument("--no-peers", action="store_true", help="skip the OCA peers")
    parser.add_argument(
        "--odoo-path",
        action="store_true",
        help="also run ours with the emails posted one by one by message_post",
    )
    parser.add_argument(
        "--store-only",
        action="store_true",
        help="also time Odoo's ORM storing the reminders' chatter messages alone",
    )
    parser.add_argument(
        "--max-calls",
        type=int,
        default=0,
        help="stop the run after this many calls of the scheduled action "
        "(a sample, for slow versions)",
    )
    parser.add_argument(
        "--prefix",
        default="fd_bench",
        help="the benchmark databases are <prefix>_<size>_base, <prefix>_<size>...",
    )
    parser.add_argument(
        "--email-path",
        choices=["batch", "odoo"],
        default="batch",
        help="(engine phase) how the reminders' emails are posted",
    )
    parser.add_argument("--phase", choices=sorted(PHASES))
    parser.add_argument("--database")
    args = parser.parse_args()
    if args.phase:
        args.size = args.size[0]
        PHASES[args.phase](args)
        return
    if args.oca_addons:
        args.oca_addons = os.path.abspath(os.path.expanduser(args.oca_addons))
    print(f"machine: {machine()}")
    results = []
    for size in args.size:
        args.size = size
        base = BASE.format(prefix=args.prefix, size=size)
        run = RUN.format(prefix=args.prefix, size=size)
        phase_times = {}
        clock = time.perf_counter()
        built = build(args, base)
        phase_times["build"] = time.perf_counter() - clock
        clock = time.perf_counter()
        copy_database(args, base, run)
        ours = child(args, "engine", run, ["--max-calls", str(args.max_calls)])
        phase_times["ours"] = time.perf_counter() - clock
        odoo = None
        if args.odoo_path:
            # The same run, the emails posted through Odoo's message_post.
            clock = time.perf_counter()
            copy_database(args, base, run + "_odoo")
            odoo = child(
                args,
                "engine",
                run + "_odoo",
                ["--max-calls", str(args.max_calls), "--email-path", "odoo"],
            )
            drop_database(args, run + "_odoo")
            phase_times["odoo path"] = time.perf_counter() - clock
        peers = {}
        if args.oca_addons and not args.no_peers:
            for key in PEERS:
                clock = time.perf_counter()
                peers[key] = run_peer(args, base, run, key)
                phase_times[PEERS[key][1]] = time.perf_counter() - clock
        elif not args.no_peers:
            print("peers skipped: no --oca-addons folder (make bench installs it)")
        same = store = None
        if args.skip_reference:
            ref = {"seconds": float("nan"), "clients": 1, "queries": 0}
            ref.update(rss_mib=0, emails_queued=0)
        else:
            clock = time.perf_counter()
            copy_database(args, base, run + "_ref")
            ref = child(args, "reference", run + "_ref")
            drop_database(args, run + "_ref")
            phase_times["mass mail, one line"] = time.perf_counter() - clock
            # After the run, on its database: the reminders it sent. Storing
            # only rolls back, so it goes first.
            if args.store_only:
                clock = time.perf_counter()
                store = child(args, "store_only", run)
                phase_times["store only"] = time.perf_counter() - clock
            clock = time.perf_counter()
            same = child(args, "same_email", run)
            phase_times["mass mail, our email"] = time.perf_counter() - clock
        results.append(report(size, built, ours, ref, same, store, odoo))
        comparison(size, ours, peers, same, None if args.skip_reference else ref)
        print(
            "  time of each phase (copy, install, run, checks): "
            + ", ".join(f"{name} {value:.0f} s" for name, value in phase_times.items())
        )
        results[-1].update(peers=peers, same=same)
    if len(results) > 1:
        print("\nscaling (time ratio for the data ratio):")
        for prev, cur in zip(results, results[1:], strict=False):
            data = SIZES[cur["size"]][1] / SIZES[prev["size"]][1]
            ratio = cur["ours"]["seconds"] / prev["ours"]["seconds"]
            print(
                f"  {prev['size']} -> {cur['size']}: "
                f"{data:.0f} x data, {ratio:.2f} x time"
            )
    targets(results)


if __name__ == "__main__":
    main()
