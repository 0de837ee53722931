#!/usr/bin/env bash
# Developer tooling for this Odoo 18.0 addons repository (called by the Makefile).
#
#   tools/dev.sh run  [odoo args...]  install/update the addon, serve on :8069
#   tools/dev.sh reset-demo           drop ODOO_DB, then run (a new French demo)
#   tools/dev.sh test                 lint + fresh db install + all tests (CI)
#   tools/dev.sh lint                 ruff, pylint-odoo, OCA's module and .po
#                                     checks, XML/EOF/whitespace, README.rst current
#   tools/dev.sh readme               README.rst + index.html from readme/
#   tools/dev.sh setup                venv (+ Odoo when missing), system packages,
#                                     PostgreSQL, config only
#   tools/dev.sh i18n                 regenerate the .pot files, merge fr.po
#   tools/dev.sh stop-pg              stop the private PostgreSQL cluster
#   tools/dev.sh wheels               odoo-addon-<name> wheels of the addons in dist/
#   tools/dev.sh mails [N]            the last N emails the local mail sink kept
#   tools/dev.sh stop                 stop what `run` started: Odoo, the mail
#                                     sink, the private PostgreSQL (if it did)
#
# Environment: PGHOST PGPORT PGUSER PGPASSWORD (an already running server),
# ODOO_DB, ODOO_TEST_DB, ODOO_HTTP_PORT, PYTHON (interpreter making .venv),
# ODOO_SOURCE (URL, archive or checkout of Odoo 18.0 installed into .venv when
# PYTHON lacks it; default: Odoo's 18.0 nightly source archive),
# FD_ADDONS_DIR (folder holding the addons, default: the repository root),
# FD_PGDATA (where the private cluster lives, default: .pgdata),
# FD_SMTP_PORT (the local mail sink's port, default 2525),
# FD_PG_ROLE (the role made on a running server as root: freelance_dunning),
# FD_HTTP_INTERFACE (where `run` listens, default 127.0.0.1 only),
# FD_USE_OWN_DB=1 (`run` on an Odoo database tools/demo_db.py did not create:
# addons installed/updated only, its mail servers untouched, no cron),
# FD_FORCE_DROP=1 (`reset-demo` drops even such a database).
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
FD_SMTP_PORT=${FD_SMTP_PORT:-2525}
# Newest PostgreSQL server binaries (Debian puts them outside PATH).
PG_BIN_GIVEN=${PG_BIN:-}
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
        ensure_venv_module "${PYTHON:-python3}"
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

# Debian's python3 has no ensurepip (so `-m venv` fails) until python3.X-venv
# is installed: installed as root, else the apt-get line.
ensure_venv_module() {
    local py=$1 ver
    "$py" -c 'import ensurepip, venv' 2>/dev/null && return 0
    ver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])') ||
        die "$py does not run: set PYTHON to a Python 3.10-3.12 interpreter"
    ensure_packages "python$ver -m venv needs ensurepip" "-:python$ver-venv"
    "$py" -c 'import ensurepip' 2>/dev/null ||
        die "$py has no ensurepip module, needed by python -m venv. Run:
  sudo apt-get install python$ver-venv
(or set PYTHON to another interpreter) then run the same command again"
}

# --- Odoo 18.0: the machine's (seen through --system-site-packages), else ----
# installed into .venv from Odoo's official sources: ODOO_SOURCE, a URL or a
# path to an archive (downloaded to the cache first, then the same code path)
# or to a source checkout; default: the 18.0 nightly source archive.
ODOO_NIGHTLY=https://nightly.odoo.com/18.0/nightly/src/odoo_18.0.latest.tar.gz
FD_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/freelance_dunning
odoo18_importable() { "$PY" -c 'import sys, odoo.release as r; sys.exit(r.version_info[0] != 18)' 2>/dev/null; }

check_odoo() {
    if odoo18_importable; then
        say "Odoo $("$PY" -c 'import odoo.release as r; print(r.version)') from $("$PY" -c 'import os, odoo; print(os.path.dirname(odoo.__file__))')"
        return 0
    fi
    local found
    found=$("$PY" -c 'import odoo.release as r; print(r.version)' 2>/dev/null) || found="none"
    say "Odoo 18.0 is not importable from $PY (found: $found): installing it into .venv"
    install_odoo "${ODOO_SOURCE:-$ODOO_NIGHTLY}"
    odoo18_importable || die "Odoo 18.0 is still not importable from $PY after the install above"
}

