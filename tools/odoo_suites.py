#!/usr/bin/env python3
"""Odoo's own test suites as a regression check of the addons (README, For integrators).

Runs the tests of Odoo's sale flows (and of OCA's credit-control addons when
they are on the addons path) with Odoo's own runner on three databases:

  base  the suites' modules, without our addons
  off   the same with freelance_dunning and its bridges, the deposit and work
        gate rules switched off for every company, including the companies
        the tests create (a global default on res.company, see rules_off())
  on    the same with the rules on (what the addon does out of the box)

and prints, for each suite, passed/failed per configuration, the failures of
`on` grouped by their error's first line (each marked as one of the addon's
refusals, a failed assertion of Odoo's test, or another traceback), and the
tests that fail with the rules off but pass without the addon.

Exit status: 0; 1 when a test fails with the rules off and passes without the
addon (the rules off must leave Odoo's flows alone); 2 when a database could
not be built or a run executed no test.

The databases are built once (install logs in .run/suites/) and reused, our
addons updated in them at each run (--rebuild builds them afresh). It is CPU
heavy: while developing, narrow it with --suites and --test-tags, e.g.

  tools/odoo_suites.py --suites sale --test-tags /sale:TestSaleOnchanges
"""

import argparse
import collections
import configparser
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUN_DIR = REPO / ".run"
LOG_DIR = RUN_DIR / "suites"
PY = sys.executable

SUITES = (
    "sale",
    "sale_management",
    "account_payment",
    "sale_project",
    "sale_timesheet",
    "sale_stock",
    "website_sale",
)
# OCA's credit-control addons: tested too when found on the addons path
# (pip install --no-deps --target DIR odoo-addon-account_credit_control ...,
# then --extra-addons DIR/odoo/addons).
OCA_SUITES = ("account_credit_control", "account_invoice_overdue_reminder")
OUR_ADDONS = (
    "freelance_dunning",
    "freelance_dunning_project",
    "freelance_dunning_stock",
    "freelance_dunning_timesheet",
    "freelance_dunning_website_sale",
)
# The company settings switching the addon's sale rules on or off.
RULE_FIELDS = ("deposit_required", "work_gate_required")
CONFIGS = ("base", "off", "on")

# "2025-01-31 12:34:56,789 4242 ERROR db odoo.addons.sale.tests.test_x: msg"
LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ (?P<level>[A-Z]+) \S+ "
    r"(?P<logger>[\w.]+): (?P<msg>.*)$"
)
TEST_LOGGER = re.compile(r"^odoo\.addons\.(?P<module>\w+)\.tests\b")
TEST_IN_TEXT = re.compile(
    r"odoo\.addons\.(?P<module>\w+)\.tests\.[\w.]*?(?P<cls>\w+)\)"
)
STARTING = re.compile(r"^Starting (?P<test>[\w.]+) \.\.\.$")
SKIPPED = re.compile(r"^skipped (?P<test>[\w.]+) :")
FAILURE = re.compile(r"^(?P<kind>FAIL|ERROR): (?P<desc>.*)$")
SUBTEST = re.compile(r"^Subtest (?P<test>[\w.]+) ")
# The exception line closing a traceback: "odoo.exceptions.UserError: msg".
EXCEPTION = re.compile(r"^(?P<type>[A-Za-z_][\w.]*)(?:: (?P<msg>.*))?$")
FRAME = re.compile(r'^  File "(?P<file>[^"]+)", line \d+')
# Loggers of the runner's own counts ("1 failed, 2 error(s) of 190 tests").
RUN_SUMMARY = {"odoo.tests.result", "odoo.modules.loading"}
REFUSALS = {
    "odoo.exceptions.UserError",
    "odoo.exceptions.ValidationError",
    "odoo.exceptions.AccessError",
    "odoo.exceptions.RedirectWarning",
}


