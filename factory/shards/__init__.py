"""Parquet shards with an explicit schema, written atomically."""
