#!/usr/bin/env python3
"""Build each addon's README.rst and static/description/index.html from readme/.

    python tools/gen_addon_readme.py [--check] [ADDON_DIR ...]   (make readme)

The user documentation lives in the addon's readme/ fragments, in Markdown:
DESCRIPTION.md, INSTALL.md, CONFIGURE.md, USAGE.md, ROADMAP.md, HISTORY.md,
CONTRIBUTORS.md, CREDITS.md (each optional but DESCRIPTION). This script lays
them out the way OCA's `oca-gen-addon-readme` does (that tool is not on PyPI):
a README.rst with the manifest's name, summary and badges, the fragments as
sections, bug tracker, authors, contributors and maintainers; and the same
page rendered to HTML by docutils (an Odoo dependency) for the Apps screen.

The Markdown of the fragments is the plain kind: paragraphs, headings, `-`
and `1.` lists, **bold**, *italic*, `code`, [links](url) and fenced code
blocks. Anything docutils warns about stops the script with the line to fix.
With --check nothing is written: it exits 1 when a file is not up to date
(run by `make lint`).
"""

import argparse
import ast
import hashlib
import re
import sys
from pathlib import Path

from docutils.core import publish_string

REPO = Path(__file__).resolve().parent.parent
FRAGMENTS = (
    ("DESCRIPTION", None),
    ("INSTALL", "Installation"),
    ("CONFIGURE", "Configuration"),
    ("USAGE", "Usage"),
    ("ROADMAP", "Known issues / Roadmap"),
    ("HISTORY", "Changelog"),
)
CREDIT_FRAGMENTS = (("CONTRIBUTORS", "Contributors"), ("CREDITS", "Other credits"))
# Underlines: the page title has = above and below, sections =, their
# subsections ~, then the headings inside a fragment.
FRAGMENT_UNDERLINES = "~^\"'"
BADGE = (
    ".. |{key}| image:: https://img.shields.io/badge/{label}-{value}-{color}.png\n"
    "    :target: {target}\n"
    "    :alt: {alt}\n"
)
STATUS_COLORS = {
    "Alpha": "red",
    "Beta": "yellow",
    "Production/Stable": "green",
    "Mature": "brightgreen",
}
LICENSE_URLS = {
    "LGPL-3": "https://www.gnu.org/licenses/lgpl-3.0-standalone.html",
    "AGPL-3": "https://www.gnu.org/licenses/agpl-3.0-standalone.html",
}
LIST_ITEM = re.compile(r"^(\s*)([-*+]|\d+[.)])\s+")


def _inline(text):
    """Markdown inline marks to reST (code, links); emphasis is the same."""
    parts = re.split(r"(`[^`]+`)", text)
    out = []
    for part in parts:
        if part.startswith("`") and part.endswith("`") and len(part) > 1:
            out.append(f"``{part[1:-1]}``")
        else:
            out.append(re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"`\1 <\2>`__", part))
    return "".join(out)


def md_to_rst(markdown, source):
    """The plain Markdown of a readme fragment, as reST."""
    lines = markdown.splitlines()
    headings = sorted(
        {len(m.group(1)) for line in lines if (m := re.match(r"^(#{1,6})\s", line))}
    )
    out = []
    item_indent = None  # (markdown indent, reST text column) of the open list item
    fence = None
    for number, line in enumerate(lines, 1):
        if fence is not None:
            if line.strip().startswith("```"):
                fence = None
                out.append("")
            else:
                out.append(f"    {line}" if line.strip() else "")
            continue
        if line.strip().startswith("```"):
            fence = line
            if out and out[-1]:
                out.append("")
            out += ["::", ""]
            continue
        if line.lstrip().startswith("|"):
            sys.exit(f"{source}:{number}: tables are not supported, write a list")
        heading = re.match(r"^(#{1,6})\s+(.*?)\s*#*\s*$", line)
        if heading:
            title = _inline(heading.group(2))
            mark = FRAGMENT_UNDERLINES[headings.index(len(heading.group(1)))]
            if out and out[-1]:
                out.append("")
            out += [title, mark * len(title), ""]
            item_indent = None
            continue
        if not line.strip():
            if out and out[-1]:
                out.append("")
            continue
        item = LIST_ITEM.match(line)
        indent = len(line) - len(line.lstrip())
        if item:
            if out and out[-1] and item_indent is None:
                out.append("")  # reST needs a blank line before a list
            item_indent = (indent, len(item.group(0)))
            out.append(_inline(line.rstrip()))
        elif item_indent is not None and indent > item_indent[0]:
            out.append(" " * item_indent[1] + _inline(line.strip()))
        else:
            if item_indent is not None and out and out[-1]:
                out.append("")  # and one after it
            item_indent = None
            out.append(_inline(line.rstrip()))
    return "\n".join(out).strip("\n") + "\n"


def _title(text, char="=", over=False):
    bar = char * len(text)
    return f"{bar}\n{text}\n{bar}\n" if over else f"{text}\n{bar}\n"


