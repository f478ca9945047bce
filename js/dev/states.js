// Realistic widget states for the dev harness: a binary run mid-search, a finished
// regression run, a read-only (AutoML.fit) widget, a fresh configuring widget, a widget
// whose traits are all missing, an explained run and a finished forecasting run (three
// stores' monthly sales). Deterministic (seeded) so screenshots are comparable.

function rng(seed) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}
const round = (x, d = 4) => Math.round(x * 10 ** d) / 10 ** d;

// ---- binary: customer churn ---------------------------------------------------------
const churnColumns = [
  { name: "customer_id", kind: "id", dtype: "object", missing: 0, unique: 7043, evidence: "unique per row" },
  { name: "tenure", kind: "numeric", dtype: "int64", missing: 0, unique: 73, evidence: "integer, 73 values" },
  { name: "monthly_charges", kind: "numeric", dtype: "float64", missing: 0, unique: 1585, evidence: "float" },
  { name: "total_charges", kind: "numeric", dtype: "float64", missing: 11, unique: 6530, evidence: "float" },
  { name: "contract", kind: "categorical", dtype: "object", missing: 0, unique: 3, evidence: "3 labels" },
  { name: "payment_method", kind: "categorical", dtype: "object", missing: 0, unique: 4, evidence: "4 labels" },
  { name: "internet_service", kind: "categorical", dtype: "object", missing: 0, unique: 3, evidence: "3 labels" },
  { name: "senior_citizen", kind: "boolean", dtype: "bool", missing: 0, unique: 2, evidence: "two values" },
  {
    name: "signup_date",
    kind: "datetime",
    dtype: "datetime64[ns]",
    missing: 0,
    unique: 2210,
    evidence: "parsed as dates",
  },
  {
    name: "support_notes",
    kind: "text",
    dtype: "object",
    missing: 1520,
    unique: 5400,
    evidence: "free text, mean 9 words",
  },
  { name: "churn", kind: "categorical", dtype: "object", missing: 0, unique: 2, evidence: "2 labels" },
];
const churnHead = {
  columns: churnColumns.map((c) => c.name),
  rows: [
    [
      "7590-VHVEG",
      "1",
      "29.85",
      "29.85",
      "Month-to-month",
      "Electronic check",
      "DSL",
      "False",
      "2023-01-04",
      "asked about fiber upgrade",
      "No",
    ],
    ["5575-GNVDE", "34", "56.95", "1889.5", "One year", "Mailed check", "DSL", "False", "2020-03-11", "", "No"],
    [
      "3668-QPYBK",
      "2",
      "53.85",
      "108.15",
      "Month-to-month",
      "Mailed check",
      "DSL",
      "False",
      "2023-11-20",
      "billing complaint",
      "Yes",
    ],
    [
      "7795-CFOCW",
      "45",
      "42.3",
      "1840.75",
      "One year",
      "Bank transfer (automatic)",
      "DSL",
      "False",
      "2019-06-02",
      "",
      "No",
    ],
    [
      "9237-HQITU",
      "2",
      "70.7",
      "151.65",
      "Month-to-month",
      "Electronic check",
      "Fiber optic",
      "False",
      "2023-10-15",
      "slow speeds reported twice",
      "Yes",
    ],
  ],
};

const learners = [
  {
    name: "dummy",
    description: "predicts the prior; the baseline every model must beat",
    tasks: ["binary", "multiclass", "regression"],
  },
  {
    name: "linear",
    description: "regularized logistic / linear regression",
    tasks: ["binary", "multiclass", "regression"],
  },
  { name: "lightgbm", description: "gradient-boosted trees (LightGBM)", tasks: ["binary", "multiclass", "regression"] },
  {
    name: "hist_gb",
    description: "scikit-learn histogram gradient boosting",
    tasks: ["binary", "multiclass", "regression"],
  },
  { name: "extra_trees", description: "extremely randomized trees", tasks: ["binary", "multiclass", "regression"] },
  { name: "random_forest", description: "random forest", tasks: ["binary", "multiclass", "regression"] },
  { name: "knn", description: "k nearest neighbours", tasks: ["binary", "multiclass", "regression"] },
  { name: "mlp", description: "small multilayer perceptron (torch)", tasks: ["binary", "multiclass", "regression"] },
];

const metrics = {
  binary: ["roc_auc", "log_loss", "accuracy", "balanced_accuracy", "f1", "average_precision"],
  multiclass: ["log_loss", "accuracy", "balanced_accuracy", "macro_f1", "roc_auc_ovr"],
  regression: ["rmse", "mae", "r2", "mape"],
};

