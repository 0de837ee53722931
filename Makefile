# Developer entry points; the logic lives in tools/dev.sh and tools/run_tests.py.
# run, test and setup first install what is missing (README, "What the two
# commands install, and where"): .venv, Odoo 18.0 into it when PYTHON lacks it
# (ODOO_SOURCE=<URL, archive or folder>, default Odoo's nightly archive), Debian
# packages as root (else the apt-get line to run), a PostgreSQL role or a
# private cluster; each step prints its time.
#   make run    install/update freelance_dunning (demo data) and serve
#               http://localhost:8069 (login admin / admin); its emails go to
#               a local mail sink (.run/mail/*.eml)
#               (on 127.0.0.1 only; a database it did not create is refused
#               unless FD_USE_OWN_DB=1: addons only, no mail server, no cron)
#   make reset-demo  drop the demo database (ODOO_DB) and build it again (only
#               a database make run created, else FD_FORCE_DROP=1)
#   make mails  the last emails the mail sink kept (N=20)
#   make stop   stop what `make run` started: Odoo, the mail sink, the
#               private PostgreSQL if it started it
#   make test   what CI runs: lint, fresh install of every addon, all tests
#   make lint   ruff, pylint-odoo, OCA's module and .po checks, XML/EOF/whitespace,
#               README.rst up to date (no Odoo database needed)
#   make readme build each addon's README.rst and static/description/index.html
#               from its readme/*.md fragments
#   make format apply ruff's fixes and formatting
#   make i18n   regenerate the .pot files and merge the French catalogues
#   make bench  everything measured, in one run (README, Performance): the nightly
#               run beside OCA's credit control and overdue reminder and Odoo's
#               mass mail, SIZE="1k 5k 10k" by default (BENCH_ARGS="--odoo-path"
#               adds a phase), then bench-queue-job (QJ_SIZE, 1k) and
#               bench-interactive
#   make bench-scale  only the first part
#   make bench-interactive  the server time of Confirm, Send Now and Validate
#               and Send next to Odoo's own actions (README, Interactive paths)
#   make bench-queue-job  the nightly run as OCA queue_job jobs on 1 and 2
#               prefork workers, and killed/restarted (README, Past one process)
#   make odoo-suites  Odoo's own sale suites (and OCA's credit control) without
#               the addon, with its rules off, with them on (README, For
#               integrators); narrow it with ARGS="--suites sale"
#   make screenshots  the README's screenshots, English then French, from the
#               demo served by `make run` (in another shell)
#   make wheels one odoo-addon-<name> wheel per addon in dist/ (whool); `make
#               test` builds them too and installs one in a clean venv
#   make setup  only that set-up, with the time of each step
#   make stop-pg / make clean   stop the private PostgreSQL (keeps its data)
.PHONY: run reset-demo test lint format setup i18n stop-pg clean bench bench-scale \
	bench-queue-job bench-interactive readme odoo-suites oca-addons \
	screenshots wheels mails stop

run:
	tools/dev.sh run

reset-demo:
	tools/dev.sh reset-demo

N ?= 20
mails:
	tools/dev.sh mails $(N)

stop:
	tools/dev.sh stop

test:
	tools/dev.sh test

lint:
	tools/dev.sh lint

readme:
	tools/dev.sh readme

format:
	tools/dev.sh venv
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

setup:
	tools/dev.sh setup

wheels:
	tools/dev.sh wheels

i18n:
	tools/dev.sh i18n

stop-pg clean:
	tools/dev.sh stop-pg

# OCA's addons, from PyPI, in a folder outside the repository (the benchmark's
# peers, queue_job, and the suites beside the addon): tools/dev.sh oca-addons
# installs those missing (its OCA_PEER_PACKAGES and QUEUE_JOB_PACKAGE name the
# versions).
OCA_ADDONS ?= $(HOME)/.cache/freelance_dunning/oca-18.0
export OCA_ADDONS_DIR = $(OCA_ADDONS)
oca-addons:
	tools/dev.sh setup
	tools/dev.sh oca-addons

SIZE ?= 1k 5k 10k
BENCH_ARGS ?=
QJ_SIZE ?= 1k
bench: bench-scale bench-queue-job bench-interactive

bench-scale: oca-addons
	.venv/bin/python tools/bench_scale.py -c .run/odoo.conf --stored-pdf \
		--oca-addons $(OCA_ADDONS)/odoo/addons --size $(SIZE) $(BENCH_ARGS)

bench-interactive:
	tools/dev.sh setup
	.venv/bin/python tools/bench_interactive.py -c .run/odoo.conf

# The nightly run as OCA queue_job jobs, 1 then 2 prefork workers, kill/restart.
bench-queue-job: oca-addons
	.venv/bin/python tools/bench_queue_job.py -c .run/odoo.conf --stored-pdf \
		--oca-addons $(OCA_ADDONS)/odoo/addons --size $(QJ_SIZE)

odoo-suites: oca-addons
	.venv/bin/python tools/odoo_suites.py --extra-addons $(OCA_ADDONS)/odoo/addons $(ARGS)

SHOT_ARGS ?=
screenshots:
	tools/dev.sh venv
	.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements-docs.txt
	.venv/bin/python tools/screenshots.py $(SHOT_ARGS)
	.venv/bin/python tools/screenshots.py --lang fr_FR $(SHOT_ARGS)
