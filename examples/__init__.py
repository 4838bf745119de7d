"""Examples you can run from the repository root (each is exercised by tests/examples/)."""
