#!/usr/bin/env bash
# Developer tooling for this Odoo 18.0 addons repository (called by the Makefile).
#
#   tools/dev.sh run  [odoo args...]  install/update the addon, serve on :8069
#   tools/dev.sh reset-demo           drop ODOO_DB, then run (a new French demo)
#   tools/dev.sh test                 lint + fresh db install + all tests (CI)
#   tools/dev.sh lint                 ruff, pylint-odoo, OCA's module and .po
#                                     checks, XML/EOF/whitespace, README.rst current
#   tools/dev.sh readme               README.rst + index.html from readme/
#   tools/dev.sh setup                venv + Odoo check + PostgreSQL + config only
#   tools/dev.sh i18n                 regenerate the .pot files, merge fr.po
#   tools/dev.sh stop-pg              stop the private PostgreSQL cluster
#
# Environment: PGHOST PGPORT PGUSER PGPASSWORD (an already running server),
# ODOO_DB, ODOO_TEST_DB, ODOO_HTTP_PORT, PYTHON (interpreter that has Odoo),
# FD_ADDONS_DIR (folder holding the addons, default: the repository root),
# FD_PGDATA (where the private cluster lives, default: .pgdata).
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO"

ADDONS_DIR=$(cd "${FD_ADDONS_DIR:-$REPO}" && pwd)
VENV=$REPO/.venv
PY=$VENV/bin/python
RUN_DIR=$REPO/.run
CONF=$RUN_DIR/odoo.conf
export PGPORT=${PGPORT:-5432}
ODOO_DB=${ODOO_DB:-freelance_dunning}
ODOO_TEST_DB=${ODOO_TEST_DB:-fd_test}
ODOO_HTTP_PORT=${ODOO_HTTP_PORT:-8069}
# Newest PostgreSQL server binaries (Debian puts them outside PATH).
PG_BIN=${PG_BIN:-$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)}
IS_ROOT=$([ "$(id -u)" = 0 ] && echo 1 || echo 0)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

