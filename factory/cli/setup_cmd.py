"""`factory setup-model`: convert the embedded teacher once (make setup calls it)."""

from factory.teacher.embedded import ensure_embedded_model


def setup_model() -> None:
    """Convert the embedded SmolLM2 GGUF to an HF folder (cached; instant when already done)."""
    print(ensure_embedded_model())


def setup_templates() -> None:
    """Fetch the named chat templates (qwen3, gemma3) for `factory export --format text` and the tests."""
    from factory.export import catalog

    for name in catalog.KNOWN:
        print(name, catalog.ensure(name))