def say(msg):
    print(f"==> {msg}", file=sys.stderr, flush=True)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Odoo:
    """The Odoo command line, with the repository's config and addons path."""

    def __init__(self, conf, extra_addons, demo):
        self.conf = conf
        self.demo = demo
        parser = configparser.ConfigParser(interpolation=None)
        parser.read(conf)
        self.options = parser["options"]
        self.addons_paths = [
            path.strip() for path in self.options["addons_path"].split(",")
        ] + list(extra_addons)

    def cmd(self, *args):
        """odoo [subcommand] -c CONF --addons-path=... [args]"""
        return [
            PY,
            "-m",
            "odoo",
            *args[:1],
            "-c",
            self.conf,
            f"--addons-path={','.join(self.addons_paths)}",
            *args[1:],
        ]

    def server(self, db, *args):
        return [
            *self.cmd(),
            "-d",
            db,
            f"--http-port={free_port()}",
            "--stop-after-init",
            *([] if self.demo else ["--without-demo=all"]),
            *args,
        ]

    def available(self, module):
        return any(
            (Path(path) / module / "__manifest__.py").exists()
            for path in self.addons_paths
        )

    def db_exists(self, db):
        """Whether the database exists, asked with psql to Odoo's server."""
        env = dict(os.environ)
        for key, var in (("db_host", "PGHOST"), ("db_port", "PGPORT")):
            if self.options.get(key, "False") not in ("", "False"):
                env[var] = self.options[key]
        env["PGUSER"] = self.options.get("db_user", "odoo")
        out = subprocess.run(
            ["psql", "-d", "postgres", "-Atc", "SELECT datname FROM pg_database"],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        return db in out.stdout.split()


def importable(module):
    try:
        __import__(module)
    except ImportError:
        return False
    return True


def run_logged(cmd, log_path):
    with open(log_path, "w") as log:
        return subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode


def build(odoo, dbs, modules, rebuild, configs=CONFIGS):
    """The databases: base has the suites' modules, off/on add ours. Only
    those of ``configs`` are updated (two runs of different configurations
    may work at once)."""
    LOG_DIR.mkdir(parents=True, exist_ok=True)
    base = dbs["base"]
    if rebuild or not odoo.db_exists(base):
        for db in dbs.values():
            subprocess.run(odoo.cmd("db", "drop", db), capture_output=True)
        say(f"Installing {', '.join(modules)} into {base} (log: .run/suites/)")
        log = LOG_DIR / f"{base}_install.log"
        if run_logged(odoo.server(base, "-i", ",".join(modules)), log):
            sys.exit(f"ERROR: install of {base} failed, see {log}")
    for config in ("off", "on"):
        db = dbs[config]
        if config not in configs and odoo.db_exists(db):
            continue
        if not rebuild and odoo.db_exists(db):
            # Reused: bring our addons' tables and data up to the code.
            say(f"Updating {', '.join(OUR_ADDONS)} in {db}")
            log = LOG_DIR / f"{db}_update.log"
            if run_logged(odoo.server(db, "-u", ",".join(OUR_ADDONS)), log):
                sys.exit(f"ERROR: update of our addons in {db} failed, see {log}")
            continue
        subprocess.run(odoo.cmd("db", "drop", db), capture_output=True)
        say(f"Copying {base} to {db}, installing {', '.join(OUR_ADDONS)}")
        copy = subprocess.run(
            odoo.cmd("db", "duplicate", base, db), capture_output=True, text=True
        )
        if copy.returncode:
            print(copy.stdout, copy.stderr, file=sys.stderr)
            sys.exit(f"ERROR: could not copy {base} to {db}")
        log = LOG_DIR / f"{db}_install.log"
        if run_logged(odoo.server(db, "-i", ",".join(OUR_ADDONS)), log):
            sys.exit(f"ERROR: install of our addons into {db} failed, see {log}")


# Run in `odoo shell`: the rules of every company, and of the companies
# created later (a global ir.default on res.company, which default_get reads
# before the field's own default).
RULES_SCRIPT = """
fields = {fields!r}
on = {on!r}
companies = env["res.company"].with_context(active_test=False).search([])
companies.write(dict.fromkeys(fields, on))
defaults = env["ir.default"].search(
    [("field_id.model", "=", "res.company"), ("field_id.name", "in", fields)]
)
defaults.unlink()
if not on:
    for fname in fields:
        env["ir.default"].set("res.company", fname, False)
env.cr.commit()
print("rules", "on" if on else "off", "for", len(companies), "companies")
"""


def set_rules(odoo, db, on):
    script = RULES_SCRIPT.format(fields=RULE_FIELDS, on=on)
    result = subprocess.run(
        [*odoo.cmd("shell"), "-d", db, "--no-http", "--log-level=warn"],
        input=script,
        capture_output=True,
        text=True,
    )
    if result.returncode or "rules" not in result.stdout:
        sys.exit(f"ERROR: could not switch the rules in {db}:\n{result.stderr}")


# Odoo's last words after a test run; the process may then hang in Python's
# exit, waiting for a request thread a browser tour left behind.
SHUTDOWN = re.compile(r" odoo\.service\.server: Initiating shutdown")
SHUTDOWN_GRACE = 60  # seconds to exit on its own after the shutdown line


def run_until_shutdown(cmd, log_path):
    """Run the test server in its own process group (with the browsers its
    tours start); once it logged its shutdown, give it SHUTDOWN_GRACE seconds
    to exit, then end the group. The log is complete by then."""
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            cmd, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
    shutdown_at, offset, tail = None, 0, ""
    while proc.poll() is None:
        time.sleep(2)
        if shutdown_at is None:
            with open(log_path, errors="replace") as log:
                log.seek(offset)
                chunk = log.read()
                offset = log.tell()
            lines = (tail + chunk).split("\n")
            tail = lines.pop()
            if any(SHUTDOWN.search(line) for line in lines):
                shutdown_at = time.monotonic()
        elif time.monotonic() - shutdown_at > SHUTDOWN_GRACE:
            say(
                f"Odoo logged its shutdown but did not exit: ending it "
                f"({log_path.name})"
            )
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 10)):
                try:
                    os.killpg(proc.pid, sig)
                    proc.wait(wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
                except ProcessLookupError:
                    break
    # The browsers of the tours, if any outlived the server.
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    return proc.wait()


def run_tests(odoo, db, tags, config):
    log = LOG_DIR / f"{db}_tests.log"
    say(f"Running {tags} on {db} ({config}), log: {log.relative_to(REPO)}")
    started = time.monotonic()
    run_until_shutdown(odoo.server(db, "--test-enable", f"--test-tags={tags}"), log)
    say(f"{config}: ran in {(time.monotonic() - started) / 60:.1f} min")
    return parse_log(log)


class Report:
    """What a test run's log says, per suite (Odoo module of the tests)."""

    def __init__(self):
        self.run = collections.defaultdict(set)
        self.skipped = collections.defaultdict(set)
        # suite -> test -> (kind, first line of the error, raised in our code)
        self.failed = collections.defaultdict(dict)
        # ERROR/CRITICAL lines that are no test's failure (logger: message)
        self.log_errors = collections.Counter()

    def passed(self, suite):
        return self.run[suite] - self.skipped[suite] - set(self.failed[suite])


def parse_log(path):
    report = Report()
    lines = path.read_text(errors="replace").splitlines()
    # What our addons said during the test running (see evidence())
    current, said = None, collections.defaultdict(list)
    i = 0
    while i < len(lines):
        match = LOG_LINE.match(lines[i])
        i += 1
        if not match:
            continue
        msg, logger = match["msg"].rstrip(), match["logger"]
        suite = TEST_LOGGER.match(logger)
        if match["level"] == "INFO" and suite:
            if started := STARTING.match(msg):
                report.run[suite["module"]].add(started["test"])
                current = started["test"]
            elif skipped := SKIPPED.match(msg):
                report.skipped[suite["module"]].add(skipped["test"])
            continue
        if current and (
            (logger == "odoo.http" and match["level"] == "WARNING")
            or (logger.startswith("odoo.addons.freelance_dunning") and HELD.match(msg))
        ):
            said[current].append(msg)
        failure = FAILURE.match(msg) if match["level"] == "ERROR" else None
        if not failure:
            if match["level"] in ("ERROR", "CRITICAL") and logger not in RUN_SUMMARY:
                report.log_errors[f"{logger}: {message_group(msg)[:120]}"] += 1
            continue
        block = []
        while i < len(lines) and not LOG_LINE.match(lines[i]):
            block.append(lines[i])
            i += 1
        desc = failure["desc"]
        if sub := SUBTEST.match(desc):
            desc = sub["test"]
        elif holder := TEST_IN_TEXT.search(desc):
            # setUpClass (odoo.addons.sale.tests.test_x.TestX): no test ran
            suite, desc = holder, f"{holder['cls']} ({desc.split(' ')[0]})"
        if not suite:
            continue
        kind, message, ours = classify(failure["kind"], block)
        if kind != "refusal":
            kind, message = evidence(said.get(desc, ()), kind, message)
        report.failed[suite["module"]].setdefault(desc, (kind, message, ours))
    return report


# "Rule held: a quotation paid online before ... [S00042, tx-ref]" (logged by
# our addons where a rule stops Odoo's flow short without raising)
HELD = re.compile(r"^Rule held: ")


def evidence(said, kind, message):
    """A test that failed on an assertion or in a browser tour, not on an
    exception of our addons: was it one of the addon's rules?

    - the web client showed one of our refusals (Odoo's HTTP layer logs the
      UserError a tour's click got as a warning): a refusal;
    - our addons logged "Rule held: ..." (a payment of an unsigned quotation
      kept without confirming it): the rule held the flow, as documented.
    Otherwise the failure stays what it is."""
    if not OUR_MESSAGES:
        OUR_MESSAGES.extend(our_messages())
    for msg in said:
        if HELD.match(msg):
            # "Rule held: <what> [<records>]": grouped by what happened
            return "held", re.sub(r" \[[^\]]*\]$", "", msg)
        if any(pattern.fullmatch(msg) for pattern in OUR_MESSAGES):
            return "refusal", f"UserError (in the web client): {msg}"
    return kind, message


def our_messages():
    """Regular expressions matching the first line of each of our addons'
    translatable messages (from their .pot files), placeholders as wildcards."""
    patterns = []
    for pot in sorted(REPO.glob("freelance_dunning*/i18n/*.pot")):
        entries = re.findall(r'^msgid ((?:".*"\n)+)', pot.read_text(), re.M)
        for entry in entries:
            text = "".join(re.findall(r'"(.*)"', entry))
            text = text.encode().decode("unicode_escape", "ignore")
            first = text.split("\n", 1)[0].strip()
            if len(first) < 20:  # a label, not a message
                continue
            parts = re.split(r"%\(\w+\)[sdf]|%[sdf]", first.replace("%%", "%"))
            patterns.append(re.compile(".+?".join(map(re.escape, parts))))
    return patterns


OUR_MESSAGES = []


def classify(flavour, block):
    """(kind, first line of the error, raised by our addons) of a traceback:
    a refusal is a UserError/ValidationError/AccessError with one of our
    addons' messages, whoever raised it (sale's action_confirm raises the
    message of our _confirmation_error_message hook)."""
    last_frame, exception = None, None
    for line in block:
        if frame := FRAME.match(line):
            last_frame, exception = frame["file"], None
        elif exception is None and last_frame and line and not line.startswith(" "):
            exception = EXCEPTION.match(line)
    if exception is None:
        return ("traceback", (block[-1] if block else "?").strip(), False)
    message = (exception["msg"] or "").strip() or exception["type"]
    if not OUR_MESSAGES:
        OUR_MESSAGES.extend(our_messages())
    ours = any(pattern.fullmatch(message) for pattern in OUR_MESSAGES)
    if flavour == "FAIL":
        kind = "assertion"
    elif exception["type"] in REFUSALS and ours:
        kind = "refusal"
    else:
        kind = "traceback"
    return kind, f"{exception['type'].rsplit('.', 1)[-1]}: {message}", ours


def message_group(message):
    """A message without its record names and numbers (S00042, 1200.0)."""
    return re.sub(r"\b[\w/-]*\d(?:[\w/.,-]*\w)?", "<n>", message)


def print_table(reports, suites, configs):
    width = max(len(s) for s in suites)
    print()
    print(f"{'suite':<{width}}  " + "  ".join(f"{c:>10}" for c in configs))
    for suite in suites:
        cells = [
            f"{len(reports[c].passed(suite))}/{len(reports[c].failed[suite])}"
            f"/{len(reports[c].skipped[suite])}"
            for c in configs
        ]
        print(f"{suite:<{width}}  " + "  ".join(f"{cell:>10}" for cell in cells))
    print(f"{'':<{width}}  (passed/failed/skipped per configuration)")


def off_regressions(reports, suites):
    """Tests failing with the rules off that pass without the addon."""
    regressions = []
    for suite in suites:
        base_ok = reports["base"].passed(suite)
        base_classes = {test.rsplit(".", 1)[0] for test in base_ok}
        for test, (kind, message, _ours) in sorted(
            reports["off"].failed[suite].items()
        ):
            # "TestX (setUpClass)": no test of the class ran
            if test in base_ok or test.split(" (")[0] in base_classes:
                regressions.append((suite, test, kind, message))
    print()
    if regressions:
        print(
            f"Rules off: {len(regressions)} test(s) fail that pass without the addon:"
        )
        for suite, test, kind, message in regressions:
            print(f"  {suite}: {test} [{kind}] {message}")
    else:
        print("Rules off: no test fails that passes without the addon.")
    return regressions


def print_on_failures(reports, suites):
    """The failures with the rules on that do not happen without the addon,
    grouped by their error's first line, refusals first."""
    groups = collections.defaultdict(list)
    base_failed = reports["base"].failed if "base" in reports else {}
    for suite in suites:
        for test, (kind, message, _ours) in reports["on"].failed[suite].items():
            if test not in base_failed.get(suite, {}):
                groups[(kind, message_group(message))].append(f"{suite}: {test}")
    print()
    total = sum(len(tests) for tests in groups.values())
    print(f"Rules on: {total} failure(s) not seen without the addon, by message:")
    order = {"refusal": 0, "held": 1, "assertion": 2, "traceback": 3}
    for (kind, message), tests in sorted(
        groups.items(), key=lambda g: (order[g[0][0]], -len(g[1]))
    ):
        flag = (
            "" if kind in ("refusal", "held") else "  <-- not one of the addon's rules"
        )
        print(f"  {len(tests):4}  [{kind}] {message[:160]}{flag}")
        for test in sorted(tests)[:3]:
            print(f"          {test}")
        if len(tests) > 3:
            print(f"          ... and {len(tests) - 3} more")


def print_log_errors(reports):
    """Errors logged outside the tests' own failures (a scheduled action's
    traceback, a bad query...) that are not logged without the addon."""
    base_errors = reports["base"].log_errors if "base" in reports else {}
    for config in ("off", "on"):
        if config not in reports:
            continue
        errors = [
            (count, line)
            for line, count in reports[config].log_errors.items()
            if line not in base_errors
        ]
        if errors:
            print()
            print(f"Rules {config}: errors logged, not logged without the addon:")
            for count, line in sorted(errors, reverse=True)[:10]:
                print(f"  {count:4}  {line}")


def print_report(reports, suites, configs):
    """Print the report; return the regressions of the rules off."""
    print_table(reports, suites, configs)
    regressions = []
    if "base" in reports and "off" in reports:
        regressions = off_regressions(reports, suites)
    if "on" in reports:
        print_on_failures(reports, suites)
    print_log_errors(reports)
    return regressions


def main():
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("-c", "--config", default=str(RUN_DIR / "odoo.conf"))
    parser.add_argument(
        "--prefix",
        default=os.environ.get("FD_SUITES_DB", "fd_suites"),
        help="database names: PREFIX_base, PREFIX_off, PREFIX_on (default fd_suites, "
        "or $FD_SUITES_DB)",
    )
    parser.add_argument(
        "--suites",
        help=f"comma-separated Odoo modules (default: {','.join(SUITES)}, "
        "plus OCA's credit-control addons when found)",
    )
    parser.add_argument(
        "--test-tags", help="Odoo --test-tags (default: /suite for each suite)"
    )
    parser.add_argument(
        "--extra-addons",
        action="append",
        default=[],
        help="a folder added to the addons path (e.g. where OCA's addons are)",
    )
    parser.add_argument(
        "--configs", default=",".join(CONFIGS), help="which of base,off,on to run"
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="build the databases with demo data (default: without, as a live "
        "database; applies when a database is built)",
    )
    parser.add_argument(
        "--rebuild", action="store_true", help="drop and rebuild the three databases"
    )
    parser.add_argument(
        "--report",
        action="store_true",
        help="run nothing: print the report from the configurations' last logs "
        "in .run/suites/ (e.g. after running them one at a time with --configs)",
    )
    args = parser.parse_args()
    if not Path(args.config).exists():
        sys.exit("ERROR: no Odoo config: run `tools/dev.sh setup` first")
    odoo = Odoo(args.config, args.extra_addons, args.demo)
    if args.suites:
        suites = args.suites.split(",")
    else:
        suites = list(SUITES) + [m for m in OCA_SUITES if odoo.available(m)]
    configs = args.configs.split(",")
    dbs = {config: f"{args.prefix}_{config}" for config in CONFIGS}
    # Same databases whichever suites run: Odoo's and OCA's found.
    modules = sorted({*SUITES, *suites, *(m for m in OCA_SUITES if odoo.available(m))})
    reports = {}
    if args.report:
        for config in configs:
            log = LOG_DIR / f"{dbs[config]}_tests.log"
            if not log.exists():
                sys.exit(f"ERROR: no log of {config}: {log} (run it first)")
            reports[config] = parse_log(log)
        return 1 if print_report(reports, suites, configs) else 0

    missing = [name for name in ("websocket",) if not importable(name)]
    if missing:
        sys.exit(
            "ERROR: Odoo's browser tests need the websocket-client package in "
            f"{PY}: without it, Odoo skips every tour (run `make odoo-suites`)"
        )
    build(odoo, dbs, modules, args.rebuild, configs)
    tags = args.test_tags or ",".join(f"/{suite}" for suite in suites)
    for config in configs:
        if config != "base":
            set_rules(odoo, dbs[config], on=config == "on")
        reports[config] = run_tests(odoo, dbs[config], tags, config)
        if not any(reports[config].run.values()):
            sys.exit(f"ERROR: no test ran on {dbs[config]}, see {LOG_DIR}")
    regressions = print_report(reports, suites, configs)
    return 1 if regressions else 0


if __name__ == "__main__":
    sys.exit(main())
