"""Searching configurations: portfolio first, then model-based search."""
