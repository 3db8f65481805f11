"""Splink linkage: comparisons, blocking, training, deterministic rules, clustering, explanations."""