# step LABEL CMD [ARGS...]: run one set-up step, say how long it took, and
# keep the figure for the summary printed by step_summary.
STEP_TIMES=()
step() {
    local label=$1 t0=$SECONDS
    shift
    "$@"
    STEP_TIMES+=("$(printf '%5d s  %s' $((SECONDS - t0)) "$label")")
    say "$label: $((SECONDS - t0)) s"
}
step_summary() {
    [ ${#STEP_TIMES[@]} -gt 0 ] || return 0
    say "Time per step:"
    printf '    %s\n' "${STEP_TIMES[@]}" >&2
}

# --- Python virtualenv -------------------------------------------------------
# --system-site-packages: Odoo 18 and its dependencies come from the machine's
# Python; the venv only adds the pinned dev tools of requirements-dev.txt.
ensure_venv() {
    if [ ! -x "$PY" ]; then
        say "Creating .venv (--system-site-packages) with ${PYTHON:-python3}"
        "${PYTHON:-python3}" -m venv --system-site-packages "$VENV"
    fi
    # Re-install only when requirements-dev.txt changed since the last install.
    if ! cmp -s requirements-dev.txt "$VENV/.requirements-dev.installed"; then
        say "Installing requirements-dev.txt into .venv"
        "$PY" -m pip install -q --disable-pip-version-check -r requirements-dev.txt
        cp requirements-dev.txt "$VENV/.requirements-dev.installed"
    fi
}

# --- Odoo 18.0 must already be installed: this repository never installs it --
check_odoo() {
    local found
    found=$("$PY" -c 'import odoo.release as r; print(r.version)' 2>/dev/null) || found="none"
    if ! "$PY" -c 'import sys, odoo.release as r; sys.exit(r.version_info[0] != 18)' 2>/dev/null; then
        cat >&2 <<EOF
ERROR: Odoo 18.0 is not importable from $PY (found: $found).
This repository does not install Odoo. Install Odoo 18.0 from Odoo's official
sources into the Python used to create .venv (\${PYTHON:-python3}), e.g.:
  python3 -m pip install https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz
or:
  git clone --depth 1 --branch 18.0 https://github.com/odoo/odoo.git
  cd odoo && python3 -m pip install -r requirements.txt && python3 -m pip install .
(see https://www.odoo.com/documentation/18.0/administration/on_premise/source.html
for the system packages it needs), then run: rm -rf .venv && make run
EOF
        exit 1
    fi
}

# --- PostgreSQL ----------------------------------------------------------------
# Sets DB_HOST DB_PORT DB_USER DB_PASSWORD for the Odoo config.
pg_ready() { "$(command -v pg_isready || echo "$PG_BIN/pg_isready")" -q -t 3 "$@"; }
# Run as the `postgres` user when root (from /, the checkout may be private).
as_pg() { if [ "$IS_ROOT" = 1 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi; }

# Where the private cluster lives: .pgdata, unless the `postgres` user (root
# case) cannot reach the checkout, or the path is too long for a unix socket.
pg_root() {
    PG_ROOT=$(realpath -m "${FD_PGDATA:-$REPO/.pgdata}")
    if [ -z "${FD_PGDATA:-}" ] && { [ ${#PG_ROOT} -gt 80 ] ||
        { [ "$IS_ROOT" = 1 ] && ! as_pg test -x "$REPO"; }; }; then
        PG_ROOT=/var/tmp/fd-pgdata-$(printf %s "$REPO" | md5sum | cut -c1-8)
    fi
}

ensure_pg() {
    DB_PORT=$PGPORT DB_PASSWORD=${PGPASSWORD:-}
    pg_root
    local sock=$PG_ROOT/run
    if [ -S "$sock/.s.PGSQL.$PGPORT" ] && pg_ready -h "$sock" -p "$PGPORT"; then
        say "Using the private PostgreSQL cluster in $PG_ROOT (port $PGPORT)"
        DB_HOST=127.0.0.1 DB_USER=odoo
    elif pg_ready || { [ -z "${PGHOST:-}" ] && pg_ready -h 127.0.0.1; }; then
        # A server is already there (PGHOST, default socket or localhost TCP):
        # use it with the caller's credentials; Odoo refuses the `postgres` role.
        DB_HOST=${PGHOST:-}
        pg_ready || DB_HOST=127.0.0.1
        DB_USER=${PGUSER:-odoo}
        [ "$DB_USER" != postgres ] || die "Odoo refuses to connect as 'postgres': set PGUSER to another role"
        say "Using the PostgreSQL server at ${DB_HOST:-<default socket>}:$PGPORT as $DB_USER"
        psql ${DB_HOST:+-h "$DB_HOST"} -U "$DB_USER" -d postgres -qtAc 'select 1' >/dev/null ||
            die "PostgreSQL answers on port $PGPORT but role '$DB_USER' cannot log in: set PGUSER/PGPASSWORD, or set PGPORT to a free port to get a private cluster"
    else
        start_private_pg "$sock"
        DB_HOST=127.0.0.1 DB_USER=odoo
    fi
}

start_private_pg() {
    local sock=$1 data=$PG_ROOT/data
    [ -x "$PG_BIN/initdb" ] || die "PostgreSQL server binaries not found (set PG_BIN); on Debian: apt-get install postgresql"
    mkdir -p "$PG_ROOT"
    if [ "$IS_ROOT" = 1 ]; then
        # The server refuses to run as root: it runs as the `postgres` system
        # user, which must be able to reach the folder.
        chown postgres: "$PG_ROOT"
        as_pg test -w "$PG_ROOT" ||
            die "user postgres cannot write to $PG_ROOT: set FD_PGDATA to another folder"
    fi
    if [ ! -f "$data/PG_VERSION" ]; then
        say "Creating a private PostgreSQL cluster in $data"
        as_pg "$PG_BIN/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PG_ROOT/initdb.log"
    fi
    as_pg mkdir -p "$sock"
    say "Starting PostgreSQL on 127.0.0.1:$PGPORT (log: $PG_ROOT/postgres.log)"
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$PG_ROOT/postgres.log" -w -s \
        -o "-k $sock -h 127.0.0.1 -p $PGPORT" start ||
        die "PostgreSQL did not start, see $PG_ROOT/postgres.log (port $PGPORT busy? set PGPORT)"
    # Odoo needs a non-superuser role allowed to create databases.
    as_pg psql -h "$sock" -p "$PGPORT" -U postgres -d postgres -qtAc \
        "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'odoo')
         THEN CREATE ROLE odoo LOGIN CREATEDB; END IF; END\$\$;"
}

stop_pg() {
    pg_root
    local data=$PG_ROOT/data
    if [ -f "$data/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$data" -m fast -s stop && say "Private PostgreSQL stopped"
    else
        say "Private PostgreSQL is not running"
    fi
}

# --- Odoo configuration (regenerated on every call, .run/ is git-ignored) ------
write_config() {
    local odoo_addons
    odoo_addons=$("$PY" -c 'import os, odoo; print(os.path.join(os.path.dirname(odoo.__file__), "addons"))')
    mkdir -p "$RUN_DIR/data"
    cat >"$CONF" <<EOF
; Generated by tools/dev.sh - do not edit, it is rewritten on every run.
[options]
addons_path = $ADDONS_DIR,$odoo_addons
data_dir = $RUN_DIR/data
db_host = ${DB_HOST:-False}
db_port = $DB_PORT
db_user = $DB_USER
db_password = ${DB_PASSWORD:-False}
without_demo = False
http_port = $ODOO_HTTP_PORT
EOF
}

setup() {
    step "Python environment (.venv)" ensure_venv
    step "Odoo 18.0" check_odoo
    step "PostgreSQL" ensure_pg
    write_config
}

# Odoo's HttpCase looks for `chromium` (or google-chrome) on PATH.
ensure_chromium() {
    if command -v chromium >/dev/null || command -v google-chrome >/dev/null; then
        return 0
    elif [ "$IS_ROOT" = 1 ]; then
        say "Installing Debian's chromium package (needed by Odoo's browser tests)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        die "chromium is needed by Odoo's browser tests: run 'apt-get install chromium' as root"
    fi
}

# The PDF tests render real PDFs (README, What to install first): Debian's
# package when none is installed (the patched build, if present, is kept).
ensure_wkhtmltopdf() {
    if command -v wkhtmltopdf >/dev/null; then
        return 0
    elif [ "$IS_ROOT" = 1 ]; then
        say "Installing Debian's wkhtmltopdf package (needed by the PDF tests)"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wkhtmltopdf >/dev/null
    else
        die "wkhtmltopdf is needed by the PDF tests: run 'apt-get install wkhtmltopdf' as root"
    fi
}

addon_dirs() { # every folder of ADDONS_DIR with a manifest
    for m in "$ADDONS_DIR"/*/__manifest__.py; do [ -e "$m" ] && dirname "$m"; done
}

lint() {
    ensure_venv
    local rc=0 addons targets=("$REPO")
    mapfile -t addons < <(addon_dirs)
    [ "$ADDONS_DIR" = "$REPO" ] || targets+=("$ADDONS_DIR")
    say "ruff check + ruff format --check"
    "$VENV/bin/ruff" check --config "$REPO/pyproject.toml" "${targets[@]}" || rc=1
    "$VENV/bin/ruff" format --check --config "$REPO/pyproject.toml" "${targets[@]}" || rc=1
    say "pylint-odoo (.pylintrc, Odoo 18.0) on: ${addons[*]##*/}"
    if [ ${#addons[@]} -gt 0 ]; then
        "$VENV/bin/pylint" --rcfile="$REPO/.pylintrc" "${addons[@]}" || rc=1
        # OCA's checks (oca-odoo-pre-commit-hooks), options in .oca_hooks.cfg.
        say "oca-checks-odoo-module + oca-checks-po"
        "$VENV/bin/oca-checks-odoo-module" "${addons[@]}" || rc=1
        local catalogues
        mapfile -t catalogues < <(find "${addons[@]}" -path '*/i18n/*' -name '*.po*' | sort)
        if [ ${#catalogues[@]} -gt 0 ]; then
            "$VENV/bin/oca-checks-po" "${catalogues[@]}" || rc=1
        fi
    fi
    # The same file checks as pre-commit (pre-commit-hooks): the two fixers
    # rewrite what they report, so a second `make lint` passes.
    say "check-xml, end-of-file-fixer, trailing-whitespace-fixer"
    local files
    mapfile -t files < <(git -C "$REPO" ls-files --cached --others --exclude-standard 2>/dev/null |
        grep -vE '\.(png|jpe?g|gif|ico|pdf|woff2?|ttf|zip)$' |
        while read -r f; do [ -f "$REPO/$f" ] && printf '%s\n' "$REPO/$f"; done)
    if [ ${#files[@]} -gt 0 ]; then
        printf '%s\n' "${files[@]}" | grep '\.xml$' | xargs -r "$VENV/bin/check-xml" || rc=1
        "$VENV/bin/end-of-file-fixer" "${files[@]}" || rc=1
        "$VENV/bin/trailing-whitespace-fixer" --markdown-linebreak-ext=md "${files[@]}" || rc=1
    fi
    say "README.rst and static/description/index.html up to date with readme/"
    "$PY" "$REPO/tools/gen_addon_readme.py" --check "${addons[@]}" || rc=1
    if [ "$rc" = 0 ]; then say "lint OK"; else say "lint FAILED"; fi
    return "$rc"
}

# Every installable addon of the repository, comma-separated: the base addon and
# its bridges (a bridge pulls in the Odoo app it bridges, e.g. sale_project).
repo_addons() {
    "$PY" - "$ADDONS_DIR" <<'EOF'
import ast, pathlib, sys
names = [
    m.parent.name
    for m in sorted(pathlib.Path(sys.argv[1]).glob("*/__manifest__.py"))
    if ast.literal_eval(m.read_text()).get("installable", True)
]
print(",".join(names))
EOF
}

# --- The demo database (issue 20): a French freelancer's studio ---------------
# tools/demo_db.py creates ODOO_DB through Odoo's database manager as a French
# company (EUR, French chart of accounts once `account` is installed, admin's
# language French); tools/demo_showcase.py then adds the studio's identity,
# clients, quotations, invoices, reminders and a second, English company, once.
# A database that tools/demo_db.py did not create is never changed. (A French
# company needs phonenumbers: requirements-dev.txt.)

demo_db_state() { "$PY" tools/demo_db.py -c "$CONF" -d "$ODOO_DB" --status; }

demo_db_create() {
    "$PY" tools/demo_db.py -c "$CONF" -d "$ODOO_DB" --logfile "$RUN_DIR/run-create.log" ||
        { tail -n 40 "$RUN_DIR/run-create.log" >&2; die "creating $ODOO_DB failed, see .run/run-create.log"; }
}

demo_showcase() {
    "$PY" tools/demo_showcase.py -c "$CONF" -d "$ODOO_DB" --logfile "$RUN_DIR/run-showcase.log" ||
        { tail -n 40 "$RUN_DIR/run-showcase.log" >&2; die "the demo showcase failed, see .run/run-showcase.log (start again from scratch: tools/dev.sh reset-demo)"; }
}

# What to open first, printed when the server starts (README, "A guided tour").
demo_welcome() {
    say "Serving http://localhost:$ODOO_HTTP_PORT (database $ODOO_DB); Ctrl-C stops"
    say "Log in: Email = admin, Password = admin"
    if [ "$DEMO_STATE" = showcase ]; then
        say "First click: Facturation > Clients > Relances de paiement > Tableau de bord; then"
        say "  Relances envoyees: the formal notice to Maison Verdier SAS (interest + 40 EUR indemnity);"
        say "  Relances a valider: the one to Northwind Studio, waiting for you (README: A guided tour)."
        say "English: user menu (top right) > Preferences > Language > English (US)."
    fi
}

# Drop ODOO_DB and build the demo again (make reset-demo).
reset_demo() {
    setup
    if [ "$(demo_db_state)" != missing ]; then
        say "Dropping database $ODOO_DB and its filestore"
        "$PY" -m odoo db -c "$CONF" drop "$ODOO_DB" >"$RUN_DIR/reset-demo.log" 2>&1 ||
            die "could not drop $ODOO_DB, see .run/reset-demo.log"
    fi
    STEP_TIMES=() # odoo_run times the set-up again
    odoo_run "$@"
}

odoo_run() {
    setup
    local addons
    addons=$(repo_addons)
    DEMO_STATE=$(demo_db_state)
    case "$DEMO_STATE" in
        missing)
            step "Create database $ODOO_DB (French company, demo data; log: .run/run-create.log)" demo_db_create
            DEMO_STATE=created
            ;;
        created | showcase) ;;
        *)
            say "Database $ODOO_DB exists and is not the French demo: kept as it is (no clients or invoices added)."
            say "  For the French demo: ODOO_DB=another_name make run, or drop it and start again: make reset-demo"
            ;;
    esac
    # -i installs what the database lacks (with demo data), -u updates what it
    # has: the demo database is reused from run to run.
    say "Database $ODOO_DB: odoo -i/-u $addons (log: .run/run-install.log)"
    local t0=$SECONDS
    # payment_demo: Odoo's test payment provider, so that "Pay now" can be
    # clicked through on the demo (the addons do not depend on it).
    "$PY" -m odoo -c "$CONF" -d "$ODOO_DB" -i "$addons,payment_demo" -u "$addons" --stop-after-init \
        --logfile "$RUN_DIR/run-install.log" ||
        { tail -n 40 "$RUN_DIR/run-install.log" >&2; die "odoo install/update failed, see .run/run-install.log"; }
    say "done in $((SECONDS - t0))s"
    if [ "$DEMO_STATE" = created ]; then
        step "Demo showcase: studio, clients, quotations, invoices, reminders (log: .run/run-showcase.log)" demo_showcase
        DEMO_STATE=showcase
    fi
    step_summary
    demo_welcome
    exec "$PY" -m odoo -c "$CONF" -d "$ODOO_DB" --http-port "$ODOO_HTTP_PORT" "$@"
}

odoo_test() {
    setup
    ensure_chromium
    ensure_wkhtmltopdf
    local lint_rc=0
    lint || lint_rc=$?
    exec "$PY" tools/run_tests.py --config "$CONF" --database "$ODOO_TEST_DB" \
        --addons-dir "$ADDONS_DIR" --lint-status "$lint_rc"
}

# Regenerate every addon's i18n/<addon>.pot from a fresh install in the
# database ODOO_I18N_DB (demo data included, as in the tests), then merge the
# French catalogue (new strings arrive untranslated: translate them; the test
# test_translations.py fails until every string has its French text).
i18n() {
    setup
    local addons db=${ODOO_I18N_DB:-fd_i18n} a
    addons=$(repo_addons)
    "$PY" -m odoo db -c "$CONF" drop "$db" >/dev/null 2>&1 || true
    say "Installing $addons in $db (log: .run/i18n-install.log)"
    "$PY" -m odoo -c "$CONF" -d "$db" -i "$addons" --stop-after-init \
        --logfile "$RUN_DIR/i18n-install.log" || die "install failed, see .run/i18n-install.log"
    for a in ${addons//,/ }; do
        mkdir -p "$ADDONS_DIR/$a/i18n"
        "$PY" -m odoo -c "$CONF" -d "$db" --i18n-export="$ADDONS_DIR/$a/i18n/$a.pot" \
            --modules="$a" --stop-after-init --logfile "$RUN_DIR/i18n-export.log" ||
            die "export of $a failed, see .run/i18n-export.log"
        [ -f "$ADDONS_DIR/$a/i18n/fr.po" ] || cp "$ADDONS_DIR/$a/i18n/$a.pot" "$ADDONS_DIR/$a/i18n/fr.po"
        "$PY" tools/i18n_merge.py "$ADDONS_DIR/$a/i18n/fr.po" "$ADDONS_DIR/$a/i18n/$a.pot"
    done
    "$PY" -m odoo db -c "$CONF" drop "$db" >/dev/null 2>&1 || true
}

cmd=${1:-}
shift || true
case "$cmd" in
    run) odoo_run "$@" ;;
    reset-demo) reset_demo "$@" ;;
    test) odoo_test ;;
    lint) lint ;;
    readme) ensure_venv; "$PY" tools/gen_addon_readme.py $(addon_dirs) ;;
    setup) setup ;;
    venv) ensure_venv ;;
    i18n) i18n ;;
    stop-pg) stop_pg ;;
    *) die "usage: tools/dev.sh {run|reset-demo|test|lint|readme|setup|i18n|stop-pg}" ;;
esac