function binaryTrials() {
  const r = rng(7);
  const specs = [
    ["dummy", 0.5, { strategy: "prior" }],
    ["linear", 0.842, { C: 1.0, penalty: "l2" }],
    ["lightgbm", 0.851, { n_estimators: 100, learning_rate: 0.1, num_leaves: 31 }],
    ["extra_trees", 0.829, { n_estimators: 200, max_features: 0.5 }],
    ["hist_gb", 0.847, { max_iter: 200, learning_rate: 0.08 }],
    ["knn", null, { n_neighbors: 15 }],
    ["lightgbm", 0.856, { n_estimators: 420, learning_rate: 0.031, num_leaves: 15, min_child_samples: 40 }],
    ["random_forest", 0.838, { n_estimators: 300, max_features: "sqrt", min_samples_leaf: 3 }],
    ["mlp", 0.839, { hidden: [64, 32], dropout: 0.1, lr: 0.001 }],
    ["lightgbm", 0.8587, { n_estimators: 610, learning_rate: 0.022, num_leaves: 11, colsample_bytree: 0.7 }],
    ["linear", 0.8445, { C: 0.21, penalty: "l1" }],
  ];
  let t = 0.4;
  const rows = specs.map(([learner, score, params], i) => {
    const fit = learner === "dummy" ? 0.012 : 0.3 + r() * 4;
    t += fit + 0.3 + r();
    const failed = score == null;
    return {
      trial_id: i + 1,
      rank: null,
      learner,
      score: failed ? null : score,
      score_std: failed ? null : round(0.004 + r() * 0.012),
      metrics: failed
        ? {}
        : {
            log_loss: round(0.55 - (score - 0.5) * 0.7 + r() * 0.01),
            accuracy: round(0.73 + (score - 0.5) * 0.2 + r() * 0.01),
          },
      fit_seconds: round(fit, 3),
      predict_seconds: round(0.004 + r() * 0.08, 3),
      duration: round(fit + 0.2 + r() * 0.3, 3),
      status: failed ? "failed" : "ok",
      phase: "search",
      error: failed
        ? "MemoryError: kNN distance matrix of 7,043 × 7,043 rows exceeds the 2 GiB trial memory limit"
        : null,
      params,
      t: round(t, 2),
    };
  });
  const ranked = rows.filter((x) => x.score != null).sort((a, b) => b.score - a.score);
  ranked.forEach((x, i) => (x.rank = i + 2)); // the ensemble below is rank 1
  const ensemble = {
    trial_id: null,
    rank: 1,
    learner: "ensemble",
    score: 0.8612,
    score_std: 0.0071,
    metrics: { log_loss: 0.4102, accuracy: 0.8093 },
    fit_seconds: 0.41,
    predict_seconds: 0.09,
    duration: 0.52,
    status: "ok",
    phase: "ensemble",
    error: null,
    params: { members: 3 },
  };
  const leaderboard = [ensemble, ...[...rows].sort((a, b) => (a.rank ?? 99) - (b.rank ?? 99))].map(
    ({ t, ...row }) => row,
  );
  const history = rows.map((x) => ({
    trial_id: x.trial_id,
    t: x.t,
    score: x.score,
    learner: x.learner,
    status: x.status,
  }));
  return { leaderboard, history, rows };
}

function rocCurve(power, n = 60) {
  const fpr = [];
  const tpr = [];
  for (let i = 0; i <= n; i++) {
    const x = i / n;
    fpr.push(round(x));
    tpr.push(round(x ** power));
  }
  return { fpr, tpr, auc: round(1 / (1 + power)) };
}
function prCurve(n = 60) {
  const recall = [];
  const precision = [];
  for (let i = 0; i <= n; i++) {
    const rc = i / n;
    recall.push(round(rc));
    precision.push(round(Math.max(0.265, 0.92 - 0.62 * rc ** 1.6)));
  }
  return { recall, precision, ap: 0.664 };
}

function binaryDetails(rows) {
  const out = {};
  for (const x of rows) {
    const failed = x.status === "failed";
    out[x.trial_id] = {
      trial_id: x.trial_id,
      learner: x.learner,
      params: x.params,
      fold_scores: failed ? [] : [0, 1, 2, 3, 4].map((k) => round(x.score + (k - 2) * 0.004)),
      metrics: failed ? {} : { roc_auc: x.score, ...x.metrics },
      fit_seconds: x.fit_seconds,
      predict_seconds: x.predict_seconds,
      duration: x.duration,
      status: x.status,
      error: x.error,
      plots: failed
        ? {}
        : {
            kind: "classification",
            roc: rocCurve(1 / x.score - 1),
            pr: prCurve(),
            confusion: {
              labels: ["No", "Yes"],
              matrix: [
                [4632, 542],
                [833, 1036],
              ],
            },
          },
    };
  }
  return out;
}

