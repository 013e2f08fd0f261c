"""Benchmarks of the petition platform: `python bench/run.py` (see docs/performance.md)."""
