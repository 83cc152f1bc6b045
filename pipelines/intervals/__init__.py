"""Interval data (load profiles): ingestion, VEE and aggregates over a Parquet lake."""

from pipelines.intervals.layout import CANONICAL, MAPPINGS, SGSC, ColumnMapping

__all__ = ["CANONICAL", "MAPPINGS", "SGSC", "ColumnMapping"]