const guardrailsBinary = [
  {
    check: "missing values",
    status: "fixed",
    message: "total_charges has 11 missing values (0.2%)",
    advice: "Imputed with the median; a missing-indicator column was added.",
    columns: ["total_charges"],
  },
  {
    check: "class balance",
    status: "passed",
    message: "26.5% of rows are the minority class 'Yes'",
    advice: "",
    columns: [],
  },
  {
    check: "identifier column",
    status: "alerted",
    message: "customer_id is unique per row and carries no signal",
    advice: "Dropped from the features; add it to drop_columns to silence this check.",
    columns: ["customer_id"],
  },
  {
    check: "high cardinality",
    status: "passed",
    message: "no categorical column has more than 100 labels",
    advice: "",
    columns: [],
  },
  {
    check: "target leakage",
    status: "alerted",
    message: "total_charges ≈ tenure × monthly_charges (r = 0.83)",
    advice: "Fine if total_charges is known at prediction time; otherwise drop it.",
    columns: ["total_charges", "tenure", "monthly_charges"],
  },
  { check: "duplicate rows", status: "passed", message: "no duplicate rows", advice: "", columns: [] },
];

const featurizationBinary = [
  { raw_column: "customer_id", kind: "id", steps: [], engineered_features: [], n_features: 0, dropped: true },
  {
    raw_column: "tenure",
    kind: "numeric",
    steps: ["impute median", "standard scale"],
    engineered_features: ["tenure"],
    n_features: 1,
    dropped: false,
  },
  {
    raw_column: "monthly_charges",
    kind: "numeric",
    steps: ["impute median", "standard scale"],
    engineered_features: ["monthly_charges"],
    n_features: 1,
    dropped: false,
  },
  {
    raw_column: "total_charges",
    kind: "numeric",
    steps: ["impute median", "missing indicator", "standard scale"],
    engineered_features: ["total_charges", "total_charges__missing"],
    n_features: 2,
    dropped: false,
  },
  {
    raw_column: "contract",
    kind: "categorical",
    steps: ["one-hot"],
    engineered_features: ["contract_Month-to-month", "contract_One year", "contract_Two year"],
    n_features: 3,
    dropped: false,
  },
  {
    raw_column: "payment_method",
    kind: "categorical",
    steps: ["one-hot"],
    engineered_features: [
      "payment_method_Bank transfer",
      "payment_method_Credit card",
      "payment_method_Electronic check",
      "payment_method_Mailed check",
    ],
    n_features: 4,
    dropped: false,
  },
  {
    raw_column: "internet_service",
    kind: "categorical",
    steps: ["one-hot"],
    engineered_features: ["internet_service_DSL", "internet_service_Fiber optic", "internet_service_No"],
    n_features: 3,
    dropped: false,
  },
  {
    raw_column: "senior_citizen",
    kind: "boolean",
    steps: ["as 0/1"],
    engineered_features: ["senior_citizen"],
    n_features: 1,
    dropped: false,
  },
  {
    raw_column: "signup_date",
    kind: "datetime",
    steps: ["year", "month", "day of week", "days since min"],
    engineered_features: ["signup_date_year", "signup_date_month", "signup_date_dow", "signup_date_days"],
    n_features: 4,
    dropped: false,
  },
  {
    raw_column: "support_notes",
    kind: "text",
    steps: ["impute ''", "TF-IDF (1–2 grams)", "SVD 32"],
    engineered_features: Array.from({ length: 32 }, (_, i) => `support_notes_svd${i}`),
    n_features: 32,
    dropped: false,
  },
];

export function binaryState() {
  const { leaderboard, history, rows } = binaryTrials();
  const details = binaryDetails(rows);
  const state = {
    phase: "searching",
    read_only: false,
    data_info: { n_rows: 7043, n_columns: churnColumns.length, columns: churnColumns, head: churnHead },
    target: "churn",
    config: {
      task: "auto",
      metric: "auto",
      time_budget: 60,
      max_trials: null,
      validation: "auto",
      n_folds: null,
      allowed_learners: null,
      blocked_learners: ["mlp"],
      drop_columns: ["customer_id"],
      ensemble: true,
      seed: 0,
    },
    choices: {
      tasks: ["auto", "binary", "multiclass", "regression"],
      metrics,
      learners,
      validations: ["auto", "cv", "holdout"],
      inferred_task: "binary",
      task_reason: "the target holds 2 distinct non-numeric labels",
      default_metric: "roc_auc",
    },
    config_errors: {},
    status: {
      elapsed: 42.3,
      budget: 60,
      eta: 17.7,
      n_done: 10,
      n_failed: 1,
      n_running: 2,
      best_score: 0.8612,
      best_learner: "ensemble",
      metric: "roc_auc",
      greater_is_better: true,
      message: "searching: lightgbm and hist_gb trials running",
    },
    leaderboard,
    history,
    guardrails: guardrailsBinary,
    featurization: featurizationBinary,
    trial_details: details[10],
    best: {
      description: "ensemble of 3 trials (Caruana selection on out-of-fold predictions)",
      score: 0.8612,
      members: [
        { trial_id: 10, learner: "lightgbm", weight: 0.5 },
        { trial_id: 5, learner: "hist_gb", weight: 0.3 },
        { trial_id: 2, learner: "linear", weight: 0.2 },
      ],
    },
    error: "",
    steering: binarySteering(),
  };
  return { state, details };
}