# odoo_source_dir SRC: prints the folder of an Odoo source tree (the one
# holding setup.py and odoo/release.py) from a URL, an archive or a folder.
odoo_source_dir() {
    local src=$1 archive dir
    case "$src" in
        http://* | https://*)
            archive=$FD_CACHE/downloads/$(basename "${src%%\?*}")
            if [ ! -s "$archive" ]; then
                mkdir -p "$FD_CACHE/downloads"
                say "Downloading $src to $archive"
                ensure_packages "to download Odoo's source archive" curl:curl
                curl -fL --retry 3 -o "$archive.part" "$src" ||
                    die "download failed: $src (set ODOO_SOURCE to a local archive or checkout)"
                mv "$archive.part" "$archive"
            else
                say "Using the archive downloaded earlier: $archive (delete it to download again)"
            fi
            src=$archive ;;
    esac
    if [ -d "$src" ]; then
        dir=$(cd "$src" && pwd)
        # Odoo's setup.py writes odoo.egg-info into its tree: a folder we
        # cannot write to is mirrored in the cache (folders, and symbolic
        # links to its files) and built from there.
        if [ ! -w "$dir" ] || { [ -e "$dir/odoo.egg-info" ] && [ ! -w "$dir/odoo.egg-info" ]; }; then
            local copy
            copy=$FD_CACHE/src/$(basename "$dir")-links
            say "$dir is read-only for $(id -un): building it from $copy (symbolic links to its files)"
            rm -rf "$copy" && mkdir -p "$copy"
            cp -rs "$dir/." "$copy/" && rm -rf "$copy/odoo.egg-info" "$copy/build" "$copy/.git" ||
                die "cannot mirror $dir in $copy"
            dir=$copy
        fi
    elif [ -f "$src" ]; then
        # The same archive is unpacked once (keyed by its size and date).
        dir=$FD_CACHE/src/$(basename "$src" | sed 's/\.\(tar\.\(gz\|xz\|bz2\)\|tgz\|zip\)$//')-$(stat -c '%s-%Y' "$src")
        if [ ! -f "$dir/.unpacked" ]; then
            say "Unpacking $src into $dir"
            rm -rf "$dir" && mkdir -p "$dir"
            case "$src" in
                *.zip) (cd "$dir" && python3 -m zipfile -e "$src" .) ;;
                *) tar -xf "$src" -C "$dir" ;;
            esac || die "cannot unpack $src"
            touch "$dir/.unpacked"
        fi
        # The archives hold one top folder (odoo-18.0.post<date>/).
        [ -f "$dir/odoo/release.py" ] || dir=$(dirname "$(find "$dir" -maxdepth 3 -path '*/odoo/release.py' | head -n1)")
        dir=${dir%/odoo}
    else
        die "ODOO_SOURCE=$src: neither a URL, an archive nor a folder"
    fi
    [ -f "$dir/odoo/release.py" ] && [ -f "$dir/requirements.txt" ] ||
        die "$src does not hold Odoo's source (odoo/release.py and requirements.txt)"
    grep -q "^version_info = (18, 0" "$dir/odoo/release.py" ||
        die "$src is not Odoo 18.0 ($(grep '^version_info' "$dir/odoo/release.py"))"
    printf '%s\n' "$dir"
}

install_odoo() {
    local dir cons reqs
    dir=$(odoo_source_dir "$1")
    # Packages to build the requirements that have no wheel for this Python
    # (psycopg2, python-ldap, ...).
    ensure_packages "to build Odoo's Python requirements" \
        -:build-essential -:python3-dev -:libpq-dev -:libldap2-dev -:libsasl2-dev \
        -:libxml2-dev -:libxslt1-dev -:libjpeg-dev -:zlib1g-dev
    # Several pinned requirements (sdists of 2021-2023) do not build with
    # setuptools 70 or newer: cap it in pip's build environments too.
    mkdir -p "$FD_CACHE"
    cons=$FD_CACHE/build-constraints.txt
    printf 'setuptools<70\n' >"$cons"
    reqs=$dir/requirements.txt
    say "Installing Odoo's requirements ($reqs) into .venv (log: .run/odoo-install.log)"
    mkdir -p "$RUN_DIR"
    PIP_CONSTRAINT="${PIP_CONSTRAINT:+$PIP_CONSTRAINT }$cons" \
        "$PY" -m pip install --disable-pip-version-check -r "$reqs" >"$RUN_DIR/odoo-install.log" 2>&1 ||
        { tail -n 30 "$RUN_DIR/odoo-install.log" >&2; die "installing $reqs failed, see .run/odoo-install.log"; }
    say "Installing Odoo itself from $dir into .venv"
    "$PY" -m pip install --disable-pip-version-check --no-deps "$dir" >>"$RUN_DIR/odoo-install.log" 2>&1 ||
        { tail -n 30 "$RUN_DIR/odoo-install.log" >&2; die "installing Odoo from $dir failed, see .run/odoo-install.log"; }
}

