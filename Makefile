# Two commands do everything on a fresh machine; each sets up what it needs first.
#   make demo   a short AutoML run on a data set that ships offline
#   make test   the test suite (what CI runs): Python, the widget's TypeScript, the browser tests
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lint bench setup clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch: the CPU build pinned here first (pip takes it from this disk); the torch extra's
	# range (torch>=2.2) accepts it, so nothing pulls a newer (CUDA) build
	$(PY) -m pip install -q "torch==2.13.0"
	$(PY) -m pip install -q -e ".[all,test]"
	@rm -f $(VENV)/.installed-*; touch $@

setup: $(STAMP)

demo: $(STAMP)
	$(PY) -m automl_nb.cli demo --budget 30

# The browser tests drive Debian's chromium through Playwright (never `playwright install`).
CHROMIUM ?= /usr/bin/chromium

test: $(STAMP)
	@test -x $(CHROMIUM) || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }
	$(PY) -m ruff check automl_nb tests
	cd js && npm ci --no-audit --no-fund --loglevel=error && npm run --silent typecheck && npm test --silent && npm run --silent check-bundle
	$(PY) -m pytest -q -p no:cacheprovider --timeout 600
	# the runner and engine once more with the portable worker start (the path of Windows) forced
	AUTOML_NB_WORKER_START=portable $(PY) -m pytest -q -p no:cacheprovider --timeout 600 \
	  tests/test_runner.py tests/test_portable_workers.py tests/test_automl.py::test_fit_keeps_its_time_budget \
	  tests/test_automl.py::test_cancel_keeps_finished_trials tests/test_automl.py::test_a_failing_trial_never_ends_the_run \
	  tests/test_automl.py::test_trial_timeout_stops_long_trials_and_the_run_goes_on

lint: $(STAMP)
	$(PY) -m ruff check automl_nb tests benchmarks

bench:
	bash benchmarks/setup_peers.sh
	bash benchmarks/setup_autogluon.sh
	benchmarks/.venv-peers/bin/python -m benchmarks.run_tabular --budget 60 \
	  --systems automl_nb,flaml,autogluon,lightgbm_default --tasks all --seeds 0

# Forecasting benchmark: peers in benchmarks/.venv-forecast (pandas < 3), automl_nb editable there too
.PHONY: bench-forecast
bench-forecast:
	bash benchmarks/setup_forecast_peers.sh
	benchmarks/.venv-forecast/bin/python -m benchmarks.run_forecast --budget 60 --series all \
	  --systems seasonal_naive,statsmodels_ets,prophet,statsforecast_autoarima,statsforecast_autoets,automl_nb

# Scaling: a 1,000,000-row synthetic table in 60 s vs LightGBM defaults on a 100k sample
.PHONY: bench-scaling
bench-scaling: $(STAMP)
	$(PY) -m benchmarks.run_scaling --rows 1000000 --budget 60 --seed 0

.PHONY: bench-autogluon
bench-autogluon:
	bash benchmarks/setup_autogluon.sh
	benchmarks/.venv-autogluon/bin/python -m benchmarks.run_tabular --budget 60 --systems autogluon \
	  --tasks all --seeds 0 --python-peers benchmarks/.venv-autogluon/bin/python

clean:
	rm -rf $(VENV) automl_nb_runs