/** The `steering` trait of the binary run mid-search: knn blocked, mlp left out, two actions. */
export function binarySteering({ enabled = true } = {}) {
  const names = ["dummy", "linear", "lightgbm", "extra_trees", "random_forest", "hist_gb", "knn", "mlp"];
  const state = { knn: "blocked", mlp: "left out" };
  const note = {
    dummy: "the baseline",
    knn: "blocked by you at 9 s",
    mlp: "its min_budget (120 s) is above the time budget",
  };
  return {
    enabled,
    learners: names.map((name) => ({
      name,
      state: state[name] ?? "searched",
      note: note[name] ?? "",
      baseline: name === "dummy",
    })),
    log: [
      {
        seq: 0,
        at: 9.1,
        t: 9.1,
        action: "block",
        learner: "knn",
        detail: "blocked: no new trial of it starts (running ones finish)",
        by: "studio",
      },
      {
        seq: 1,
        at: 21.4,
        t: 21.4,
        action: "try_next",
        learner: "lightgbm",
        detail: "queued next: {'num_leaves': 11} — trial 7 with num_leaves 15 → 11",
        by: "api",
      },
    ],
    stop_reason: null,
  };
}

// ---- regression: house prices -------------------------------------------------------
export function regressionState() {
  const r = rng(11);
  const columns = [
    { name: "sqft", kind: "numeric", dtype: "float64", missing: 0, unique: 1820, evidence: "float" },
    { name: "bedrooms", kind: "numeric", dtype: "int64", missing: 0, unique: 7, evidence: "integer" },
    { name: "neighbourhood", kind: "categorical", dtype: "category", missing: 0, unique: 24, evidence: "24 labels" },
    { name: "year_built", kind: "numeric", dtype: "int64", missing: 37, unique: 112, evidence: "integer" },
    { name: "price", kind: "numeric", dtype: "float64", missing: 0, unique: 1930, evidence: "float" },
  ];
  const specs = [
    ["dummy", 98500],
    ["linear", 41200],
    ["lightgbm", 29850],
    ["random_forest", 32100],
    ["hist_gb", 30420],
    ["extra_trees", 31800],
    ["lightgbm", 28990],
    ["knn", 45200],
  ];
  let t = 0.3;
  const rows = specs.map(([learner, score], i) => {
    const fit = 0.2 + r() * 3;
    t += fit + 0.2;
    return {
      trial_id: i + 1,
      rank: null,
      learner,
      score,
      score_std: Math.round(score * (0.02 + r() * 0.03)),
      metrics: { mae: Math.round(score * 0.68), r2: round(1 - (score / 98500) ** 2) },
      fit_seconds: round(fit, 3),
      predict_seconds: round(0.01 + r() * 0.05, 3),
      duration: round(fit + 0.15, 3),
      status: "ok",
      phase: "search",
      error: null,
      params: learner === "lightgbm" ? { n_estimators: 300 + i * 40, learning_rate: 0.05, num_leaves: 31 } : {},
      t: round(t, 2),
    };
  });
  [...rows].sort((a, b) => a.score - b.score).forEach((x, i) => (x.rank = i + 1));
  const actual = [];
  const predicted = [];
  for (let i = 0; i < 400; i++) {
    const a = 120000 + r() * 480000;
    const p = a + (r() + r() + r() - 1.5) * 60000;
    actual.push(Math.round(a));
    predicted.push(Math.round(p));
  }
  const best = rows[6];
  return {
    state: {
      phase: "finished",
      read_only: false,
      data_info: {
        n_rows: 2000,
        n_columns: 5,
        columns,
        head: {
          columns: columns.map((c) => c.name),
          rows: [
            ["1710", "3", "CollgCr", "2003", "208500"],
            ["1262", "3", "Veenker", "1976", "181500"],
            ["1786", "3", "CollgCr", "2001", "223500"],
            ["1717", "3", "Crawfor", "", "140000"],
            ["2198", "4", "NoRidge", "2000", "250000"],
          ],
        },
      },
      target: "price",
      config: {
        task: "regression",
        metric: "rmse",
        time_budget: 30,
        max_trials: 20,
        validation: "cv",
        n_folds: 5,
        allowed_learners: ["linear", "lightgbm", "random_forest", "hist_gb", "extra_trees", "knn", "dummy"],
        blocked_learners: [],
        drop_columns: [],
        ensemble: false,
        seed: 42,
      },
      choices: {
        tasks: ["auto", "binary", "multiclass", "regression"],
        metrics,
        learners,
        validations: ["auto", "cv", "holdout"],
        inferred_task: "regression",
        task_reason: "the target is numeric with 1,930 distinct values",
        default_metric: "rmse",
      },
      config_errors: { max_trials: "max_trials must be at least the 2 baseline trials" },
      status: {
        elapsed: 29.4,
        budget: 30,
        eta: null,
        n_done: 8,
        n_failed: 0,
        n_running: 0,
        best_score: 28990,
        best_learner: "lightgbm",
        metric: "rmse",
        greater_is_better: false,
        message: "finished: best is lightgbm (trial 7), refit on all 2,000 rows",
      },
      leaderboard: [...rows].sort((a, b) => a.rank - b.rank).map(({ t, ...row }) => row),
      history: rows.map((x) => ({ trial_id: x.trial_id, t: x.t, score: x.score, learner: x.learner, status: "ok" })),
      guardrails: [
        {
          check: "missing values",
          status: "fixed",
          message: "year_built has 37 missing values (1.9%)",
          advice: "Imputed with the median.",
          columns: ["year_built"],
        },
        {
          check: "target skew",
          status: "alerted",
          message: "price is right-skewed (skewness 1.9)",
          advice: "Consider metric='mape' or a log-transformed target.",
          columns: ["price"],
        },
      ],
      featurization: [
        {
          raw_column: "sqft",
          kind: "numeric",
          steps: ["standard scale"],
          engineered_features: ["sqft"],
          n_features: 1,
          dropped: false,
        },
        {
          raw_column: "bedrooms",
          kind: "numeric",
          steps: ["standard scale"],
          engineered_features: ["bedrooms"],
          n_features: 1,
          dropped: false,
        },
        {
          raw_column: "neighbourhood",
          kind: "categorical",
          steps: ["target encode (5-fold)"],
          engineered_features: ["neighbourhood_te"],
          n_features: 1,
          dropped: false,
        },
        {
          raw_column: "year_built",
          kind: "numeric",
          steps: ["impute median", "standard scale"],
          engineered_features: ["year_built"],
          n_features: 1,
          dropped: false,
        },
      ],
      trial_details: {
        trial_id: 7,
        learner: "lightgbm",
        params: best.params,
        fold_scores: [28120, 30110, 27650, 29980, 29090],
        metrics: { rmse: 28990, mae: 19713, r2: 0.913 },
        fit_seconds: best.fit_seconds,
        predict_seconds: best.predict_seconds,
        duration: best.duration,
        status: "ok",
        error: null,
        plots: {
          kind: "regression",
          scatter: { actual, predicted },
          residuals: { predicted, residual: actual.map((a, i) => a - predicted[i]) },
        },
      },
      best: {
        description: "lightgbm (trial 7), refit on all rows",
        score: 28990,
        members: [{ trial_id: 7, learner: "lightgbm", weight: 1 }],
      },
      error: "",
    },
    details: {},
  };
}

