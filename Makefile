# gonghui — two commands matter: `make run` and `make test`. See README.md.
PYTHON := $(shell sh scripts/find-python.sh)
VENV := .venv
PY := $(VENV)/bin/python
export DJANGO_SETTINGS_MODULE := gonghui.settings

.PHONY: run test install install-test browser lint messages clean

$(PY):
	@test -n "$(PYTHON)" || (echo "Python 3.13 is required" >&2; exit 1)
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Command one: install, migrate the SQLite database under var/, load the demo story, serve on :8000.
run: install
	DEBUG=$${DEBUG:-1} GONGHUI_2FA_REQUIRED=$${GONGHUI_2FA_REQUIRED:-0} $(PY) -m gonghui up

# Command two: install what the tests need (Chromium and CJK fonts when root) and run the whole suite.
test: install-test browser
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

# Debian's Chromium and a CJK font for the browser tests; only attempted as root (CI), never downloads a browser build.
browser:
	@if [ ! -x /usr/bin/chromium ] || ! fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy"; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
	    (apt-get update -qq || true) && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-wqy-microhei >/dev/null; \
	  else echo "Chromium not installed: browser tests will be skipped (apt-get install chromium fonts-wqy-microhei)"; fi; \
	fi

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy gonghui
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run

messages: install
	cd gonghui && ../$(PY) ../manage.py makemessages -l zh_Hans -l en --ignore "tests/*" && ../$(PY) ../manage.py compilemessages

clean:
	rm -rf $(VENV) var
