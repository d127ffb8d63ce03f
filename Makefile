# The two commands a newcomer needs: `make run` and `make test`. Each does its own set-up.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: run test install bench dead-letters

$(INSTALLED): requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Seibiant needs Python 3.11 ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(INSTALLED)

run: install
	PYTHONPATH=$(CURDIR) $(PY) -m tools.run_all

test: install
	@# the tests create a RabbitMQ virtual host each, through the management API
	@-command -v rabbitmq-plugins >/dev/null && rabbitmq-plugins -q enable rabbitmq_management >/dev/null 2>&1
	PYTHONPATH=$(CURDIR) $(PY) -m pytest -q $(PYTEST_ARGS)

dead-letters: install
	PYTHONPATH=$(CURDIR) $(PY) -m seibiant_common.dead_letters list $(SERVICE)