// ---- read-only: what AutoML.fit() shows ----------------------------------------------
export function readOnlyState() {
  const { state, details } = binaryState();
  return {
    state: {
      ...state,
      read_only: true,
      phase: "finished",
      data_info: {},
      config: {},
      choices: {},
      target: "",
      status: {
        ...state.status,
        elapsed: 60.2,
        eta: null,
        n_running: 0,
        message: "stopped: time budget used; ensemble of 3 trials",
        stop_reason: "time budget used",
      },
      trial_details: {},
      error: "",
      steering: { ...binarySteering({ enabled: false }), stop_reason: "time budget used" },
    },
    details,
  };
}

// ---- configuring: a fresh Studio(df) with an invalid budget -------------------------
export function configuringState() {
  const { state } = binaryState();
  return {
    state: {
      ...state,
      phase: "configuring",
      config: { ...state.config, time_budget: -5 },
      config_errors: { time_budget: "time_budget must be a positive number of seconds, got -5" },
      status: {},
      leaderboard: [],
      history: [],
      guardrails: [],
      featurization: [],
      trial_details: {},
      best: {},
      error: "",
    },
    details: {},
  };
}

/** Every trait missing: the widget must render empty states, not throw. */
export function emptyState() {
  return { state: {}, details: {} };
}

export function failedState() {
  const { state, details } = binaryState();
  return {
    state: {
      ...state,
      phase: "failed",
      error: "the run failed: target column 'churn' has only one class after dropping rows with a missing target",
    },
    details,
  };
}

