"""Benchmark the nightly dunning run at scale, against Odoo's mass mail.

    .venv/bin/python tools/bench_scale.py -c .run/odoo.conf --size 1k
    .venv/bin/python tools/bench_scale.py -c .run/odoo.conf --size 1k 5k 10k

For each size (1k = 1,000 clients / 10,000 open invoices, 5k = 5,000 / 50,000,
10k = 10,000 / 100,000) it:

1. builds, once, the database ``fd_bench_<size>_base``: a fresh install of
   freelance_dunning without demo data, the clients, and their posted invoices
   spread over the reminder levels. One invoice is created and posted through
   the ORM; the others are copied from it in bulk by SQL (every column as Odoo
   wrote it, with their own number, client and due date), then checked through
   the ORM. The invoices have no stored PDF unless ``--stored-pdf`` (then each
   has the PDF Odoo keeps when it emails an invoice). The base database is kept
   for re-runs (``--rebuild`` builds it again);
2. copies it to ``fd_bench_<size>`` and runs the dunning engine as the
   scheduled action does (a batch of clients per call, a commit after each,
   until nothing remains), in a process of its own; then, on another copy
   (``fd_bench_<size>_odoo``, dropped after), the same run with the reminders'
   emails posted one by one through Odoo's ``message_post`` (system parameter
   ``freelance_dunning.reminder_email_path`` = ``odoo``) instead of the batch;
3. copies it again and runs the reference in another process: Odoo's mass
   mail composer sending one templated email to each of the same clients;
4. on the run's database, in a third process, has Odoo's mass mail composer
   send the reminders' own email (the addon's template) to the reminders the
   run sent: the cost of that email alone in Odoo;
5. on the same database, in a fourth process, times Odoo's ORM storing the
   reminders' chatter messages and nothing else (``mail.message.create`` with
   the bodies the run posted, then rolled back), and the same with the short
   body of the reference's template: what Odoo itself takes to keep one
   reminder's email, whatever the addon does around it;
6. prints wall time, time per client, SQL queries per client, peak memory
   (RSS of the process), emails queued, events written, and the ratios to the
   references.

Emails are only queued (mail.mail records), never sent: both runs leave them to
Odoo's mail queue. The benchmark databases are not the test database; their
names start with ``--prefix`` (``fd_bench`` by default).
"""

import argparse
import inspect
import json
import os
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


def open_env(config_path, database):
    import odoo
    from odoo import api
    from odoo.tools import config

    config.parse_config(["-c", config_path, "--log-level", "warn"])
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
        move._compute_dunning_level()
        assert (move.dunning_level_id, move.dunning_last_date) == (level, last_date)
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


def phase_engine(args):
    """The scheduled action, as Odoo's cron runner calls it."""
    env = open_env(args.config, args.database)
    cr = env.cr
    shift_dates(env)
    cron = env.ref("freelance_dunning.ir_cron_dunning_run")
    env["ir.config_parameter"].set_param(
        "freelance_dunning.reminder_email_path", args.email_path
    )
    cr.commit()
    mails_before = count(cr, "mail_mail")
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
    cr.close()
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


def mass_mail(env, model, res_ids, template):
    """Time Odoo's mass mail composer sending ``template`` to the records,
    as a user would from a list, and print its figures."""
    cr = env.cr
    mails_before = count(cr, "mail_mail")
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


def build(args, base):
    exists = psql(args, f"SELECT 1 FROM pg_database WHERE datname = '{base}'")
    if exists and not args.rebuild:
        return None
    psql(args, f'DROP DATABASE IF EXISTS "{base}" WITH (FORCE)')
    shutil.rmtree(filestore(args, base), ignore_errors=True)
    start = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "odoo",
            "-c",
            args.config,
            "-d",
            base,
            "-i",
            "freelance_dunning",
            "--without-demo=all",
            "--stop-after-init",
            "--log-level=warn",
        ],
        check=True,
    )
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


PHASES = {
    "build": phase_build,
    "engine": phase_engine,
    "reference": phase_reference,
    "same_email": phase_same_email,
    "store_only": phase_store_only,
}


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
    print(f"machine: {machine()}")
    results = []
    for size in args.size:
        args.size = size
        base = BASE.format(prefix=args.prefix, size=size)
        run = RUN.format(prefix=args.prefix, size=size)
        built = build(args, base)
        copy_database(args, base, run)
        ours = child(args, "engine", run, ["--max-calls", str(args.max_calls)])
        # The same run, the emails posted through Odoo's message_post.
        copy_database(args, base, run + "_odoo")
        odoo = child(
            args,
            "engine",
            run + "_odoo",
            ["--max-calls", str(args.max_calls), "--email-path", "odoo"],
        )
        drop_database(args, run + "_odoo")
        same = store = None
        if args.skip_reference:
            ref = {"seconds": float("nan"), "clients": 1, "queries": 0}
            ref.update(rss_mib=0, emails_queued=0)
        else:
            copy_database(args, base, run + "_ref")
            ref = child(args, "reference", run + "_ref")
            # After the run, on its database: the reminders it sent. Storing
            # only rolls back, so it goes first.
            store = child(args, "store_only", run)
            same = child(args, "same_email", run)
        results.append(report(size, built, ours, ref, same, store, odoo))
    if len(results) > 1:
        print("\nscaling (time ratio for the data ratio):")
        for prev, cur in zip(results, results[1:], strict=False):
            data = SIZES[cur["size"]][1] / SIZES[prev["size"]][1]
            ratio = cur["ours"]["seconds"] / prev["ours"]["seconds"]
            print(
                f"  {prev['size']} -> {cur['size']}: "
                f"{data:.0f} x data, {ratio:.2f} x time"
            )


if __name__ == "__main__":
    main()
