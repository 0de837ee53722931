#!/usr/bin/env python3
"""Build each addon of the repository as an ``odoo-addon-<name>`` wheel.

Called by `make wheels` (tools/dev.sh wheels) and by tests_system/test_wheels.py.
Each addon folder holds a pyproject.toml whose build backend is whool (as in
OCA's 18.0 repositories): the wheel's name, version and dependencies come from
the addon's manifest, its files are the addon's files under git control.

The build runs without build isolation and without an index (whool, wheel and
manifestoo-core are pinned in requirements-dev.txt): nothing is downloaded.
Files of an addon folder that git does not track are NOT packaged by whool:
they are listed as a warning.

    tools/build_wheels.py [--outdir dist] [addon_dir ...]
"""

import argparse
import subprocess
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def addon_dirs(root):
    """Every folder of root with a manifest and a pyproject.toml, sorted."""
    return sorted(
        m.parent
        for m in root.glob("*/__manifest__.py")
        if (m.parent / "pyproject.toml").is_file()
    )


def wheel_metadata(wheel):
    """The METADATA of a wheel, as an email.message.Message."""
    with zipfile.ZipFile(wheel) as zf:
        name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
        return HeaderParser().parsestr(zf.read(name).decode())


def untracked_files(addon_dir):
    out = subprocess.run(
        ["git", "ls-files", "--others", "--exclude-standard", "."],
        cwd=addon_dir,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return out.split()


def build(addon_dir, outdir):
    """Build one addon's wheel into outdir; return its path."""
    dist_prefix = "odoo_addon_" + addon_dir.name + "-"
    for old in outdir.glob(dist_prefix + "*.whl"):
        old.unlink()
    cmd = [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps"]
    cmd += ["--no-build-isolation", "--no-index", "--disable-pip-version-check"]
    cmd += ["--wheel-dir", str(outdir), str(addon_dir)]
    subprocess.run(cmd, check=True)
    built = list(outdir.glob(dist_prefix + "*.whl"))
    if len(built) != 1:
        raise SystemExit(f"expected one wheel for {addon_dir.name}, found {built}")
    return built[0]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--outdir", type=Path, default=REPO / "dist")
    parser.add_argument("addons", nargs="*", type=Path)
    args = parser.parse_args()
    addons = [a.resolve() for a in args.addons] or addon_dirs(REPO)
    if not addons:
        raise SystemExit(f"no addon with a pyproject.toml in {REPO}")
    args.outdir.mkdir(parents=True, exist_ok=True)
    outdir = args.outdir.resolve()
    for addon in addons:
        for path in untracked_files(addon):
            if path == "pyproject.toml":
                continue  # never packaged (build configuration)
            print(f"WARNING: {addon.name}/{path} is not under git: not in the wheel")
        wheel = build(addon, outdir)
        meta = wheel_metadata(wheel)
        requires = ", ".join(meta.get_all("Requires-Dist") or []) or "-"
        size = wheel.stat().st_size / 1024
        print(f"{wheel.name}  {size:.0f} KiB  Requires-Dist: {requires}")
    print(f"{len(addons)} wheel(s) in {outdir}")


if __name__ == "__main__":
    main()