# --- System packages (Debian names) ------------------------------------------
# ensure_packages REASON CHECK:PACKAGE...: CHECK is a command that the package
# provides (found on PATH: nothing to do, whatever installed it) or `-` (the
# package is looked up with dpkg). Missing ones are installed with apt-get as
# root; otherwise stop with the command to run.
APT_UPDATED=0
ensure_packages() {
    local reason=$1 item cmd pkg missing=()
    shift
    for item in "$@"; do
        cmd=${item%%:*} pkg=${item#*:}
        if [ "$cmd" != - ]; then
            command -v "$cmd" >/dev/null && continue
        elif ! command -v dpkg-query >/dev/null ||
            dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed'; then
            continue
        fi
        missing+=("$pkg")
    done
    [ ${#missing[@]} -gt 0 ] || return 0
    if [ "$IS_ROOT" = 1 ] && command -v apt-get >/dev/null; then
        say "Installing ${missing[*]} ($reason) with apt-get"
        if [ "$APT_UPDATED" = 0 ]; then
            apt-get update -qq || die "apt-get update failed"
            APT_UPDATED=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
            die "apt-get install ${missing[*]} failed"
        say "Installed: ${missing[*]}"
    else
        die "missing ${missing[*]} ($reason). Run:
  sudo apt-get install ${missing[*]}
then run the same command again"
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

# Which PostgreSQL, in this order:
# 1. PGUSER set: the server at PGHOST/PGPORT with PGUSER/PGPASSWORD (a private
#    cluster on PGPORT when none answers).
# 2. The private cluster made by an earlier run (.pgdata or FD_PGDATA), on the
#    port it remembers in its folder (started if needed, on another free port
#    if something else took that one).
# 3. A server answering on PGPORT (default socket, else 127.0.0.1): the role
#    this tool made earlier (.run/pg-role), else `odoo` or a role named after
#    the user if one logs in without a password, else (root) a role of its own
#    made through the `postgres` superuser; else a private cluster on a free port.
# 4. Nothing answers: a private cluster on PGPORT.
PG_ROLE=${FD_PG_ROLE:-freelance_dunning}
PG_ROLE_FILE=$RUN_DIR/pg-role # host port role password: mode 600, git-ignored
# (and ~/.cache/freelance_dunning/pg-role-127.0.0.1-<port>-<role>, shared by clones)
PG_ROLE_COMMENT="made by tools/dev.sh of freelance_dunning"

pg_login() { # HOST USER PASSWORD: can this role log in and create databases?
    local ok
    ok=$(PGPASSWORD=$3 PGCONNECT_TIMEOUT=5 psql -X -w ${1:+-h "$1"} -p "$DB_PORT" -U "$2" -d postgres -qtAc \
        'select rolcreatedb or rolsuper from pg_roles where rolname = current_user' 2>/dev/null) &&
        [ "$ok" = t ]
}

ensure_pg() {
    DB_PORT=$PGPORT DB_PASSWORD=${PGPASSWORD:-}
    pg_root
    local sock=$PG_ROOT/run port
    port=$(cat "$PG_ROOT/port" 2>/dev/null || echo "$PGPORT")
    if [ -n "${PGUSER:-}" ]; then
        if pg_ready || { [ -z "${PGHOST:-}" ] && pg_ready -h 127.0.0.1; }; then
            DB_HOST=${PGHOST:-}
            pg_ready || DB_HOST=127.0.0.1
            DB_USER=$PGUSER
            [ "$DB_USER" != postgres ] || die "Odoo refuses to connect as 'postgres': set PGUSER to another role"
            say "Using the PostgreSQL server at ${DB_HOST:-<default socket>}:$PGPORT as $DB_USER (PGUSER)"
            psql -X ${DB_HOST:+-h "$DB_HOST"} -U "$DB_USER" -d postgres -qtAc 'select 1' >/dev/null ||
                die "PostgreSQL answers on port $PGPORT but role '$DB_USER' cannot log in: check PGUSER/PGPASSWORD, or unset PGUSER"
        else
            start_private_pg "$sock"
        fi
    elif [ -f "$PG_ROOT/data/PG_VERSION" ]; then
        DB_PORT=$port
        if [ -S "$sock/.s.PGSQL.$port" ] && pg_ready -h "$sock" -p "$port"; then
            say "Using the private PostgreSQL cluster in $PG_ROOT (port $port)"
            DB_HOST=127.0.0.1 DB_USER=odoo
        else
            if (: </dev/tcp/127.0.0.1/"$port") 2>/dev/null; then
                DB_PORT=$(free_port "$port")
                say "Port $port is taken by another server: the private cluster moves to the free port $DB_PORT"
            fi
            start_private_pg "$sock"
        fi
    elif pg_ready || { [ -z "${PGHOST:-}" ] && pg_ready -h 127.0.0.1; }; then
        use_running_pg || {
            DB_PORT=$(free_port "$PGPORT")
            say "Using a private PostgreSQL cluster on the free port $DB_PORT instead (the server on $PGPORT is left as it is)"
            start_private_pg "$sock"
        }
    else
        start_private_pg "$sock"
    fi
}

# A server answers on PGPORT and PGUSER is unset: find or make a role.
use_running_pg() {
    local host=${PGHOST:-} r_host r_port r_role r_pass user
    pg_ready || host=127.0.0.1
    local file shared
    shared=$(pg_role_shared)
    for file in "$PG_ROLE_FILE" "$shared"; do
        if [ -f "$file" ] && read -r r_host r_port r_role r_pass <"$file" &&
            [ "$r_port" = "$PGPORT" ] && [ "$r_role" = "$PG_ROLE" ] && pg_login "$r_host" "$r_role" "$r_pass"; then
            say "Using the PostgreSQL server on port $PGPORT as $r_role (the role made by an earlier setup, password in ${file/#$HOME/\~})"
            DB_HOST=$r_host DB_USER=$r_role DB_PASSWORD=$r_pass
            return 0
        fi
    done
    user=$(id -un)
    for r_role in odoo "$user"; do
        [ "$r_role" != postgres ] || continue
        if pg_login "$host" "$r_role" ""; then
            say "Using the PostgreSQL server at ${host:-<default socket>}:$PGPORT as $r_role (it logs in without a password)"
            DB_HOST=$host DB_USER=$r_role DB_PASSWORD=
            return 0
        fi
    done
    if [ "$IS_ROOT" != 1 ]; then
        say "PostgreSQL answers on port $PGPORT, but neither 'odoo' nor '$user' can log in there (set PGUSER/PGPASSWORD to use it)"
        return 1
    fi
    make_pg_role
}

# One password per server for the role, shared by every clone of this user
# (a second clone no longer changes the first one's password).
pg_role_shared() { echo "$FD_CACHE/pg-role-127.0.0.1-$PGPORT-$PG_ROLE"; }

pgsu() { as_pg psql -X -w -p "$PGPORT" -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }

# Root only: make our own role through the `postgres` superuser over the
# server's socket (peer authentication, Debian's default), then log in with a
# password over 127.0.0.1 (scram-sha-256 in Debian's pg_hba.conf). Roles this
# tool did not make are never changed.
make_pg_role() {
    local exists comment pass
    case "${PGHOST:-}" in
        "" | /* | localhost | 127.0.0.1) ;;
        *) say "PGHOST=$PGHOST is not this machine: set PGUSER/PGPASSWORD to use it"; return 1 ;;
    esac
    if ! pgsu -c 'select 1' >/dev/null 2>&1; then
        say "PostgreSQL answers on port $PGPORT but the 'postgres' superuser cannot log in through its socket"
        return 1
    fi
    exists=$(pgsu -c "select count(*) from pg_roles where rolname = '$PG_ROLE'") || return 1
    if [ "$exists" = 1 ]; then
        comment=$(pgsu -c "select coalesce(shobj_description(oid, 'pg_authid'), '') from pg_roles where rolname = '$PG_ROLE'") || return 1
        if [ "$comment" != "$PG_ROLE_COMMENT" ]; then
            say "PostgreSQL on port $PGPORT already has a role '$PG_ROLE' this tool did not make: left untouched"
            return 1
        fi
    fi
    pass=$(head -c 24 /dev/urandom | base64 | tr -dc 'A-Za-z0-9')
    if [ "$exists" = 1 ]; then
        say "Role '$PG_ROLE' (made by an earlier setup) gets a new password (its shared one, $(pg_role_shared), is missing or no longer logs in), kept in .run/pg-role and that file"
        pgsu -c "ALTER ROLE \"$PG_ROLE\" PASSWORD '$pass'" >/dev/null || return 1
    else
        say "Creating the role '$PG_ROLE' (LOGIN CREATEDB, not a superuser) through the 'postgres' superuser; password in .run/pg-role"
        pgsu -c "CREATE ROLE \"$PG_ROLE\" LOGIN CREATEDB NOSUPERUSER NOCREATEROLE PASSWORD '$pass'" \
            -c "COMMENT ON ROLE \"$PG_ROLE\" IS '$PG_ROLE_COMMENT'" >/dev/null || return 1
    fi
    if ! pg_login 127.0.0.1 "$PG_ROLE" "$pass"; then
        say "Role '$PG_ROLE' cannot log in over 127.0.0.1:$PGPORT with its password (pg_hba.conf?)"
        return 1
    fi
    mkdir -p "$RUN_DIR" "$FD_CACHE"
    (umask 077 && printf '%s %s %s %s\n' 127.0.0.1 "$PGPORT" "$PG_ROLE" "$pass" >"$PG_ROLE_FILE")
    (umask 077 && cp "$PG_ROLE_FILE" "$(pg_role_shared)")
    DB_HOST=127.0.0.1 DB_USER=$PG_ROLE DB_PASSWORD=$pass
    say "Using the PostgreSQL server on 127.0.0.1:$PGPORT as $PG_ROLE"
}

free_port() { # the first port from $1 + 1 on which nothing listens
    local p=$1
    while p=$((p + 1)); (: </dev/tcp/127.0.0.1/$p) 2>/dev/null || [ -S "/var/run/postgresql/.s.PGSQL.$p" ]; do :; done
    echo "$p"
}

start_private_pg() {
    local sock=$1 data=$PG_ROOT/data
    if [ ! -x "$PG_BIN/initdb" ] && [ -z "$PG_BIN_GIVEN" ]; then
        ensure_packages "the PostgreSQL server, for a private cluster" initdb:postgresql
        PG_BIN=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n1)
        [ -x "$PG_BIN/initdb" ] || PG_BIN=$(dirname "$(command -v initdb || echo /none/initdb)")
        # Installing Debian's package starts its main cluster on 5432: look
        # again. That server answers: use it (a role of our own, as root);
        # else the private cluster takes a free port.
        if pg_ready -p "$DB_PORT" || pg_ready -h 127.0.0.1 -p "$DB_PORT"; then
            say "A PostgreSQL server now answers on port $DB_PORT (started by the package just installed)"
            if [ -z "${PGUSER:-}" ] && [ "$DB_PORT" = "$PGPORT" ] && use_running_pg; then
                return 0
            fi
            DB_PORT=$(free_port "$DB_PORT")
            say "Using a private PostgreSQL cluster on the free port $DB_PORT instead"
        fi
    fi
    [ -x "$PG_BIN/initdb" ] ||
        die "PostgreSQL server binaries (initdb) not found in $PG_BIN: set PG_BIN to the folder holding them${PG_BIN_GIVEN:+, or unset it}"
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
    say "Starting PostgreSQL on 127.0.0.1:$DB_PORT (log: $PG_ROOT/postgres.log)"
    as_pg "$PG_BIN/pg_ctl" -D "$data" -l "$PG_ROOT/postgres.log" -w -s \
        -o "-k $sock -h 127.0.0.1 -p $DB_PORT" start ||
        die "PostgreSQL did not start, see $PG_ROOT/postgres.log (port $DB_PORT busy? set PGPORT)"
    as_pg sh -c "echo $DB_PORT >'$PG_ROOT/port'"
    # Odoo needs a non-superuser role allowed to create databases.
    as_pg psql -X -h "$sock" -p "$DB_PORT" -U postgres -d postgres -qtAc \
        "DO \$\$BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'odoo')
         THEN CREATE ROLE odoo LOGIN CREATEDB; END IF; END\$\$;"
    DB_HOST=127.0.0.1 DB_USER=odoo DB_PASSWORD=
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
    step "System packages (wkhtmltopdf, fonts)" ensure_wkhtmltopdf
    step "PostgreSQL" ensure_pg
    write_config
}

# Odoo's HttpCase looks for `chromium` (or google-chrome) on PATH.
ensure_chromium() {
    command -v google-chrome >/dev/null ||
        ensure_packages "needed by Odoo's browser tests" chromium:chromium
}

# The PDFs (README, What to install first): Debian's wkhtmltopdf when none is
# installed (the patched build, if present, is kept), and the fonts they use.
ensure_wkhtmltopdf() {
    ensure_packages "needed to print PDFs" wkhtmltopdf:wkhtmltopdf \
        -:fontconfig -:fonts-dejavu-core -:fonts-liberation
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
# The bridges to OCA addons (freelance_dunning_queue_job) are left out: their
# OCA addon is not on this addons path (tools/run_tests.py tests them apart);
# `repo_addons oca` lists those bridges only.
repo_addons() {
    "$PY" - "$ADDONS_DIR" "${1:-}" <<'EOF'
import ast, pathlib, sys
manifests = {
    m.parent.name: ast.literal_eval(m.read_text())
    for m in sorted(pathlib.Path(sys.argv[1]).glob("*/__manifest__.py"))
}
names = [
    name
    for name, values in manifests.items()
    if values.get("installable", True)
    and ("queue_job" in values.get("depends", [])) == (sys.argv[2] == "oca")
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
        say "  Relances envoyées (Sent Reminders): the formal notice to Maison Verdier SAS (interest + 40 EUR indemnity);"
        say "  Relances à valider (Reminders to Validate): the one to Northwind Studio, waiting for you (README: A guided tour)."
        say "English: user menu (top right) > Préférences (Preferences) > Langue (Language) > English (US)."
    fi
}

# Drop ODOO_DB and build the demo again (make reset-demo).
reset_demo() {
    check_http_port
    setup
    local state
    state=$(demo_db_state)
    case "$state" in
        missing) ;;
        created | showcase) ;;
        *)
            [ "${FD_FORCE_DROP:-}" = 1 ] ||
                die "database $ODOO_DB was not created by make run ($state): not dropped. Choose another name (ODOO_DB=fd_demo make reset-demo), or drop it anyway: FD_FORCE_DROP=1 make reset-demo"
            say "FD_FORCE_DROP=1: dropping $ODOO_DB although make run did not create it ($state)"
            ;;
    esac
    if [ "$state" != missing ]; then
        say "Dropping database $ODOO_DB and its filestore"
        "$PY" -m odoo db -c "$CONF" drop "$ODOO_DB" >"$RUN_DIR/reset-demo.log" 2>&1 ||
            die "could not drop $ODOO_DB, see .run/reset-demo.log"
    fi
    STEP_TIMES=() # odoo_run times the set-up again
    odoo_run "$@"
}

odoo_run() {
    check_http_port
    note_private_pg_before
    setup
    note_private_pg_started
    local addons own=0 cron=()
    addons=$(repo_addons)
    DEMO_STATE=$(demo_db_state)
    case "$DEMO_STATE" in
        missing | created | showcase) ;;
        foreign)
            [ "${FD_USE_OWN_DB:-}" = 1 ] ||
                die "database $ODOO_DB exists and was not created by make run: left untouched (its mail servers could email real clients).
  For the French demo, choose another name: ODOO_DB=fd_demo make run
  To use it anyway (addons installed/updated, nothing else changed): FD_USE_OWN_DB=1 make run
  To drop it and build the demo in its place: FD_FORCE_DROP=1 make reset-demo"
            own=1
            say "FD_USE_OWN_DB=1: $ODOO_DB is your own database: only the addons are installed/updated (no payment_demo, no demo clients),"
            say "  its outgoing mail servers are left as they are (the local mail sink is not used), and Odoo serves it without cron"
            say "  threads (--max-cron-threads=0): no scheduled reminder or email is sent from this run."
            ;;
        *)
            die "$ODOO_DB is a PostgreSQL database but not an Odoo one ($DEMO_STATE): left untouched. Choose another name: ODOO_DB=fd_demo make run"
            ;;
    esac
    if [ "$own" = 0 ]; then
        step "Local mail sink" start_mail_sink
    fi
    if [ "$DEMO_STATE" = missing ]; then
        step "Create database $ODOO_DB (French company, demo data; log: .run/run-create.log)" demo_db_create
        DEMO_STATE=created
    fi
    if [ "$own" = 1 ]; then
        step "Install/update the addons in $ODOO_DB (log: .run/run-install.log)" own_db_install "$addons"
        cron=(--max-cron-threads=0)
    else
        step "Install/update the addons in $ODOO_DB (log: .run/run-install.log)" demo_install "$addons"
        step "Outgoing mail server of $ODOO_DB" point_mail_server
    fi
    if [ "$DEMO_STATE" = created ]; then
        step "Demo showcase: studio, clients, quotations, invoices, reminders (log: .run/run-showcase.log)" demo_showcase
        DEMO_STATE=showcase
    fi
    step_summary
    write_run_config
    demo_welcome
    if [ "$own" = 1 ]; then
        say "Ctrl-C stops Odoo (no cron threads: scheduled actions do not run)"
    else
        say "Emails go to the local mail sink (127.0.0.1:$SMTP_PORT), kept in .run/mail/: make mails lists them"
        say "Ctrl-C stops Odoo; the mail sink keeps running until: make stop"
    fi
    exec "$PY" -m odoo -c "$RUN_CONF" -d "$ODOO_DB" --http-port "$ODOO_HTTP_PORT" \
        --pidfile "$ODOO_PIDFILE" "${cron[@]}" "$@"
}

