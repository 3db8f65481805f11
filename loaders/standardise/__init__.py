"""Standardisation of names, dates, postcodes, addresses and identifiers.

Each module exposes SQL expression builders (vectorised in DuckDB) plus small Python reference
functions used by the tests and for single records. Python per-row code is kept out of the hot path.
"""
