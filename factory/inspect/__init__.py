"""Auditing runs: read committed shards, filter and sample them, render, label, export, report."""
