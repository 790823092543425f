"""Benchmarks for Amity: ``python -m benchmarks NAME [options]``."""
