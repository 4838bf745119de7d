"""Full-text search behind one interface: tantivy (default), SQLite FTS5 (no extra dependency), or
a user's hosted search service over HTTP."""
