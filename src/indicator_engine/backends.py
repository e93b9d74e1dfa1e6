"""Compute backends: DuckDB (default) and Spark local mode, both driven through Ibis.

A backend loads the canonical tables, materialises building blocks (tables of the run's DuckDB
database / Spark local checkpoints) and executes Ibis expressions. The expressions themselves
are the same for both; only loading and materialising differ.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import duckdb
import ibis
import pandas as pd
from ibis.expr.types import Table

from .contract import SourceFile
from .io import export_canonical_parquet, geography_frame, load_into_duckdb

BACKENDS = ("duckdb", "spark")
DEFAULT_DUCKDB_MEMORY = "1536MB"
_counter = itertools.count()


class Backend:
    name: str = ""
    con: Any

    def load(self, files: dict[str, SourceFile], geography: pd.DataFrame | None = None) -> None:
        """Load the canonical tables; ``geography`` replaces the file's member mapping."""
        raise NotImplementedError

    def table(self, name: str) -> Table:
        return self.con.table(name)

    def materialise(self, expr: Table, name: str) -> Table:
        raise NotImplementedError

    def register_frame(self, frame: pd.DataFrame, name: str) -> Table:
        raise NotImplementedError

    def execute(self, expr: Table) -> pd.DataFrame:
        return expr.execute()

    def close(self) -> None:
        pass


class DuckDBBackend(Backend):
    name = "duckdb"

    def __init__(self, *, memory_limit: str | None = None, threads: int | None = None) -> None:
        # Defaults keep the whole process under ~2 GB: DuckDB spills to disk beyond its limit.
        config: dict[str, Any] = {"preserve_insertion_order": False}
        config["memory_limit"] = (memory_limit or os.environ.get("SUNDHEDSAFTALE_DUCKDB_MEMORY")
                                  or DEFAULT_DUCKDB_MEMORY)
        threads = threads or int(os.environ.get("SUNDHEDSAFTALE_DUCKDB_THREADS", "0")) or None
        if threads:
            config["threads"] = threads
        self.con = ibis.duckdb.connect(**config)
        self.raw: duckdb.DuckDBPyConnection = self.con.con

    def load(self, files: dict[str, SourceFile], geography: pd.DataFrame | None = None) -> None:
        load_into_duckdb(self.raw, files, geography)

    def materialise(self, expr: Table, name: str) -> Table:
        sql = self.con.compile(expr)
        # A table of the in-memory database, not a TEMP one: the indicator threads' own
        # connections (cursors of this one) must see it; the database dies with the run.
        self.raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')
        return self.con.table(name)

    def register_frame(self, frame: pd.DataFrame, name: str) -> Table:
        view = f"__df_{next(_counter)}"
        self.raw.register(view, frame)
        self.raw.execute(f'CREATE OR REPLACE TABLE "{name}" AS SELECT * FROM "{view}"')
        self.raw.unregister(view)
        return self.con.table(name)

    def close(self) -> None:
        self.con.disconnect()


def spark_session(app_name: str = "sundhedsaftale", *, shuffle_partitions: int | None = None
                  ) -> Any:
    """A quiet local[2] Spark session with UTC session time zone."""
    partitions = shuffle_partitions or int(os.environ.get("SUNDHEDSAFTALE_SPARK_PARTITIONS", "4"))
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .appName(app_name)
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.driver.memory", os.environ.get("SUNDHEDSAFTALE_SPARK_MEMORY", "2g"))
        .config("spark.sql.ansi.enabled", "false")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    return spark


class SparkBackend(Backend):
    name = "spark"

    def __init__(self, spark: Any | None = None) -> None:
        self.spark = spark or spark_session()
        self.con = ibis.pyspark.connect(self.spark)
        self._tmp = Path(tempfile.mkdtemp(prefix="sundhedsaftale-spark-"))
        self._cached: list[Any] = []

    def load(self, files: dict[str, SourceFile], geography: pd.DataFrame | None = None) -> None:
        # DuckDB reads and normalises the validated files once; Spark reads the result.
        for name, path in export_canonical_parquet(files, self._tmp).items():
            self.spark.read.parquet(str(path)).createOrReplaceTempView(name)
        self.register_frame(geography_frame(files) if geography is None else geography,
                            "geography")

    def materialise(self, expr: Table, name: str) -> Table:
        # A local checkpoint, not cache(): a cached frame keeps its whole lineage in every
        # later plan (each block's plan nests the plans of the blocks it reads), and the
        # indicator queries' plans grew so large that analysing them took longer than running
        # them and filled the driver's memory. The checkpoint is computed now and kept by the
        # executors, like a cache, and later plans read it as a leaf.
        frame = self.spark.sql(self.con.compile(expr)).localCheckpoint(eager=True)
        self._cached.append(frame)
        frame.createOrReplaceTempView(name)
        return self.con.table(name)

    def register_frame(self, frame: pd.DataFrame, name: str) -> Table:
        self.spark.createDataFrame(frame).createOrReplaceTempView(name)
        return self.con.table(name)

    def close(self) -> None:
        for frame in self._cached:
            # The checkpoint's blocks (the plan is a LogicalRDD over the persisted rows);
            # a session that lives on (tests, a notebook) gets its memory back now.
            plan = frame._jdf.queryExecution().analyzed()
            if plan.getClass().getSimpleName() == "LogicalRDD":
                plan.rdd().unpersist(False)
        shutil.rmtree(self._tmp, ignore_errors=True)


def make_backend(name: str, **options: Any) -> Backend:
    if name == "duckdb":
        return DuckDBBackend(**options)
    if name == "spark":
        return SparkBackend(**options)
    raise ValueError(f"unknown backend {name!r}; choose one of {', '.join(BACKENDS)}")
