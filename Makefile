# The two commands a newcomer needs: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# pip-tools compiles the locks; it lives in a venv of its own, never in the project's.
LOCK_VENV := .venv-lock
LOCK := CUSTOM_COMPILE_COMMAND="make lock" $(LOCK_VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras \
	--no-emit-index-url --no-emit-find-links

.PHONY: run test test-unit lint install lock broker-management bench dead-letters

# Every package pinned with its hashes (requirements*.txt, compiled from requirements*.in).
$(INSTALLED): requirements.txt requirements-dev.txt
	@command -v $(PYTHON) >/dev/null || { echo "Seibiant needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

# After editing requirements.in or requirements-dev.in: recompile both locks (needs PyPI).
lock:
	test -x $(LOCK_VENV)/bin/pip-compile || \
		{ $(PYTHON) -m venv $(LOCK_VENV) && $(LOCK_VENV)/bin/pip install --quiet pip-tools==7.6.2; }
	$(LOCK) --output-file=requirements.txt requirements.in
	$(LOCK) --output-file=requirements-dev.txt requirements-dev.in

# GOV.UK Frontend (CSS, JS, fonts) for the web pages, pinned in package.json/package-lock.json.
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Seibiant's web pages need npm (Debian: apt-get install npm)"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(INSTALLED) node_modules/.installed

run: install
	PYTHONPATH=$(CURDIR) $(PY) -m tools.run_all

# Tests and benchmarks create a RabbitMQ virtual host each, through the management API:
# fails at once when no broker answers on RABBIT_HOST:RABBIT_PORT (127.0.0.1:5672), else
# enables the plugin if need be and waits for it.
broker-management: $(INSTALLED)
	@$(PY) -m devtools.sandbox prepare-broker 30

# ruff (pyflakes, pycodestyle, bugbear: pyproject.toml) on everything, and mypy on the typed
# shared plumbing (seibiant_common) and test tooling (devtools); a few seconds.
lint: $(INSTALLED)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The tests that need nothing running (no broker, no PostgreSQL): `pytest -m unit`, in seconds.
# The kinds (unit, service, e2e) are told from the fixtures a test uses: tests/conftest.py.
test-unit: $(INSTALLED)
	PYTHONPATH=$(CURDIR) $(PY) -m pytest -q -m unit $(PYTEST_ARGS)

# Two test processes (pytest-xdist), each given whole files: most of the suite waits on the
# broker, the services and the browser rather than the CPU. A file's systems (module- and
# package-wide fixtures) start once in the process that runs it; every test already has its
# own virtual host, databases and ports. `make test TEST_PROCESSES=0` runs it in one.
TEST_PROCESSES ?= 2

test: install lint broker-management
	@# the web pages' browser tests drive Debian's Chromium (Playwright's own download cannot be had)
	@# and the README's curl walk-through is run as written, with jq
	@test -x /usr/bin/chromium -a -x "$$(command -v jq)" -a -x "$$(command -v curl)" || \
		{ apt-get update -q && apt-get install -y -q chromium chromium-driver jq curl; }
	PYTHONPATH=$(CURDIR) $(PY) -m pytest -q -n $(TEST_PROCESSES) --dist loadfile $(PYTEST_ARGS)

# The benchmark (docs/performance.md): a table on stdout and bench/results/latest.json (a few minutes).
bench: install broker-management
	PYTHONPATH=$(CURDIR) $(PY) -m bench.run

dead-letters: install
	PYTHONPATH=$(CURDIR) $(PY) -m seibiant_common.dead_letters list $(SERVICE)
