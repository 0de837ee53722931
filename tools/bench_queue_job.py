"""The nightly run as queue_job jobs, on Odoo's prefork server: 1 then 2 workers.

    .venv/bin/python tools/bench_queue_job.py -c .run/odoo.conf --size 1k

1. the base database ``<prefix>_<size>_base`` (``fd_bqjob_1k_base`` by default)
   is built by tools/bench_scale.py's builder (kept for re-runs), then copied to
   ``<prefix>_<size>_qjbase`` where OCA's queue_job and the bridge
   freelance_dunning_queue_job are installed (the addons path gets
   ``--oca-addons``, where ``tools/dev.sh test`` puts queue_job);
2. the plain scheduled action on a copy of the base (bench_scale.py's engine
   phase, no queue_job): the time to compare with;
3. for 1 worker, then 2: a copy of ``qjbase``; the scheduled action's method is
   called once (it queues one job per batch of ``--batch-size`` clients on the
   channel root.freelance_dunning), then Odoo's prefork server starts with
   ``--workers N --load web,queue_job --max-cron-threads 0``
   and ``[queue_job] channels = root:N`` (its own port, 8093 then 8094), its
   job runner runs the jobs; the wall time is from the first job started to
   the last one done (queue_job's own timestamps), the server's start left out;
4. the kill/restart: the same with 2 workers, SIGKILL to the server's whole
   process group once some jobs are done and others are running, a restart,
   and the time until queue_job has requeued the dead jobs and every job is
   done;
5. for each: clients per second, reminders, and the duplicates (reminders of
   the same client, level and date beyond the first; clients with more than
   one email queued), which must be 0; the ratio 2 workers / 1 worker.

Emails are only queued (mail.mail), never sent: no cron thread runs.
"""

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_scale  # noqa: E402 - the benchmark's builder, next to this file

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OCA = Path.home() / ".cache/freelance_dunning/oca-18.0/odoo/addons"
CHANNEL = "root.freelance_dunning"
BUSY = ("wait_dependencies", "pending", "enqueued", "started")


def oca_config(config, oca_addons, path, channels=None, port=None):
    """A copy of the Odoo config with the OCA addons on the path and, for the
    server, queue_job's runner settings."""
    text = Path(config).read_text()
    lines = []
    for line in text.splitlines():
        if line.replace(" ", "").startswith("addons_path="):
            line = f"{line},{oca_addons}"
        lines.append(line)
    if channels:
        lines += [
            "",
            "[queue_job]",
            f"channels = {channels}",
            "scheme = http",
            "host = 127.0.0.1",
            f"port = {port}",
        ]
    Path(path).write_text("\n".join(lines) + "\n")
    return str(path)


def odoo_cmd(config, database, *args):
    return [sys.executable, "-m", "odoo", "-c", config, "-d", database, *args]


def launcher():
    """A script that starts Odoo (as Odoo's own odoo-bin does): the prefork
    server starts its long-polling process again with ``sys.argv[0]``, which
    ``python -m odoo`` leaves unusable."""
    path = REPO / ".run" / "odoo-bin"
    path.write_text("import odoo\n\nodoo.cli.main()\n")
    return str(path)


def phase_enqueue(args):
    """In the copy: today's dates, then the scheduled action's method once."""
    env = bench_scale.open_env(args.config, args.database)
    bench_scale.shift_dates(env)
    # Nightly reminders on, the half-year's reference rate: as the plain run.
    bench_scale.prepare_run(env)
    env["freelance.dunning.engine"].with_context(ir_cron_progress_id=False)._cron_run(
        batch_size=args.batch_size
    )
    env.cr.commit()
    env.cr.execute(
        "SELECT count(*) FROM queue_job WHERE channel = %s AND state = ANY(%s)",
        [CHANNEL, list(BUSY)],
    )
    print(json.dumps({"jobs": env.cr.fetchone()[0]}))
    env.cr.close()


def query(args, database, sql):
    return bench_scale.psql(args, sql, database=database)


def job_states(args, database):
    rows = query(
        args,
        database,
        f"SELECT state, count(*) FROM queue_job WHERE channel = '{CHANNEL}' "
        "GROUP BY state",
    )
    return dict(rows)


