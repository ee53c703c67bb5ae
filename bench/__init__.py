"""Benchmarks of flask-pat's token authentication, run with ``make bench``.

Everything here is for measurement only: the reference token schemes in
:mod:`bench.references` exist to be compared with, not to be used.
"""
