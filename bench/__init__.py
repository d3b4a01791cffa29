"""Benchmarks: speed and memory at SNOMED scale, each beside a naive baseline from the same run."""