// ---- explanations: SHAP of the final churn model ---------------------------------------
const shapRaw = [
  ["contract", 0.62, "cat", ["Month-to-month", "One year", "Two year"]],
  ["tenure", 0.48, "num"],
  ["monthly_charges", 0.31, "num"],
  ["internet_service", 0.22, "cat", ["DSL", "Fiber optic", "No"]],
  ["total_charges", 0.18, "num"],
  ["payment_method", 0.12, "cat", ["Electronic check", "Mailed check", "Bank transfer", "Credit card"]],
  ["support_notes", 0.07, "text"],
  ["signup_date", 0.05, "num"],
  ["senior_citizen", 0.03, "cat", ["False", "True"]],
];
const shapEngineered = [
  ["contract=Month-to-month", 0.55],
  ["tenure", 0.48],
  ["monthly_charges", 0.31],
  ["internet_service=Fiber optic", 0.2],
  ["total_charges", 0.18],
  ["payment_method=Electronic check", 0.11],
  ["contract=Two year", 0.07],
  ["support_notes_svd0", 0.04],
  ["signup_date_year", 0.03],
  ["support_notes_svd1", 0.02],
  ["senior_citizen", 0.02],
  ["signup_date_month", 0.01],
];

/** An `explanation` trait like the kernel's (CONTRACT.md, "Explanations"). */
export function churnExplanation({ space = "raw", feature = null, row = 0 } = {}) {
  const r = rng(17);
  const n = 200;
  const swarm = (list) => {
    const features = list.slice(0, 15).map((f) => f[0]);
    const points = [];
    for (const [name, imp, kind] of list.slice(0, 15)) {
      for (let i = 0; i < n; i++) {
        const v = kind === "text" ? null : r();
        const shap = (kind === "text" ? r() - 0.5 : v - 0.5) * 2.4 * imp + (r() - 0.5) * imp * 0.6;
        points.push({ feature: name, shap: round(shap), value: v == null ? null : round(v, 3) });
      }
    }
    return { features, points };
  };
  const list = space === "engineered" ? shapEngineered : shapRaw;
  const f = feature ?? list[0][0];
  const spec = shapRaw.find((x) => x[0] === f);
  const categorical = spec?.[2] === "cat";
  const x = [];
  const shap = [];
  for (let i = 0; i < 300; i++) {
    if (categorical) {
      const k = Math.floor(r() * spec[3].length);
      x.push(spec[3][k]);
      shap.push(round((k === 0 ? 0.5 : -0.4) + (r() - 0.5) * 0.2));
    } else {
      const v = f.includes("tenure") ? Math.round(r() * 72) : round(20 + r() * 100, 2);
      x.push(v);
      shap.push(round((f.includes("tenure") ? 0.6 - v / 60 : (v - 65) / 90) + (r() - 0.5) * 0.15));
    }
  }
  const values = {
    contract: "Month-to-month",
    tenure: "2",
    monthly_charges: "70.7",
    internet_service: "Fiber optic",
    total_charges: "151.65",
    payment_method: "Electronic check",
    "contract=Month-to-month": "1",
    "internet_service=Fiber optic": "1",
    "payment_method=Electronic check": "1",
  };
  const contributions = list.slice(0, 12).map(([name, imp], i) => ({
    feature: name,
    value: values[name] ?? String(round(r() * 3, 2)),
    shap: round((i % 3 === 2 ? -0.5 : 1) * imp * (0.6 + ((row * 7 + i) % 5) / 5)),
  }));
  contributions.push({ feature: "other features", value: "", shap: -0.04 });
  const base = -1.05;
  return {
    trial_id: null,
    explainer: "tree",
    note: "TreeExplainer on the LightGBM member (weight 0.5) of the ensemble; SHAP values in log-odds.",
    n_rows: 1000,
    class_name: "Yes",
    base_value: base,
    importance: {
      raw: shapRaw.map(([feature, importance]) => ({ feature, importance })),
      engineered: shapEngineered.map(([feature, importance]) => ({ feature, importance })),
    },
    beeswarm: { raw: swarm(shapRaw), engineered: swarm(shapEngineered) },
    dependence: { feature: f, x, shap, categorical },
    waterfall: {
      row,
      base_value: base,
      output: round(base + contributions.reduce((a, c) => a + c.shap, 0)),
      contributions,
    },
    rows: 1000,
    space,
  };
}

/** A finished binary run whose final model has been explained. */
export function explanationsState() {
  const { state, details } = binaryState();
  return {
    state: {
      ...state,
      phase: "finished",
      status: { ...state.status, elapsed: 60.2, eta: null, n_running: 0, message: "finished: ensemble of 3 trials" },
      explanation: churnExplanation(),
    },
    details,
  };
}

// ---- forecast: monthly sales of three stores --------------------------------------------
const forecastLearners = [
  { name: "seasonal_naive", description: "repeats the last season", tasks: ["forecast"] },
  { name: "ets", description: "exponential smoothing (error, trend, season)", tasks: ["forecast"] },
  { name: "theta", description: "the theta method", tasks: ["forecast"] },
  { name: "lightgbm", description: "gradient-boosted trees on lags (recursive)", tasks: ["forecast"] },
];