def start_server(args, database, workers, port, log_path):
    """Odoo's prefork server with queue_job's runner, in a process group of
    its own (killed as a whole)."""
    config = oca_config(
        args.config,
        args.oca_addons,
        REPO / ".run" / f"bench_queue_job_{port}.conf",
        channels=f"root:{workers}",
        port=port,
    )
    cmd = [
        sys.executable,
        launcher(),
        "-c",
        config,
        "-d",
        database,
        f"--db-filter=^{database}$",
        f"--workers={workers}",
        "--load=web,queue_job",
        "--max-cron-threads=0",
        f"--http-port={port}",
        "--gevent-port=0",
        "--limit-time-real=3600",
        "--limit-time-cpu=3600",
        "--log-level=info",
    ]
    log = open(log_path, "ab")  # noqa: SIM115 - closed with the server
    process = subprocess.Popen(
        cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    process.log = log
    return process


def stop_server(process, sig=signal.SIGTERM):
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass
    try:
        process.wait(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
    process.log.close()


def wait_jobs(args, database, timeout, until=None, server=None):
    """Poll queue_job until no job of the channel is busy (or ``until`` says
    so): the last states seen."""
    deadline = time.monotonic() + timeout
    while True:
        if server is not None and server.poll() is not None:
            raise RuntimeError(f"the server stopped ({server.returncode}): see its log")
        states = job_states(args, database)
        if until(states) if until else not any(states.get(s) for s in BUSY):
            return states
        if time.monotonic() > deadline:
            raise RuntimeError(f"jobs still busy after {timeout} s: {states}")
        time.sleep(0.2 if until else 1)


def facts(args, database):
    """The run's figures and the duplicates, from the database."""
    one = lambda sql: int(query(args, database, sql)[0][0])  # noqa: E731
    started, done = query(
        args,
        database,
        "SELECT extract(epoch FROM min(date_started)), "
        "extract(epoch FROM max(date_done)) "
        f"FROM queue_job WHERE channel = '{CHANNEL}'",
    )[0]
    return {
        "seconds": float(done - started) if started and done else float("nan"),
        "jobs": one(f"SELECT count(*) FROM queue_job WHERE channel = '{CHANNEL}'"),
        "jobs_done": one(
            f"SELECT count(*) FROM queue_job WHERE channel = '{CHANNEL}' "
            "AND state = 'done'"
        ),
        "retries": one(
            f"SELECT coalesce(sum(retry - 1), 0) FROM queue_job "
            f"WHERE channel = '{CHANNEL}' AND state = 'done'"
        ),
        "run_clients": one(
            "SELECT coalesce(sum(partner_count), 0) FROM freelance_dunning_run"
        ),
        "run_reminders": one(
            "SELECT coalesce(sum(reminder_count), 0) FROM freelance_dunning_run"
        ),
        "reminders": one("SELECT count(*) FROM freelance_dunning_reminder"),
        "clients_reminded": one(
            "SELECT count(DISTINCT partner_id) FROM freelance_dunning_reminder"
        ),
        "duplicate_reminders": one(
            "SELECT coalesce(sum(n - 1), 0) FROM (SELECT count(*) AS n "
            "FROM freelance_dunning_reminder GROUP BY partner_id, level_id, date) d"
        ),
        "emails": one(
            "SELECT count(*) FROM mail_mail m JOIN freelance_dunning_reminder f "
            "ON f.mail_message_id = m.mail_message_id"
        ),
        "clients_emailed_twice": one(
            "SELECT count(*) FROM (SELECT r.res_partner_id FROM mail_mail m "
            "JOIN freelance_dunning_reminder f "
            "ON f.mail_message_id = m.mail_message_id "
            "JOIN mail_mail_res_partner_rel r ON r.mail_mail_id = m.id "
            "GROUP BY r.res_partner_id HAVING count(*) > 1) d"
        ),
    }


def enqueue(args, database):
    """The scheduled action's method, once, in the copy: the jobs queued."""
    jobs = _enqueue(args, database)
    if not jobs:
        raise RuntimeError(f"{database}: the scheduled action queued no job")
    return jobs


def _enqueue(args, database):
    out = subprocess.run(
        [
            sys.executable,
            __file__,
            "-c",
            oca_config(
                args.config, args.oca_addons, REPO / ".run" / "bench_queue_job.conf"
            ),
            "--phase",
            "enqueue",
            "--database",
            database,
            "--batch-size",
            str(args.batch_size),
        ],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])["jobs"]


def measure(args, qjbase, workers, port):
    database = f"{qjbase.removesuffix('_qjbase')}_w{workers}"
    bench_scale.copy_database(args, qjbase, database)
    jobs = enqueue(args, database)
    log = REPO / ".run" / f"bench_queue_job_w{workers}.log"
    log.unlink(missing_ok=True)
    server = start_server(args, database, workers, port, log)
    try:
        wait_jobs(args, database, args.timeout, server=server)
    finally:
        stop_server(server)
    result = facts(args, database)
    result["queued"] = jobs
    bench_scale.drop_database(args, database)
    return result


def kill_restart(args, qjbase, port):
    """2 workers, SIGKILL of the whole server mid-run, a restart."""
    database = f"{qjbase.removesuffix('_qjbase')}_kill"
    bench_scale.copy_database(args, qjbase, database)
    enqueue(args, database)
    log = REPO / ".run" / "bench_queue_job_kill.log"
    log.unlink(missing_ok=True)
    server = start_server(args, database, 2, port, log)
    try:
        at_kill = wait_jobs(
            args,
            database,
            args.timeout,
            until=lambda s: s.get("done", 0) >= 1 and s.get("started", 0) >= 1,
            server=server,
        )
    finally:
        stop_server(server, signal.SIGKILL)
    killed_at = time.monotonic()
    server = start_server(args, database, 2, port, log)
    try:
        wait_jobs(args, database, args.timeout, server=server)
    finally:
        stop_server(server)
    result = facts(args, database)
    result["recovery_seconds"] = time.monotonic() - killed_at
    result["at_kill"] = at_kill
    bench_scale.drop_database(args, database)
    return result


def build_qjbase(args, base, qjbase):
    exists = bench_scale.psql(
        args, f"SELECT 1 FROM pg_database WHERE datname = '{qjbase}'"
    )
    if exists and not args.rebuild:
        return
    bench_scale.copy_database(args, base, qjbase)
    config = oca_config(
        args.config, args.oca_addons, REPO / ".run" / "bench_queue_job.conf"
    )
    subprocess.run(
        odoo_cmd(
            config,
            qjbase,
            "-i",
            "queue_job,freelance_dunning_queue_job",
            "--stop-after-init",
            "--log-level=warn",
        ),
        check=True,
    )


def line(name, r, plain_seconds):
    return (
        f"  {name:<22} {r['seconds']:8.1f} s  {r['run_clients'] / r['seconds']:7.1f} "
        f"clients/s  {r['jobs']:3d} jobs ({r['retries']} retried)  "
        f"{r['reminders']:5d} reminders  {r['emails']:5d} emails  "
        f"duplicates {r['duplicate_reminders']} / {r['clients_emailed_twice']}  "
        f"x{plain_seconds / r['seconds']:.2f} vs plain cron"
    )


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-c", "--config", default=".run/odoo.conf")
    parser.add_argument("--size", choices=sorted(bench_scale.SIZES), default="1k")
    parser.add_argument("--prefix", default="fd_bqjob")
    parser.add_argument("--oca-addons", default=str(DEFAULT_OCA))
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--timeout", type=int, default=3600)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--stored-pdf", action="store_true")
    parser.add_argument("--skip-kill", action="store_true")
    parser.add_argument("--phase", choices=["enqueue"])
    parser.add_argument("--database")
    args = parser.parse_args()
    if args.phase:
        phase_enqueue(args)
        return
    args.max_calls = 0
    print(f"machine: {bench_scale.machine()}")
    base = bench_scale.BASE.format(prefix=args.prefix, size=args.size)
    qjbase = f"{args.prefix}_{args.size}_qjbase"
    bench_scale.build(args, base)
    build_qjbase(args, base, qjbase)
    for database in (base, qjbase):
        # The scheduled action reminds the companies whose nightly reminders
        # were switched on (off in a new database).
        query(args, database, "UPDATE res_company SET nightly_reminders = true")
    plain_db = f"{args.prefix}_{args.size}_plain"
    bench_scale.copy_database(args, base, plain_db)
    plain = bench_scale.child(args, "engine", plain_db, ["--max-calls", "0"])
    bench_scale.drop_database(args, plain_db)
    print(f"plain cron: {json.dumps(plain)}", flush=True)
    one = measure(args, qjbase, 1, 8093)
    print(f"1 worker: {json.dumps(one)}", flush=True)
    two = measure(args, qjbase, 2, 8094)
    print(f"2 workers: {json.dumps(two)}", flush=True)
    print(
        f"\nqueue_job, {args.size} ({plain['clients']} clients, batches of "
        f"{args.batch_size}), prefork server, channel {CHANNEL}:"
    )
    print(
        f"  {'plain cron (1 process)':<22} {plain['seconds']:8.1f} s  "
        f"{plain['clients'] / plain['seconds']:7.1f} clients/s  "
        f"{plain['reminders']:5d} reminders  {plain['emails_queued']:5d} emails"
    )
    print(line("queue_job, 1 worker", one, plain["seconds"]))
    print(line("queue_job, 2 workers", two, plain["seconds"]))
    print(f"  throughput 2 workers / 1 worker: {one['seconds'] / two['seconds']:.2f} x")
    results = {"plain": plain, "workers_1": one, "workers_2": two}
    if not args.skip_kill:
        kill = kill_restart(args, qjbase, 8094)
        print(f"kill/restart: {json.dumps(kill)}", flush=True)
        print(line("killed and restarted", kill, plain["seconds"]))
        print(
            f"  killed with jobs {kill['at_kill']}; recovered (restart, dead jobs "
            f"requeued, all done) in {kill['recovery_seconds']:.1f} s"
        )
        results["kill"] = kill
    bad = [
        name
        for name, r in results.items()
        if name != "plain"
        and (
            r["duplicate_reminders"]
            or r["clients_emailed_twice"]
            or r["jobs_done"] != r["jobs"]
            or r["run_clients"] != plain["clients"]
            or r["reminders"] != plain["reminders"]
            or r["emails"] != plain["emails_queued"]
        )
    ]
    print(
        "duplicates: 0, every job done, same clients and reminders as the plain cron"
        if not bad
        else f"FAILED: {', '.join(bad)} differ from the plain cron or have duplicates"
    )
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
