"""The pipelines that ship with trajectory-factory, one folder each. Each is registered as an entry
point in pyproject.toml (`[project.entry-points."trajectory_factory.pipelines"]`), the same way a
pipeline in a separate package is; docs/architecture.md says how to add one."""
