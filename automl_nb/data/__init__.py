"""Data profiling and guardrail checks."""
