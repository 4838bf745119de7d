"""Exact and near-duplicate removal over the whole run (and earlier runs when asked)."""
