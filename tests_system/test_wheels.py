"""The addons as wheels: built with whool, installed with pip, run by Odoo.

Real processes only:

1. tools/build_wheels.py builds the six ``odoo-addon-<name>`` wheels into
   a scratch folder; their metadata and their files are checked against the
   manifests and ``git ls-files``;
2. a new virtual environment (in a temporary folder) of the interpreter that
   has the machine's Odoo, with ``--system-site-packages``: pip installs
   ``odoo-addon-freelance-dunning`` from the wheels alone (``--no-index``), its
   ``odoo==18.0.*`` requirement met by the machine's Odoo;
3. Odoo, from that environment, with a configuration whose addons path is
   Odoo's own addons only (the addon is found in the environment's
   site-packages through the ``odoo.addons`` namespace, see
   odoo/modules/module.py initialize_sys_path), installs freelance_dunning in
   a fresh database ``<test db>_wheel`` and runs one of the addon's tests from
   the installed copy.

The database and the environment are removed at the end; the logs stay in
.run/wheel/ (next to the configuration) with the step durations.
"""

import ast
import json
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import zipfile
from email.parser import HeaderParser
from pathlib import Path

import pytest

import odoo

_logger = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parent.parent
BUILD_SCRIPT = REPO / "tools" / "build_wheels.py"
ADDONS = [
    "freelance_dunning",
    "freelance_dunning_project",
    "freelance_dunning_queue_job",
    "freelance_dunning_stock",
    "freelance_dunning_timesheet",
    "freelance_dunning_website_sale",
]
ODOO_REQ = "odoo==18.0.*"
# Requires-Dist of each wheel: Odoo 18.0 and the repository's addons in the
# manifest's depends (Odoo's own addons come with Odoo, they are not listed).
REQUIRES = {
    "freelance_dunning": [ODOO_REQ],
    "freelance_dunning_project": ["odoo-addon-freelance_dunning==18.0.*", ODOO_REQ],
    # OCA's queue_job is a requirement of its own: pip fetches it from PyPI.
    "freelance_dunning_queue_job": [
        "odoo-addon-freelance_dunning==18.0.*",
        "odoo-addon-queue_job==18.0.*",
        ODOO_REQ,
    ],
    "freelance_dunning_stock": ["odoo-addon-freelance_dunning==18.0.*", ODOO_REQ],
    "freelance_dunning_timesheet": [
        "odoo-addon-freelance_dunning_project==18.0.*",
        ODOO_REQ,
    ],
    "freelance_dunning_website_sale": [
        "odoo-addon-freelance_dunning==18.0.*",
        ODOO_REQ,
    ],
}
# One short test of the addon, run by Odoo from the installed wheel: it loads
# one of the addon's data files (data/freelance_dunning_level_data.xml) again.
SMOKE_CLASS = "TestDefaultLevels"
SMOKE_METHOD = "test_update_gives_a_ladder_to_companies_without_one"
SMOKE_TAG = f"/freelance_dunning:{SMOKE_CLASS}.{SMOKE_METHOD}"
# odoo/tests/result.py + odoo/service/server.py, as in tools/run_tests.py.
ODOO_SUMMARY = re.compile(
    r"(\d+) failed, (\d+) error\(s\) of (\d+) tests when loading database"
)
PURELIB_SCRIPT = "import sysconfig; print(sysconfig.get_path('purelib'))"
LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} \d+ ([A-Z]+) ")


def _run(cmd, log, **kwargs):
    """Run cmd, output into log; (exit status, output, seconds)."""
    start = time.monotonic()
    with open(log, "w") as out:
        status = subprocess.run(
            cmd, stdout=out, stderr=subprocess.STDOUT, **kwargs
        ).returncode
    return status, log.read_text(errors="replace"), time.monotonic() - start


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _tail(text, lines=40):
    return "\n".join(text.splitlines()[-lines:])


def _wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return HeaderParser().parsestr(zf.read(name).decode())


def _manifest_version(addon):
    return ast.literal_eval((REPO / addon / "__manifest__.py").read_text())["version"]


