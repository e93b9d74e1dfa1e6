"""Shared fixtures for engine tests: one SparkSession for the whole test session."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def spark():
    """A quiet local[2] Spark session (UTC), started once and stopped at the end."""
    pytest.importorskip("pyspark", reason="pyspark is not installed")
    from indicator_engine.backends import spark_session

    session = spark_session("sundhedsaftale-tests", shuffle_partitions=2)  # tiny data
    yield session
    session.stop()