/** ISO month starts from 2015-01 (`i` months later), as pandas' isoformat writes them. */
const month = (i) => {
  const y = 2015 + Math.floor(i / 12);
  const m = (i % 12) + 1;
  return `${y}-${String(m).padStart(2, "0")}-01T00:00:00`;
};

/** One store's sales: trend + yearly season + noise; 120 months of history. */
function storeSeries(store) {
  const r = rng(100 + store.length * 7 + store.charCodeAt(store.length - 1));
  const level = { A: 12000, B: 8400, C: 21500 }[store.slice(-1)] ?? 10000;
  const n = 120;
  const value = (i) => level * (1 + 0.004 * i) * (1 + 0.18 * Math.sin((2 * Math.PI * (i % 12)) / 12 - 1));
  const y = Array.from({ length: n }, (_, i) => Math.round(value(i) * (1 + (r() - 0.5) * 0.08)));
  return { n, y, value, r };
}

/** The `forecast` trait of one store (horizon 12, three backtest windows, 80% interval). */
export function salesForecast(store = "store A", { computing = false } = {}) {
  const { n, y, value, r } = storeSeries(store);
  const horizon = 12;
  const backtest = [3, 2, 1].map((k, w) => {
    const origin = n - k * horizon; // first predicted index
    const t = Array.from({ length: horizon }, (_, j) => month(origin + j));
    const y_pred = t.map((_, j) => Math.round(value(origin + j) * (1 + (r() - 0.5) * 0.05)));
    const err = y_pred.reduce((a, p, j) => a + Math.abs(p - y[origin + j]), 0) / horizon;
    return { window: w + 1, cutoff: month(origin - 1), t, y_pred, score: round(err / (0.06 * value(origin)), 4) };
  });
  const t = Array.from({ length: horizon }, (_, j) => month(n + j));
  const mean = t.map((_, j) => Math.round(value(n + j)));
  const width = (j) => 0.05 + 0.006 * j;
  return {
    series_ids: ["store A", "store B", "store C"],
    series_id: store,
    metric: "mase",
    horizon,
    level: 80,
    model: "ensemble of ets (trial 2) and lightgbm (trial 5), refit on all 120 months",
    history: { t: y.map((_, i) => month(i)), y },
    backtest,
    forecast: {
      t,
      mean,
      lower: mean.map((m, j) => Math.round(m * (1 - width(j)))),
      upper: mean.map((m, j) => Math.round(m * (1 + width(j)))),
    },
    ...(computing ? { computing: true } : {}),
  };
}

/** The details of a forecasting trial: the backtest with the actuals. */
function forecastTrialDetails(trialId, learner, params, scores) {
  const { n, y, value, r } = storeSeries("store A");
  const horizon = 12;
  const first = n - 3 * horizon;
  return {
    trial_id: trialId,
    learner,
    params,
    fold_scores: scores,
    metrics: { mase: round(scores.reduce((a, b) => a + b, 0) / scores.length), smape: 0.0612 },
    fit_seconds: 0.41,
    predict_seconds: 0.02,
    duration: 1.3,
    status: "ok",
    error: null,
    plots: {
      kind: "forecast",
      series_id: "store A",
      history: { t: y.slice(first - 36, first).map((_, i) => month(first - 36 + i)), y: y.slice(first - 36, first) },
      backtest: [3, 2, 1].map((k, w) => {
        const origin = n - k * horizon;
        const t = Array.from({ length: horizon }, (_, j) => month(origin + j));
        return {
          window: w + 1,
          cutoff: month(origin - 1),
          t,
          y: y.slice(origin, origin + horizon),
          y_pred: t.map((_, j) => Math.round(value(origin + j) * (1 + (r() - 0.5) * 0.06))),
        };
      }),
    },
  };
}

