"""Residex loaders: declared source mappings, streaming readers, quarantine, standardisation,
Splink linkage, golden records, stable IDs and data-quality reports.

The synthetic borough generator lives in ``loaders.synthetic`` (owned separately).
The public entry point for linkage is :func:`loaders.link.run_link`.
"""
