"""`factory setup-model`: convert the embedded teacher once (make setup calls it)."""

from factory.teacher.embedded import ensure_embedded_model


def setup_model() -> None:
    """Convert the embedded SmolLM2 GGUF to an HF folder (cached; instant when already done)."""
    print(ensure_embedded_model())
