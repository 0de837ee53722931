#!/usr/bin/env python3
"""Fresh-database install check and test run of every addon of the repository.

Called by `tools/dev.sh test` (make test, CI) once the venv, the Odoo 18 check,
PostgreSQL and the Odoo config are ready, and after lint (its exit status is
passed in, so that a lint failure still fails the run but the tests still run).

1. drop the test database, then install ALL installable addons of the repository
   with demo data; fail if odoo fails or its log (.run/install.log) has any
   WARNING, ERROR or CRITICAL line;
2. pytest-odoo on <addon>/tests and, in the same run, on the repository's
   system tests (tests_system/, never imported by Odoo's runner): fault and
   concurrency tests with dunning workers in processes of their own on
   scratch copies of the database, and test_lifecycle.py, which installs,
   upgrades and uninstalls the addons with Odoo subprocesses on a scratch
   database <database>_lifecycle (logs: .run/lifecycle/), and test_wheels.py,
   which builds the addons' wheels, installs one into a new virtual
   environment and runs one of its tests from there on <database>_wheel
   (logs: .run/wheel/); HttpCase classes
   are deselected (conftest.py) because pytest-odoo cannot run them;
3. Odoo's own runner for the HttpCase classes, tagged `fd_http` by convention
   (log: .run/http_tests.log);
4. the bridges to OCA addons (freelance_dunning_queue_job, which depends on
   queue_job) are left out of that database: installing queue_job there would
   turn the nightly run into jobs under the system tests. They are installed
   with the OCA addons they need (from --oca-addons, the folder `tools/dev.sh
   test` fills from PyPI) and freelance_dunning in a database of their own,
   <database>_queue_job (log: .run/install_queue_job.log, the same check of its
   WARNING lines), and their tests run there (pytest-odoo), with
   tests_system/test_queue_job_kill.py (Odoo's prefork server and queue_job's
   job runner killed mid-run and restarted);
5. print `N passed, N failed` (all runners) as the very last line.
"""

import argparse
import ast
import re
import socket
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RUN_DIR = REPO / ".run"
PY = sys.executable  # the venv's python (dev.sh runs us with it)
# Odoo log format: "2025-01-31 12:34:56,789 4242 WARNING fd_test odoo.x: msg"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ ([A-Z]+) ")
BAD_LEVELS = {"WARNING", "ERROR", "CRITICAL"}
# odoo/tests/result.py OdooTestResult.__str__ + odoo/service/server.py
ODOO_SUMMARY = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
HTTP_TAG = "fd_http"
# Multi-process tests of the repository, run by pytest only (see its __init__).
SYSTEM_TESTS = REPO / "tests_system"
# The system test of the queue_job bridge: in the bridges' database only.
QUEUE_JOB_SYSTEM_TEST = SYSTEM_TESTS / "test_queue_job_kill.py"


def say(msg):
    print(f"==> {msg}", flush=True)


# Odoo addons installed with ours in the test database: payment_demo, Odoo's
# test payment provider, for the portal tour that pays a deposit online.
EXTRA_ADDONS = ["payment_demo"]
# The OCA addons some bridges depend on; those bridges get their own database.
OCA_ADDONS = {"queue_job"}
DEFAULT_OCA_DIR = Path.home() / ".cache/freelance_dunning/oca-18.0/odoo/addons"


def installable_addons(addons_dir, oca=False):
    """The installable addons of the repository: those that need no OCA addon,
    or (``oca``) those that do."""
    addons = []
    for manifest in sorted(addons_dir.glob("*/__manifest__.py")):
        values = ast.literal_eval(manifest.read_text())
        needs_oca = bool(OCA_ADDONS & set(values.get("depends", [])))
        if values.get("installable", True) and needs_oca == oca:
            addons.append(manifest.parent.name)
    return addons


def oca_config(conf, oca_dir):
    """A copy of the Odoo config with the OCA addons folder on the addons path."""
    text = Path(conf).read_text()
    text = re.sub(
        r"^(addons_path\s*=\s*)(.*)$",
        lambda m: f"{m.group(1)}{m.group(2)},{oca_dir}",
        text,
        count=1,
        flags=re.M,
    )
    path = RUN_DIR / "odoo_oca.conf"
    path.write_text(text)
    return str(path)


