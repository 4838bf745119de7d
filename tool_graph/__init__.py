"""Tool collection (OpenAPI specs, MCP servers, Python functions), the dependency graph between
tools, and seeded walks over it (DESIGN §5, tool_use). Filled in by the tool-use pipeline issue."""
