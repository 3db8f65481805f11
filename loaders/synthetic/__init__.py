"""Synthetic multi-agency borough with ground truth (issue 3). See docs/synthetic-data.md."""
from .generator import GENERATOR_VERSION, generate

__all__ = ["generate", "GENERATOR_VERSION"]