/** A finished forecasting run of three stores' monthly sales. */
export function forecastState() {
  const columns = [
    { name: "month", kind: "datetime", dtype: "datetime64[ns]", missing: 0, unique: 120, evidence: "datetime64" },
    { name: "store", kind: "categorical", dtype: "object", missing: 0, unique: 3, evidence: "3 labels" },
    { name: "promo", kind: "numeric", dtype: "float64", missing: 0, unique: 2, evidence: "0/1" },
    { name: "sales", kind: "numeric", dtype: "int64", missing: 0, unique: 357, evidence: "integer" },
  ];
  const specs = [
    ["seasonal_naive", 1.0, [1.08, 0.97, 0.95], {}],
    ["ets", 0.812, [0.88, 0.79, 0.77], { trend: "add", damped: true, seasonal: "mul" }],
    ["theta", 0.861, [0.9, 0.85, 0.83], { theta: 2 }],
    ["lightgbm", 0.834, [0.91, 0.8, 0.79], { lags: 24, n_estimators: 300, learning_rate: 0.05 }],
    ["lightgbm", 0.799, [0.86, 0.78, 0.76], { lags: 12, n_estimators: 500, learning_rate: 0.03 }],
  ];
  const rows = specs.map(([learner, score, folds, params], i) => ({
    trial_id: i + 1,
    rank: null,
    learner,
    score,
    score_std: round(Math.sqrt(folds.reduce((a, f) => a + (f - score) ** 2, 0) / folds.length)),
    metrics: { smape: round(0.05 + score * 0.02), rmse: Math.round(900 * score) },
    fit_seconds: 0.2 + i * 0.3,
    predict_seconds: 0.01,
    duration: 0.9 + i * 0.4,
    status: "ok",
    phase: "search",
    error: null,
    params,
    t: 1 + i * 2.1,
    folds,
  }));
  [...rows].sort((a, b) => a.score - b.score).forEach((x, i) => (x.rank = i + 2));
  const details = Object.fromEntries(
    rows.map((x) => [x.trial_id, forecastTrialDetails(x.trial_id, x.learner, x.params, x.folds)]),
  );
  const ensemble = {
    trial_id: null,
    rank: 1,
    learner: "ensemble",
    score: 0.781,
    score_std: 0.04,
    metrics: { smape: 0.0656, rmse: 702 },
    fit_seconds: 0.6,
    predict_seconds: 0.03,
    duration: 0.7,
    status: "ok",
    phase: "ensemble",
    error: null,
    params: { members: 2 },
  };
  const forecasts = Object.fromEntries(["store A", "store B", "store C"].map((s) => [s, salesForecast(s)]));
  const state = {
    phase: "finished",
    read_only: false,
    data_info: {
      n_rows: 360,
      n_columns: 4,
      columns,
      head: {
        columns: columns.map((c) => c.name),
        rows: [
          ["2015-01-01", "store A", "0", "11262"],
          ["2015-02-01", "store A", "1", "11968"],
          ["2015-03-01", "store A", "0", "12915"],
          ["2015-04-01", "store A", "0", "13810"],
          ["2015-05-01", "store A", "1", "14120"],
        ],
      },
    },
    target: "sales",
    config: {
      task: "forecast",
      metric: "mase",
      time_budget: 60,
      max_trials: null,
      validation: "auto",
      n_folds: null,
      allowed_learners: null,
      blocked_learners: [],
      drop_columns: [],
      ensemble: true,
      seed: 0,
      time_column: "month",
      horizon: 12,
      series_id: "store",
      frequency: "auto",
      season_length: "auto",
      country_holidays: "US",
      n_windows: null,
    },
    choices: {
      tasks: ["auto", "binary", "multiclass", "regression", "forecast"],
      metrics: { ...metrics, forecast: ["mase", "smape", "rmse", "mae"] },
      learners: [...learners, ...forecastLearners],
      validations: ["auto", "cv", "holdout"],
      inferred_task: "regression",
      task_reason: "the target is numeric with 357 distinct values",
      default_metric: "mase",
      time_columns: ["month"],
      forecast_defaults: { horizon: 12, frequency: "MS", season_length: 12, n_windows: 3 },
    },
    config_errors: {},
    status: {
      elapsed: 12.2,
      budget: 60,
      eta: null,
      n_done: 5,
      n_failed: 0,
      n_running: 0,
      best_score: 0.781,
      best_learner: "ensemble",
      metric: "mase",
      greater_is_better: false,
      message: "finished: ensemble of 2 trials, refit on all 120 months",
    },
    leaderboard: [ensemble, ...[...rows].sort((a, b) => a.rank - b.rank)].map(({ t, folds, ...row }) => row),
    history: rows.map((x) => ({ trial_id: x.trial_id, t: x.t, score: x.score, learner: x.learner, status: "ok" })),
    guardrails: [
      {
        check: "series length",
        status: "passed",
        message: "every series has 120 months: enough for 3 backtest windows of 12",
        advice: "",
        columns: ["month"],
      },
    ],
    featurization: [],
    trial_details: details[5],
    best: {
      description: "ensemble of ets (trial 2) and lightgbm (trial 5)",
      score: 0.781,
      members: [
        { trial_id: 2, learner: "ets", weight: 0.5 },
        { trial_id: 5, learner: "lightgbm", weight: 0.5 },
      ],
    },
    forecast: forecasts["store A"],
    explanation: {},
    error: "",
  };
  return { state, details, forecasts };
}

export const STATES = {
  binary: binaryState,
  regression: regressionState,
  readonly: readOnlyState,
  configuring: configuringState,
  empty: emptyState,
  failed: failedState,
  explanations: explanationsState,
  forecast: forecastState,
};