# Is ODOO_HTTP_PORT free? Checked before the set-up, not after it.
check_http_port() {
    (: </dev/tcp/127.0.0.1/"$ODOO_HTTP_PORT") 2>/dev/null || return 0
    local pid
    if pid=$(odoo_run_pid) &&
        tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "--http-port $ODOO_HTTP_PORT "; then
        die "port $ODOO_HTTP_PORT is in use by the Odoo of an earlier make run (pid $pid): stop it first with: make stop"
    fi
    die "port $ODOO_HTTP_PORT is in use: set ODOO_HTTP_PORT=<a free port>, e.g. ODOO_HTTP_PORT=$(free_port "$ODOO_HTTP_PORT") make run"
}

# The server `run` starts reads .run/odoo-run.conf: .run/odoo.conf (what the
# tests read too, unchanged) plus what keeps the demo to this machine and this
# database: it listens on 127.0.0.1 only (FD_HTTP_INTERFACE=0.0.0.0 opens it
# on purpose), the database manager is off (list_db), only ODOO_DB is served
# (dbfilter), and the master password is a random one made once, kept in
# .run/admin-passwd (mode 600), not Odoo's default.
RUN_CONF=$RUN_DIR/odoo-run.conf
ADMIN_PASSWD_FILE=$RUN_DIR/admin-passwd
write_run_config() {
    if [ ! -s "$ADMIN_PASSWD_FILE" ]; then
        (umask 077 && head -c 32 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$ADMIN_PASSWD_FILE")
    fi
    chmod 600 "$ADMIN_PASSWD_FILE"
    (
        umask 077
        {
            cat "$CONF"
            printf 'http_interface = %s\nlist_db = False\ndbfilter = ^%s$\nadmin_passwd = %s\n' \
                "${FD_HTTP_INTERFACE:-127.0.0.1}" "$ODOO_DB" "$(cat "$ADMIN_PASSWD_FILE")"
        } >"$RUN_CONF.tmp"
    )
    mv "$RUN_CONF.tmp" "$RUN_CONF"
    if [ -n "${FD_HTTP_INTERFACE:-}" ] && [ "$FD_HTTP_INTERFACE" != 127.0.0.1 ]; then
        say "FD_HTTP_INTERFACE=$FD_HTTP_INTERFACE: the demo (login admin / admin) is reachable from other machines"
    fi
    say "Listening on ${FD_HTTP_INTERFACE:-127.0.0.1} only; database manager off; master password in .run/admin-passwd"
}

# FD_USE_OWN_DB=1: the addons only, on a database that already is an Odoo one.
own_db_install() {
    "$PY" -m odoo -c "$CONF" -d "$ODOO_DB" -i "$1" -u "$1" --stop-after-init \
        --logfile "$RUN_DIR/run-install.log" ||
        { tail -n 40 "$RUN_DIR/run-install.log" >&2; die "odoo install/update failed, see .run/run-install.log"; }
}

# -i installs what the database lacks (with demo data), -u updates what it
# has: the demo database is reused from run to run. payment_demo: Odoo's test
# payment provider, so that "Pay now" can be clicked through on the demo (the
# addons do not depend on it).
demo_install() {
    "$PY" -m odoo -c "$CONF" -d "$ODOO_DB" -i "$1,payment_demo" -u "$1" --stop-after-init \
        --logfile "$RUN_DIR/run-install.log" ||
        { tail -n 40 "$RUN_DIR/run-install.log" >&2; die "odoo install/update failed, see .run/run-install.log"; }
}

# --- Local mail sink and `make stop` ------------------------------------------
# `make run` delivers the demo's emails to tools/mail_sink.py, a real SMTP
# server on 127.0.0.1 that keeps each one as .run/mail/*.eml; the demo
# database's outgoing mail server points at it. `make stop` stops Odoo (found
# by its pidfile), the sink, and the private PostgreSQL if `make run` started it.
ODOO_PIDFILE=$RUN_DIR/odoo.pid
PG_STARTED_MARK=$RUN_DIR/pg-started-by-run

private_pg_running() { pg_root; [ -f "$PG_ROOT/data/postmaster.pid" ]; }
note_private_pg_before() { PG_WAS_RUNNING=0; private_pg_running && PG_WAS_RUNNING=1 || true; }
# The mark stays until `make stop`, across several `make run`.
note_private_pg_started() {
    if [ "$PG_WAS_RUNNING" = 0 ] && private_pg_running; then
        mkdir -p "$RUN_DIR" && printf '%s\n' "$PG_ROOT" >"$PG_STARTED_MARK"
    fi
}

# Started before the install: the emails Odoo sends while installing (its own
# demo data's notifications, the demo invoices) reach it through the config's
# smtp_server/smtp_port, used while the database has no outgoing mail server.
start_mail_sink() {
    SMTP_PORT=$("$PY" tools/mail_sink.py start --run-dir "$RUN_DIR" --port "$FD_SMTP_PORT") ||
        die "the local mail sink did not start (see .run/mail_sink.log); set FD_SMTP_PORT to a free port"
    printf 'smtp_server = 127.0.0.1\nsmtp_port = %s\n' "$SMTP_PORT" >>"$CONF"
}

# Only the database `make run` serves (ODOO_DB): its highest-priority outgoing
# mail server becomes the sink, so its emails never leave this machine.
point_mail_server() {
    "$PY" tools/mail_sink.py point-odoo -c "$CONF" -d "$ODOO_DB" --port "$SMTP_PORT" ||
        die "could not set the outgoing mail server of $ODOO_DB"
}

mails() {
    ensure_venv
    "$PY" tools/mail_sink.py list --run-dir "$RUN_DIR" -n "${1:-20}"
}

# Odoo started by `make run`: the pid of its pidfile, if that process is an
# Odoo server on this checkout's config (a recycled pid is left alone).
odoo_run_pid() { # the pid of make run's Odoo, if it runs
    local pid
    pid=$(cat "$ODOO_PIDFILE" 2>/dev/null) || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE -- "-c ($CONF|$RUN_CONF) " || return 1
    echo "$pid"
}
stop_odoo() {
    local pid
    pid=$(cat "$ODOO_PIDFILE" 2>/dev/null) || { say "Odoo (make run) is not running"; return 0; }
    if ! odoo_run_pid >/dev/null; then
        say "Odoo (make run) is not running (stale $ODOO_PIDFILE removed)"
        rm -f "$ODOO_PIDFILE"
        return 0
    fi
    kill -TERM "$pid"
    local i
    for i in $(seq 1 60); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.5
    done
    if kill -0 "$pid" 2>/dev/null; then
        say "Odoo (pid $pid) still running after 30 s: killing it"
        kill -KILL "$pid"
    fi
    rm -f "$ODOO_PIDFILE"
    say "Odoo stopped (pid $pid)"
}

stop_all() {
    stop_odoo
    if [ -x "$PY" ]; then "$PY" tools/mail_sink.py stop --run-dir "$RUN_DIR"; fi
    if [ -f "$PG_STARTED_MARK" ]; then
        # The cluster `make run` started, wherever FD_PGDATA pointed then.
        FD_PGDATA=$(cat "$PG_STARTED_MARK") stop_pg
        rm -f "$PG_STARTED_MARK"
    elif private_pg_running; then
        say "Private PostgreSQL in $PG_ROOT left running: make run did not start it (make stop-pg stops it)"
    fi
}

# OCA addons from PyPI, outside the repository, in OCA_ADDONS_DIR: queue_job for
# the bridge freelance_dunning_queue_job (tested in a database of its own), and
# the benchmark's peers. pip --target does not merge into an odoo/ folder an
# earlier wheel already made there (it warns and skips, exit status 0): each
# wheel goes to a scratch folder first, then its addon is copied, and a module
# still missing afterwards stops the command.
OCA_ADDONS_DIR=${OCA_ADDONS_DIR:-$HOME/.cache/freelance_dunning/oca-18.0}
QUEUE_JOB_PACKAGE=odoo-addon-queue_job==18.0.4.1.2.2
OCA_PEER_PACKAGES="odoo-addon-account_credit_control==18.0.2.0.2.6 odoo-addon-account_invoice_overdue_reminder==18.0.1.6.0"
ensure_oca_addon() { # <package>==<version>
    local package=$1 module
    module=${package%%==*}
    module=${module#odoo-addon-}
    [ -f "$OCA_ADDONS_DIR/odoo/addons/$module/__manifest__.py" ] && return 0
    local tmp
    tmp=$(mktemp -d)
    "$PY" -m pip install -q --disable-pip-version-check --no-deps --target "$tmp" \
        "$package" || { rm -rf "$tmp"; return 1; }
    mkdir -p "$OCA_ADDONS_DIR/odoo/addons"
    rm -rf "$OCA_ADDONS_DIR/odoo/addons/$module"
    cp -r "$tmp/odoo/addons/$module" "$OCA_ADDONS_DIR/odoo/addons/"
    cp -r "$tmp"/odoo_addon_"$module"-*.dist-info "$OCA_ADDONS_DIR/"
    rm -rf "$tmp"
    [ -f "$OCA_ADDONS_DIR/odoo/addons/$module/__manifest__.py" ] ||
        die "$package: $module is still missing from $OCA_ADDONS_DIR/odoo/addons"
}
ensure_queue_job() {
    ensure_oca_addon "$QUEUE_JOB_PACKAGE"
    # Its only Python requirement besides Odoo.
    "$PY" -c "import requests" || die "queue_job needs the Python package requests"
}
ensure_oca_peers() {
    local package
    for package in $OCA_PEER_PACKAGES; do ensure_oca_addon "$package"; done
}

odoo_test() {
    setup
    step "Chromium (browser tests)" ensure_chromium
    step "OCA queue_job (bridge tests)" ensure_queue_job
    step_summary
    local lint_rc=0
    lint || lint_rc=$?
    exec "$PY" tools/run_tests.py --config "$CONF" --database "$ODOO_TEST_DB" \
        --addons-dir "$ADDONS_DIR" --lint-status "$lint_rc" \
        --oca-addons "$OCA_ADDONS_DIR/odoo/addons"
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
    i18n_oca_bridges "${db}_queue_job"
}

# The same for the bridges to OCA addons, in a database of their own with
# freelance_dunning and queue_job (the OCA folder added to the addons path).
i18n_oca_bridges() {
    local db=$1 bridges path a
    bridges=$(repo_addons oca)
    [ -n "$bridges" ] || return 0
    ensure_queue_job || die "could not install queue_job from PyPI"
    path="$(sed -n 's/^addons_path *= *//p' "$CONF"),$OCA_ADDONS_DIR/odoo/addons"
    "$PY" -m odoo db -c "$CONF" drop "$db" >/dev/null 2>&1 || true
    say "Installing $bridges in $db (log: .run/i18n-install.log)"
    "$PY" -m odoo -c "$CONF" --addons-path "$path" -d "$db" \
        -i "freelance_dunning,queue_job,$bridges" --stop-after-init \
        --logfile "$RUN_DIR/i18n-install.log" || die "install failed, see .run/i18n-install.log"
    for a in ${bridges//,/ }; do
        mkdir -p "$ADDONS_DIR/$a/i18n"
        "$PY" -m odoo -c "$CONF" --addons-path "$path" -d "$db" \
            --i18n-export="$ADDONS_DIR/$a/i18n/$a.pot" --modules="$a" --stop-after-init \
            --logfile "$RUN_DIR/i18n-export.log" ||
            die "export of $a failed, see .run/i18n-export.log"
        [ -f "$ADDONS_DIR/$a/i18n/fr.po" ] || cp "$ADDONS_DIR/$a/i18n/$a.pot" "$ADDONS_DIR/$a/i18n/fr.po"
        "$PY" tools/i18n_merge.py "$ADDONS_DIR/$a/i18n/fr.po" "$ADDONS_DIR/$a/i18n/$a.pot"
    done
    "$PY" -m odoo db -c "$CONF" drop "$db" >/dev/null 2>&1 || true
}

# One odoo-addon-<name> wheel per addon (whool, OCA's layout) in dist/.
wheels() {
    ensure_venv
    say "Building the addons' wheels into dist/ (whool, no download)"
    "$PY" tools/build_wheels.py --outdir "$REPO/dist"
}

cmd=${1:-}
shift || true
case "$cmd" in
    run) odoo_run "$@" ;;
    reset-demo) reset_demo "$@" ;;
    test) odoo_test ;;
    lint) lint ;;
    readme) ensure_venv; "$PY" tools/gen_addon_readme.py $(addon_dirs) ;;
    setup) setup; step_summary ;;
    venv) ensure_venv ;;
    i18n) i18n ;;
    stop-pg) stop_pg ;;
    wheels) wheels ;;
    queue-job) ensure_venv; ensure_queue_job ;;
    oca-addons) ensure_venv; ensure_oca_peers; ensure_queue_job ;;
    mails) mails "$@" ;;
    stop) stop_all ;;
    *) die "usage: tools/dev.sh {run|reset-demo|test|lint|readme|setup|i18n|stop-pg|wheels|queue-job|mails|stop}" ;;
esac