def _fragments(addon):
    readme = addon / "readme"
    found = {}
    for name, _title_text in FRAGMENTS + CREDIT_FRAGMENTS:
        path = readme / f"{name}.md"
        if path.is_file():
            found[name] = path
    if "DESCRIPTION" not in found:
        sys.exit(f"{addon.name}: readme/DESCRIPTION.md is missing")
    return found


def _repo_url(manifest):
    return manifest.get("website", "").rstrip("/")


def build_rst(addon):
    manifest = ast.literal_eval((addon / "__manifest__.py").read_text())
    fragments = _fragments(addon)
    digest = hashlib.sha256()
    digest.update((addon / "__manifest__.py").read_bytes())
    for path in fragments.values():
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    repo_url = _repo_url(manifest)
    status = manifest.get("development_status", "Beta")
    license_ = manifest["license"]
    tree_url = f"{repo_url}/tree/{manifest['version'][:4]}/{addon.name}"

    rst = [
        ".. !! This file is generated by tools/gen_addon_readme.py (make readme).\n"
        ".. !! Edit the readme/*.md fragments and the manifest, not this file.\n"
        f".. !! source digest: sha256:{digest.hexdigest()}\n",
        _title(manifest["name"], over=True),
        "|badge1| |badge2| |badge3|\n",
        BADGE.format(
            key="badge1",
            label="maturity",
            value=status.replace("/", "%2F").replace("-", "--"),
            color=STATUS_COLORS.get(status, "lightgrey"),
            target="https://odoo-community.org/page/development-status",
            alt=status,
        )
        + BADGE.format(
            key="badge2",
            label="license",
            value=license_.replace("-", "--"),
            color="blue",
            target=LICENSE_URLS.get(license_, repo_url),
            alt=f"License: {license_}",
        )
        + BADGE.format(
            key="badge3",
            label="github",
            value=f"{repo_url.rsplit('/', 2)[-2]}%2F{addon.name}".replace("-", "--"),
            color="lightgray",
            target=tree_url,
            alt=repo_url.split("//", 1)[-1],
        ),
        md_to_rst(fragments["DESCRIPTION"].read_text(), fragments["DESCRIPTION"]),
        "**Table of contents**\n\n.. contents::\n   :local:\n",
    ]
    for name, heading in FRAGMENTS[1:]:
        if name in fragments:
            rst.append(_title(heading))
            rst.append(md_to_rst(fragments[name].read_text(), fragments[name]))
    rst.append(_title("Bug Tracker"))
    rst.append(
        f"Report a problem or ask a question in the project's `issues on GitHub "
        f"<{repo_url}/issues>`_: give the addon's version ({manifest['version']}), "
        "what you did, what you expected and what happened.\n"
    )
    rst.append(_title("Credits"))
    rst.append(_title("Authors", "~"))
    rst.append("".join(f"* {a.strip()}\n" for a in manifest["author"].split(",")))
    for name, heading in CREDIT_FRAGMENTS:
        if name in fragments:
            rst.append(_title(heading, "~"))
            rst.append(md_to_rst(fragments[name].read_text(), fragments[name]))
    maintainers = manifest.get("maintainers", [])
    if maintainers:
        rst.append(_title("Maintainers", "~"))
        names = ", ".join(f"`{m} <https://github.com/{m}>`__" for m in maintainers)
        rst.append(
            f"{names}, for {manifest['author']}. The source is in "
            f"`{repo_url.split('//', 1)[-1]} <{tree_url}>`_; pull requests are "
            "reviewed there.\n"
        )
    return "\n".join(rst)


def build_html(rst, source):
    html = publish_string(
        rst,
        source_path=str(source),
        writer_name="html4css1",
        settings_overrides={
            "halt_level": 2,  # a warning (bad markup) stops the build
            "report_level": 2,
            "embed_stylesheet": True,
            "output_encoding": "unicode",
            "doctitle_xform": False,
        },
    )
    # Odoo 17+ warns about an XML declaration in a module description, and a
    # line naming the generator's version would churn the file: drop both.
    html = re.sub(r"\A<\?xml[^>]*\?>\n", "", html)
    return re.sub(r'<meta name="generator"[^>]*>\n', "", html)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing")
    parser.add_argument("addons", nargs="*", type=Path)
    args = parser.parse_args(argv)
    addons = args.addons or sorted(p.parent for p in REPO.glob("*/__manifest__.py"))
    stale = []
    for addon in addons:
        addon = addon.resolve()
        if not (addon / "readme").is_dir():
            continue
        rst = build_rst(addon)
        html = build_html(rst, addon / "README.rst")
        for path, text in (
            (addon / "README.rst", rst),
            (addon / "static" / "description" / "index.html", html),
        ):
            if path.is_file() and path.read_text() == text:
                continue
            stale.append(path)
            if not args.check:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
    for path in stale:
        verb = "is not up to date" if args.check else "written"
        print(f"{path.relative_to(REPO)} {verb}")
    if args.check and stale:
        print("Run `make readme` and commit the result.")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