def run_logged(cmd, log_path):
    """Run cmd with stdout+stderr into log_path; return its exit status."""
    with open(log_path, "w") as log:
        return subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT).returncode


def bad_log_lines(log_path):
    return [
        line.rstrip()
        for line in log_path.read_text(errors="replace").splitlines()
        if (m := LOG_LINE.match(line)) and m.group(1) in BAD_LEVELS
    ]


def fresh_install(conf, db, addons, problems, log_name="install.log"):
    """Drop db, install the addons with demo data. True if usable for tests."""
    drop = subprocess.run(
        [PY, "-m", "odoo", "db", "-c", conf, "drop", db],
        capture_output=True,
        text=True,
    )
    if drop.returncode and "does not exist" not in drop.stdout + drop.stderr:
        problems.append(f"could not drop database {db}:\n{drop.stdout}{drop.stderr}")
        return False
    log = RUN_DIR / log_name
    installed = ",".join(addons + EXTRA_ADDONS)
    say(f"Installing {installed} in a fresh database {db} (log: {log})")
    t0 = time.monotonic()
    rc = run_logged(
        [PY, "-m", "odoo", "-c", conf, "-d", db, "-i", installed]
        + ["--stop-after-init", "--log-level=info"],
        log,
    )
    say(f"install finished in {time.monotonic() - t0:.0f}s with exit status {rc}")
    bad = bad_log_lines(log)
    if bad:
        problems.append(
            f"install log has {len(bad)} WARNING/ERROR/CRITICAL line(s):\n  "
            + "\n  ".join(bad)
        )
    if rc:
        tail = "\n  ".join(log.read_text(errors="replace").splitlines()[-30:])
        problems.append(f"install of {db} exited with status {rc}; log tail:\n  {tail}")
        return False
    return True


def run_pytest(conf, db, addons_dir, addons, problems, system=True, xml_name=None):
    """pytest-odoo on every <addon>/tests and (``system``) on tests_system/, in
    one run; without ``system``, on the queue_job bridge's system test only.
    Returns (passed, failed, skipped)."""
    test_dirs = [str(addons_dir / a / "tests") for a in addons]
    test_dirs = [d for d in test_dirs if Path(d).is_dir()]
    if not test_dirs:
        problems.append("pytest: no <addon>/tests folder, zero tests collected")
        return 0, 0, 0
    ignore = []
    if not system:
        test_dirs.append(str(QUEUE_JOB_SYSTEM_TEST))
    elif SYSTEM_TESTS.is_dir():
        test_dirs.append(str(SYSTEM_TESTS))
        ignore = ["--ignore", str(QUEUE_JOB_SYSTEM_TEST)]
    else:
        problems.append(f"pytest: no {SYSTEM_TESTS} folder")
    xml = RUN_DIR / (xml_name or "pytest.xml")
    xml.unlink(missing_ok=True)
    cmd = [PY, "-m", "pytest", "--odoo-config", conf, "--odoo-database", db]
    cmd += ["--junitxml", str(xml), "-o", "junit_family=xunit2", *ignore]
    if REPO not in addons_dir.parents and addons_dir != REPO:
        # conftest.py is only auto-loaded for paths under the repository.
        cmd += ["-p", "conftest"]
    say("pytest-odoo: " + " ".join(cmd[2:] + test_dirs))
    rc = subprocess.run(cmd + test_dirs, cwd=REPO).returncode
    if not xml.exists():
        problems.append(f"pytest exited with status {rc} and wrote no report")
        return 0, 1, 0
    suite = ET.parse(xml).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    total, failures, errors, skipped = (
        int(suite.get(k, 0)) for k in ("tests", "failures", "errors", "skipped")
    )
    if total == 0:
        problems.append("pytest collected zero tests")
    elif rc and not failures + errors:
        problems.append(f"pytest exited with status {rc}")
        errors = 1
    return total - failures - errors - skipped, failures + errors, skipped


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_http_tests(conf, db, addons_dir, addons, problems):
    """HttpCase classes tagged fd_http, with Odoo's runner. (passed, failed)."""
    tagged = [
        a
        for a in addons
        if any(
            HTTP_TAG in f.read_text(errors="replace")
            for f in (addons_dir / a).glob("tests/**/*.py")
        )
    ]
    if not tagged:
        say(f"Odoo HttpCase tests: no '{HTTP_TAG}' tagged test, 0 run")
        return 0, 0
    log = RUN_DIR / "http_tests.log"
    tags = ",".join(f"{HTTP_TAG}/{a}" for a in tagged)
    # -u also runs at_install tests of those addons, not only post_install ones.
    cmd = [PY, "-m", "odoo", "-c", conf, "-d", db, "--test-enable"]
    cmd += ["--test-tags", tags, "-u", ",".join(tagged), "--stop-after-init"]
    cmd += ["--http-port", str(free_port()), "--log-level=test"]
    say(f"Odoo HttpCase tests: {' '.join(cmd[2:])} (log: {log})")
    rc = run_logged(cmd, log)
    text = log.read_text(errors="replace")
    summaries = ODOO_SUMMARY.findall(text)
    if not summaries:
        problems.append(f"Odoo test run exited with status {rc}, no summary: see {log}")
        return 0, 1
    failed, errors, total = map(int, summaries[-1])
    print(f"Odoo: {failed} failed, {errors} error(s) of {total} tests", flush=True)
    for line in bad_log_lines(log):
        if " ERROR " in line or " CRITICAL " in line:
            print("  " + line)
    if rc and not failed + errors:
        problems.append(f"Odoo test run exited with status {rc}, see {log}")
        errors += 1
    return total - failed - errors, failed + errors


