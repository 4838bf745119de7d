"""Scheduling: tasks → chunks → workers (Ray actors or inline) → verify → dedup → commit."""
