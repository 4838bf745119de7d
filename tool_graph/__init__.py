"""Tool collection (OpenAPI specs, MCP servers, Python functions), the dependency graph between
tools, and seeded walks over it (docs/architecture.md). Filled in by the tool-use pipeline issue."""