def _odoo_interpreter():
    """(python, extra site dir): the interpreter a new venv is made from, and
    the folder holding the machine's Odoo when that interpreter lacks it (then
    the venv gets a .pth file pointing there)."""
    odoo_site = str(Path(odoo.__file__).resolve().parent.parent)
    base = getattr(sys, "_base_executable", None) or str(
        Path(sys.base_prefix) / "bin" / "python3"
    )
    paths = subprocess.run(
        [base, "-c", "import sys, json; print(json.dumps(sys.path))"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    sees_odoo = odoo_site in [str(Path(p).resolve()) for p in json.loads(paths)]
    return base, None if sees_odoo else odoo_site


@pytest.fixture(scope="module")
def workdir():
    path = Path(odoo.tools.config.rcfile).parent / "wheel"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


@pytest.fixture(scope="module")
def wheels(workdir):
    """{addon: wheel path}, built by tools/build_wheels.py."""
    outdir = workdir / "dist"
    status, out, seconds = _run(
        [sys.executable, str(BUILD_SCRIPT), "--outdir", str(outdir)],
        workdir / "build.log",
        cwd=REPO,
    )
    _logger.info("wheels built in %.1f s:\n%s", seconds, out)
    assert status == 0, f"tools/build_wheels.py failed:\n{_tail(out)}"
    built = {}
    for wheel in outdir.glob("*.whl"):
        name = _wheel_metadata(wheel)["Name"]
        assert name.startswith("odoo-addon-"), wheel.name
        built[name.removeprefix("odoo-addon-")] = wheel
    return built


class Smoke:
    """A venv with the wheel, an Odoo database installed from it, one test."""

    def __init__(self, workdir, wheels_dir):
        self.workdir = workdir
        self.wheels_dir = wheels_dir
        self.tmp = Path(tempfile.mkdtemp(prefix="fd_wheel_venv_"))
        self.venv = self.tmp / "venv"
        self.py = self.venv / "bin" / "python"
        self.conf = self.tmp / "odoo.conf"
        self.db = f"{odoo.tools.config['db_name']}_wheel"
        self.logs = {}
        self.status = {}
        self.durations = {}
        # No PYTHONPATH: nothing of the repository may leak into the venv.
        self.env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}

    def run(self, name, cmd, env=None):
        status, out, seconds = _run(
            cmd, self.workdir / f"{name}.log", cwd=self.tmp, env=env or self.env
        )
        self.logs[name], self.status[name] = out, status
        self.durations[name] = round(seconds, 1)
        return status == 0

    def site_packages(self):
        return Path(
            subprocess.run(
                [
                    str(self.py),
                    "-c",
                    "import sysconfig; print(sysconfig.get_path('purelib'))",
                ],
                capture_output=True,
                text=True,
                check=True,
                cwd=self.tmp,
                env=self.env,
            ).stdout.strip()
        )

    def write_config(self):
        cfg = odoo.tools.config
        odoo_addons = Path(odoo.__file__).resolve().parent / "addons"
        lines = [
            "[options]",
            f"addons_path = {odoo_addons}",
            f"data_dir = {self.tmp / 'data'}",
            f"db_host = {cfg['db_host'] or False}",
            f"db_port = {cfg['db_port'] or False}",
            f"db_user = {cfg['db_user'] or False}",
            f"db_password = {cfg['db_password'] or False}",
        ]
        self.conf.write_text("\n".join(lines) + "\n")

    def drop(self):
        if self.py.exists():
            subprocess.run(
                [
                    str(self.py),
                    "-m",
                    "odoo",
                    "db",
                    "-c",
                    str(self.conf),
                    "drop",
                    self.db,
                ],
                capture_output=True,
                check=False,
                cwd=self.tmp,
                env=self.env,
            )

    def steps(self):
        base, odoo_site = _odoo_interpreter()
        yield lambda: self.run(
            "venv", [base, "-m", "venv", "--system-site-packages", str(self.venv)]
        )
        if odoo_site:  # Odoo lives in a venv of its own: point at it
            yield lambda: bool(
                (self.site_packages() / "machine-odoo.pth").write_text(odoo_site + "\n")
            )
        yield lambda: self.run(
            "pip_install",
            [str(self.py), "-m", "pip", "install", "--no-index"]
            + ["--disable-pip-version-check", "--find-links", str(self.wheels_dir)]
            + ["odoo-addon-freelance-dunning"],
            # The wheels folder only: no find-links, index or constraints
            # from a pip.conf or PIP_* variables of the machine.
            env={
                **{k: v for k, v in self.env.items() if not k.startswith("PIP_")},
                "PIP_CONFIG_FILE": os.devnull,
            },
        )
        yield self.write_config
        yield self.drop
        yield lambda: self.run(
            "module_path",
            [str(self.py), "-c", MODULE_PATH_SCRIPT, str(self.conf)],
        )
        yield lambda: self.run(
            "odoo_install_test",
            [str(self.py), "-m", "odoo", "-c", str(self.conf), "-d", self.db]
            + ["-i", "freelance_dunning", "--without-demo=all", "--test-enable"]
            # Odoo serves HTTP while it runs tests: on a free port, not 8069.
            + ["--test-tags", SMOKE_TAG, "--stop-after-init"]
            + ["--http-port", str(_free_port())]
            + ["--log-level=test"],
        )

    def run_all(self):
        try:
            for step in self.steps():
                if step() is False:
                    break
        finally:
            self.drop()
            self.site = self.site_packages() if self.py.exists() else None
            shutil.rmtree(self.tmp, ignore_errors=True)

    def need(self, name):
        if name not in self.status:
            pytest.fail(f"step {name!r} did not run (an earlier step failed)")
        if self.status[name]:
            pytest.fail(
                f"step {name!r} exited with status {self.status[name]}; log tail:\n"
                + _tail(self.logs[name])
            )
        return self.logs[name]


# What Odoo resolves, from the venv, for the addon's folder.
MODULE_PATH_SCRIPT = """\
import sys
from odoo.tools import config
config.parse_config(["-c", sys.argv[1]])
from odoo.modules.module import get_module_path, initialize_sys_path
initialize_sys_path()
print("freelance_dunning path:", get_module_path("freelance_dunning"))
"""


@pytest.fixture(scope="module")
def smoke(workdir, wheels):
    run = Smoke(workdir, next(iter(wheels.values())).parent)
    start = time.monotonic()
    run.run_all()
    run.durations["total"] = round(time.monotonic() - start, 1)
    (workdir / "durations.json").write_text(json.dumps(run.durations, indent=1))
    _logger.info("wheel smoke durations (s): %s", run.durations)
    return run


def test_each_addon_builds_its_odoo_addon_wheel(wheels):
    assert sorted(wheels) == ADDONS
    for addon, wheel in wheels.items():
        version = _wheel_metadata(wheel)["Version"]
        # The manifest's version, plus OCA's ".N" (commits since it changed).
        assert re.fullmatch(
            re.escape(_manifest_version(addon)) + r"(\.\d+)?", version
        ), (addon, version)
        assert wheel.name == f"odoo_addon_{addon}-{version}-py3-none-any.whl"


def test_wheels_require_odoo_18_and_the_addons_they_extend(wheels):
    for addon, wheel in wheels.items():
        meta = _wheel_metadata(wheel)
        assert sorted(meta.get_all("Requires-Dist")) == REQUIRES[addon], addon
        assert meta["Requires-Python"] == ">=3.10"


def test_each_wheel_holds_every_file_of_its_addon(wheels):
    for addon, wheel in wheels.items():
        tracked = subprocess.run(
            ["git", "ls-files", addon],
            cwd=REPO,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        expected = {f"odoo/addons/{path}" for path in tracked}
        expected.discard(f"odoo/addons/{addon}/pyproject.toml")  # build config
        with zipfile.ZipFile(wheel) as zf:
            packaged = {n for n in zf.namelist() if ".dist-info/" not in n}
        assert packaged == expected, addon
    # What Odoo needs besides Python code: every kind of file is there.
    with zipfile.ZipFile(wheels["freelance_dunning"]) as zf:
        names = zf.namelist()
    root = "odoo/addons/freelance_dunning/"
    for part in (
        "__manifest__.py",
        "data/",
        "demo/",
        "i18n/fr.po",
        "migrations/18.0.1.5.0/",
        "report/",
        "security/ir.model.access.csv",
        "static/description/icon.png",
        "static/src/",
        "tests/",
        "views/",
        "wizards/",
    ):
        assert any(n.startswith(root + part) for n in names), part


def test_pip_installs_the_addon_from_the_wheel_alone(smoke):
    out = smoke.need("pip_install")
    # --no-index: Odoo is not downloaded, the machine's Odoo 18 meets the
    # requirement (pip show odoo: 18.0.post<date> matches 18.0.*).
    wheel = smoke.wheels_dir / "odoo_addon_freelance_dunning-"
    assert f"Processing {wheel}" in out, out
    assert re.search(
        r"^Requirement already satisfied: odoo==18\.0\.\* in \S+ "
        r"\(from odoo-addon-freelance-dunning\) \(18\.0[^)]*\)$",
        out,
        re.M,
    ), out
    assert re.search(
        r"Successfully installed odoo[-_]addon[-_]freelance[-_]dunning-18\.0\.", out
    ), out


def test_odoo_finds_the_addon_in_the_venv_not_in_the_repository(smoke):
    assert smoke.site is not None
    installed = smoke.site / "odoo" / "addons" / "freelance_dunning"
    out = smoke.need("module_path")
    assert f"freelance_dunning path: {installed}" in out.splitlines(), out
    log = smoke.need("odoo_install_test")
    paths = re.search(r": addons paths: (\[.*\])\s*$", log, re.M)
    assert paths, "no 'addons paths' line in the log"
    listed = [Path(p) for p in ast.literal_eval(paths.group(1))]
    assert installed.parent in listed
    assert not [p for p in listed if p == REPO or REPO in p.parents], listed


def test_odoo_installs_the_addon_and_runs_its_test_from_the_wheel(smoke):
    log = smoke.need("odoo_install_test")
    summary = ODOO_SUMMARY.findall(log)
    assert summary, f"no test summary in the log:\n{_tail(log)}"
    assert summary[-1] == ("0", "0", "1"), summary
    assert f"Starting {SMOKE_CLASS}.{SMOKE_METHOD} ..." in log
    errors = [
        line
        for line in log.splitlines()
        if (m := LOG_LINE.match(line)) and m.group(1) in ("ERROR", "CRITICAL")
    ]
    assert errors == []
