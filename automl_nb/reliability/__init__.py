"""How far to trust the number: run-to-run variance and whether the data is enough.

- :mod:`.stability`: ``stability`` — the final pipeline (and the runners-up) refit and scored
  on other splits and seeds, or whole searches repeated with other seeds; the score's
  interval, how often the chosen model wins, a verdict;
- :mod:`.learning_curve`: ``learning_curve`` — the best pipeline's score at growing shares of
  the training rows, with the fold spread, and whether more data is likely to help;
- :mod:`.chance_best`: the chance each trial is truly best, from paired fold differences (a
  leaderboard column).

:class:`~.facade.ReliabilityMethods` gives :class:`~automl_nb.AutoML` the methods. Each result
has ``.verdict`` (a sentence), ``.frame`` (one row per split, search or fold) and
``to_record()``, the JSON the Studio and the reports draw, kept on the experiment as
``exp.reliability["stability"]`` / ``exp.reliability["learning_curve"]``:

stability
    ``{"mode": "retrain"|"retune", "n": int, "metric": str, "greater_is_better": bool,
    "mean": float, "interval": [low, high], "verdict": str, "win_rate": float,
    "models": [{"label": str, "trial_id": int|None, "scores": [float per split]}],
    "seconds": float, "requested": int, "description": str, "stopped": str, "learners": [str]}``
    — ``models[0]`` is the final model (retune: each search's final model on the common test
    rows); ``n`` is what finished of ``requested``, ``stopped`` why not all ("" when all did),
    ``description`` how the splits were drawn, ``learners`` each search's best learner
    (retune; [] otherwise); ``win_rate`` is null when no other learner finished.
learning_curve
    ``{"metric": str, "greater_is_better": bool, "verdict": str, "slope": float,
    "points": [{"fraction": float, "n_rows": int, "mean": float, "std": float,
    "scores": [float per fold]}], "seconds": float}``
"""
