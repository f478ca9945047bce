"""Running trials: what a trial is, how it runs, what it reports, where it is kept."""
