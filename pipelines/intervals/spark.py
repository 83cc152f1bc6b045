"""The interval aggregates on Apache Spark (``--engine spark``), from the same SQL text.

``aggregates.aggregate_sql`` is written in the subset of SQL that DuckDB and Spark share; the
only engine-specific fragments sit in ``aggregates.SPARK``. This module supplies what differs
around the query: a session (local by default, UTC session zone so that instants and local
calendars are computed exactly as on DuckDB) and the readers. Results are cast to
``aggregates.RESULT_SCHEMA``, so both engines return equal Arrow tables, Decimal for Decimal.

PySpark is an optional extra (``pip install pelanggan[spark]``) and needs Java 17; it is
imported only when a Spark function runs.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa

from pipelines.intervals import engine
from pipelines.intervals.aggregates import (
    SPARK,
    Grain,
    TimeOfUse,
    aggregate_sql,
    lake_days,
    normalise,
)

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

#: The lake's columns as Spark types (used for an empty lake and for Arrow input).
SPARK_SCHEMA_DDL = (
    "meter_number STRING, interval_start TIMESTAMP, interval_minutes INT, "
    "kwh DECIMAL(18,6), kvarh DECIMAL(18,6), quality STRING, source_name STRING"
)


def spark_session(*, master: str = "local[2]", driver_memory: str = "1g") -> SparkSession:
    """A (shared, per process) Spark session configured for the pipelines.

    The session zone is UTC, like the DuckDB connections; the UI is off and shuffles use few
    partitions because local jobs are small. ``getOrCreate`` returns the running session if
    there is one, so a test module or a batch job pays the JVM start-up once.
    """
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName("pelanggan-pipelines")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "4")
        .config("spark.driver.memory", driver_memory)
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .getOrCreate()
    )


def _readings_frame(session: SparkSession, readings: pa.Table) -> DataFrame:
    columns = ["meter_number", "interval_start", "interval_minutes", "kwh", "kvarh", "quality"]
    table = readings.select([c for c in columns if c in readings.column_names])
    rows = [tuple(r.values()) for r in table.to_pylist()]
    schema = ", ".join(
        part for part in SPARK_SCHEMA_DDL.split(", ") if part.split(" ")[0] in table.column_names
    )
    return session.createDataFrame(rows, schema=schema)


def read_lake(session: SparkSession, files: list[str]) -> DataFrame:
    """The lake files as one frame with the canonical columns (``engine.lake_relation_sql``
    on Spark): slim parts get ``kvarh`` NULL and ``quality``/``source_name`` from their name."""
    from pyspark.sql import functions as f

    columns = list(engine.LAKE_COLUMN_NAMES)
    frame = session.createDataFrame([], schema=SPARK_SCHEMA_DDL)
    for constants, group in engine.group_lake_files(files).items():
        part = session.read.parquet(*group)
        if constants is not None:
            quality, source_name = constants
            part = part.select(
                *engine.SLIM_COLUMN_NAMES,
                f.lit(None).cast("decimal(18,6)").alias("kvarh"),
                f.lit(quality).alias("quality"),
                f.lit(source_name).alias("source_name"),
            )
        frame = frame.unionByName(part.select(*columns))
    return frame


def aggregate_spark(
    readings: pa.Table | None = None,
    *,
    lake_dir: Path | str | None = None,
    grain: Grain = "day",
    period_from: datetime | None = None,
    period_to: datetime | None = None,
    tou: TimeOfUse | None = None,
    session: SparkSession | None = None,
) -> pa.Table:
    """``aggregates.aggregate`` on Spark: same arguments, same SQL, same result schema."""
    spark = session or spark_session()
    if readings is not None:
        frame = _readings_frame(spark, readings)
    elif lake_dir is not None:
        files = engine.lake_files(Path(lake_dir), lake_days(period_from, period_to))
        frame = read_lake(spark, files)
    else:
        raise ValueError("give readings or lake_dir")
    frame.createOrReplaceTempView("pelanggan_readings")
    sql = aggregate_sql(
        "pelanggan_readings", grain=grain, tou=tou or TimeOfUse(),
        period_from=period_from, period_to=period_to, dialect=SPARK,
    )
    return normalise(spark.sql(sql).toArrow())
