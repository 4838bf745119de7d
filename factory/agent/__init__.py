"""The agent loop: teacher turn → parse Hermes tool calls → environment step → ..."""
