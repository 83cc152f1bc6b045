"""Bulk data pipelines for Pelanggan.

This package deliberately imports neither Django nor ``pelanggan``: it runs in batch jobs,
benchmarks and (later) on Spark executors where no Django settings exist. Results travel back
into the transactional side through a context's bulk service, never by reaching into its models.
"""
