"""Shipped Python tool sets. Each module is self-contained (standard library only): its source file is
what runs in the sandbox."""