def run_oca_bridges(args, addons_dir, bridges, problems):
    """The bridges to OCA addons in a database of their own: (passed, failed,
    skipped)."""
    oca = sorted(
        name
        for name in OCA_ADDONS
        if (args.oca_addons / name / "__manifest__.py").exists()
    )
    if len(oca) != len(OCA_ADDONS):
        problems.append(
            f"{', '.join(sorted(OCA_ADDONS))} not found in {args.oca_addons} "
            f"(tools/dev.sh test installs it from PyPI): {', '.join(bridges)} untested"
        )
        return 0, 1, 0
    conf = oca_config(args.config, args.oca_addons)
    db = f"{args.database}_queue_job"
    if not fresh_install(
        conf,
        db,
        ["freelance_dunning", *oca, *bridges],
        problems,
        log_name="install_queue_job.log",
    ):
        return 0, 1, 0
    return run_pytest(
        conf,
        db,
        addons_dir,
        bridges,
        problems,
        system=False,
        xml_name="pytest_queue_job.xml",
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", required=True)
    parser.add_argument("--database", default="fd_test")
    parser.add_argument("--addons-dir", type=Path, default=REPO)
    parser.add_argument("--lint-status", type=int, default=0)
    parser.add_argument(
        "--oca-addons",
        type=Path,
        default=DEFAULT_OCA_DIR,
        help="folder holding queue_job, for the bridges to OCA addons",
    )
    args = parser.parse_args()
    addons_dir = args.addons_dir.resolve()
    RUN_DIR.mkdir(exist_ok=True)

    problems = ["lint failed (see above)"] if args.lint_status else []
    passed = failed = skipped = 0
    addons = installable_addons(addons_dir)
    if not addons:
        problems.append(f"no installable addon in {addons_dir}")
    elif fresh_install(args.config, args.database, addons, problems):
        p, f, skipped = run_pytest(
            args.config, args.database, addons_dir, addons, problems
        )
        hp, hf = run_http_tests(
            args.config, args.database, addons_dir, addons, problems
        )
        passed, failed = p + hp, f + hf
    bridges = installable_addons(addons_dir, oca=True)
    if bridges:
        p, f, s = run_oca_bridges(args, addons_dir, bridges, problems)
        passed, failed, skipped = passed + p, failed + f, skipped + s
    if failed:
        problems.append(f"{failed} test(s) failed or errored")
    for problem in problems:
        print(f"FAILED: {problem}", flush=True)
    if not problems:
        print("All checks passed: lint, clean install, tests.")
    # The very last line, read by CI: "N passed, N failed[, N skipped]".
    print(
        f"{passed} passed, {failed} failed"
        + (f", {skipped} skipped" if skipped else "")
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
