"""The embedded weights dressed as another model family, for serving them behind `vllm serve` with that
family's chat template and parsers. vLLM's parsers look their markers up as single tokens of the
vocabulary (`<think>`, `<|python_tag|>`, `[TOOL_CALLS]` …), which SmolLM2's tokenizer lacks; here the
special tokens it never uses in chat (ids 3–16, StarCoder's repository markers) are renamed to the
family's markers. The weights and every other token are untouched, so the model writes what it
always writes — the markers come from the template, the thinking budget and guided decoding."""

from __future__ import annotations

import json
import os
from pathlib import Path

from factory.config import TeacherConfig
from factory.teacher.build import resolve_model

MARKERS = ["<think>", "</think>", "<tool_call>", "</tool_call>", "<|python_tag|>", "[TOOL_CALLS]", "<|eom_id|>",
           "<｜tool▁calls▁begin｜>", "<｜tool▁calls▁end｜>", "<｜tool▁call▁begin｜>", "<｜tool▁call▁end｜>",
           "<｜tool▁sep｜>"]
PLAIN = {"<think>", "</think>", "<tool_call>", "</tool_call>"}
FIRST_FREE = 3  # ids 0-2 are <|endoftext|>, <|im_start|>, <|im_end|>: SmolLM2's chat uses them
TEMPLATES = Path(__import__("trl").__file__).parent / "chat_templates"  # real families' templates, from PyPI


def template(name: str) -> Path:
    """A model family's chat template as TRL ships it (qwen3, llama3_1, deepseek_r1_distill, gptoss …)."""
    path = TEMPLATES / f"{name}.jinja"
    assert path.is_file(), f"trl ships no {name}.jinja"
    return path


def family_model(root: Path) -> Path:
    """A model folder: the embedded weights (linked) and a tokenizer holding MARKERS as special tokens."""
    src = Path(resolve_model(TeacherConfig()))
    out = root / "smollm2-markers-v2"
    if (out / "tokenizer.json").is_file():
        return out
    out.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.name not in ("tokenizer.json", "tokenizer_config.json"):
            os.symlink(f, out / f.name)
    tok = json.loads((src / "tokenizer.json").read_text())
    renamed = {}
    for i, marker in enumerate(MARKERS):
        entry = next(a for a in tok["added_tokens"] if a["id"] == FIRST_FREE + i)
        renamed[entry["content"]] = marker
        entry["content"] = marker
        # As in Qwen3's and DeepSeek's tokenizers: these are added but not special, so a reply's text keeps them.
        entry["special"] = marker not in PLAIN
    tok["model"]["vocab"] = {renamed.get(k, k): v for k, v in tok["model"]["vocab"].items()}
    (out / "tokenizer.json").write_text(json.dumps(tok, ensure_ascii=False))
    cfg = json.loads((src / "tokenizer_config.json").read_text())
    for entry in (cfg.get("added_tokens_decoder") or {}).values():
        entry["content"] = renamed.get(entry["content"], entry["content"])
        if entry["content"] in PLAIN:
            entry["special"] = False
    for key in ("additional_special_tokens", "extra_special_tokens"):
        if isinstance(cfg.get(key), list):
            cfg[key] = [renamed.get(t, t) for t in cfg[key]]
    (out / "tokenizer_config.json").write_text(json.dumps(cfg, ensure_ascii=False))
    return out
