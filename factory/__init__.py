"""trajectory-factory: the engine that turns a teacher model and an environment into verified,
deduplicated, training-ready trajectory shards."""

__version__ = "0.1.0"
