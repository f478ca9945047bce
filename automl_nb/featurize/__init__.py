"""Featurization: per-family sklearn ColumnTransformers."""
