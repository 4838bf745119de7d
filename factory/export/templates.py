"""Chat templates for the `text` export: a row rendered to the one training string a model of that
family would see, and its token count. A template that renders tools and tool calls itself (Qwen3,
Llama 3.1 …) gets the portable row; one that does not (Gemma 3, SmolLM2 …) gets the row in the
Hermes form the teacher saw (tools block in the system prompt, calls inline, results as user
turns), so nothing of a tool row is silently dropped."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from factory.agent import hermes
from factory.errors import UserError
from factory.export import catalog, formats, thinking
from factory.records import message_dict
from factory.trajectory import Message

_PROBE_TOOL = "probe_tool_zq"
_PROBE_ARG = "probe-value-7731"


@dataclass
class ChatTemplate:
    name: str
    template: str
    tokenizer: Any  # a transformers tokenizer: renders the template and counts tokens
    native_tools: bool = False

    def render(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]], thinking: bool | None = None) -> str:
        """`messages` in chat form (call arguments as objects, see `formats.chat_messages`); `thinking`:
        the template's `enable_thinking` switch (None: its default)."""
        kw = {} if thinking is None else {"enable_thinking": thinking}
        if not self.native_tools and (tools or _has_calls(messages)):
            return self._apply(hermes.to_teacher_messages(_models(messages), tools), None, **kw)
        return self._apply(messages, tools or None, **kw)

    def render_row(self, row: dict[str, Any]) -> str:
        """A stored row (messages, tools, meta) as its training string; a row the template cannot render
        is a UserError naming it (a training set with holes is worse than none)."""
        try:
            return self.render(formats.chat_messages(row["messages"]), formats.tool_list(row["tools"]),
                               thinking=thinking.thinking_of(row["meta"]))
        except Exception as e:  # noqa: BLE001 - jinja raises anything a template author wrote
            raise UserError(f"row {row['id']}: the chat template {self.name} cannot render it "
                            f"({type(e).__name__}: {str(e).splitlines()[0][:200]})") from None

    def tokens(self, text: str) -> int:
        return len(self.tokenizer(text, add_special_tokens=False)["input_ids"])

    @property
    def tool_mode(self) -> str:
        return "native" if self.native_tools else f"inline ({hermes.TEACHER_FORMAT})"

    def _apply(self, messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None, **kw: Any) -> str:
        return self.tokenizer.apply_chat_template(messages, tools=tools, chat_template=self.template, tokenize=False,
                                                  **kw)


def _has_calls(messages: list[dict[str, Any]]) -> bool:
    return any(m.get("tool_calls") or m.get("role") == "tool" for m in messages)


def _models(messages: list[dict[str, Any]]) -> list[Message]:
    out = []
    for m in messages:
        d = dict(m)
        if d.get("tool_calls"):
            d["tool_calls"] = [{**c, "function": {**c["function"], "arguments": json.dumps(c["function"]["arguments"])}}
                               if not isinstance(c["function"]["arguments"], str) else c for c in d["tool_calls"]]
        out.append(Message.model_validate(message_dict(d)))
    return out


def _renders_tools(t: ChatTemplate) -> bool:
    """Whether the template itself shows the tools offered and a call's arguments."""
    params = {"type": "object", "properties": {"q": {"type": "string"}}}
    tools = [{"type": "function", "function": {"name": _PROBE_TOOL, "description": "probe", "parameters": params}}]
    msgs = [{"role": "user", "content": "hi"},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "c0", "type": "function", "function": {"name": _PROBE_TOOL, "arguments": {"q": _PROBE_ARG}}}]},
            {"role": "tool", "tool_call_id": "c0", "name": _PROBE_TOOL, "content": "ok"},
            {"role": "assistant", "content": "done"}]
    try:
        text = t._apply(msgs, tools)
    except Exception:  # noqa: BLE001 - a template that raises on tool roles does not render tools
        return False
    return text.count(_PROBE_TOOL) >= 2 and _PROBE_ARG in text


_THOUGHT_EARLY, _THOUGHT_LAST = "probe-thought-early-4471", "probe-thought-last-9902"
_ANSWER_LAST = "probe-answer-last-3187"


def thinking_notes(t: ChatTemplate) -> list[str]:
    """What this template does to the teacher's thinking, found by rendering probe conversations (so
    it holds for any template, not a list of known ones): the sentences a card must say, since a
    model trained on the text learns them."""
    def turn(content: str, thought: str | None = None) -> dict[str, Any]:
        return {"role": "assistant", "content": content, **({"reasoning_content": thought} if thought else {})}

    try:
        plain = t._apply([{"role": "user", "content": "q1"}, turn("a1", _THOUGHT_EARLY),
                          {"role": "user", "content": "q2"}, turn(_ANSWER_LAST)], None)
        thought = t._apply([{"role": "user", "content": "q"}, turn(_ANSWER_LAST, _THOUGHT_LAST)], None)
    except Exception:  # noqa: BLE001 - a template may refuse the probe (e.g. strict role alternation)
        return ["the template could not render a probe conversation with thinking; check a rendered row by hand"]
    notes = []
    if re.search(r"<think>\s*</think>\s*" + _ANSWER_LAST, plain):
        notes.append("inserts an empty `<think></think>` block into the last assistant turn of a row without "
                     "thinking (the non-thinking form its model is trained to produce)")
    if _THOUGHT_LAST not in thought:
        notes.append("does not render `reasoning_content` at all: the teacher's thinking is not in the text")
    elif _THOUGHT_EARLY not in plain:
        notes.append("drops the thinking (`reasoning_content`) of assistant turns before the last user message")
    return notes


def load(spec: str, tokenizer: str | None = None) -> ChatTemplate:
    """`spec`: `embedded` (the embedded teacher's own template), a known name (`catalog.KNOWN`:
    qwen3, gemma3), a tokenizer folder, its
    `tokenizer_config.json`, or a `.jinja` file (tokens then counted with `tokenizer`, a folder,
    default the embedded one)."""
    from transformers import AutoTokenizer

    path = Path(spec).expanduser()
    if spec == "embedded":
        from factory.teacher.embedded import ensure_embedded_model

        folder, text = ensure_embedded_model(), None
    elif spec in catalog.KNOWN:
        folder, text = catalog.ensure(spec), None
    elif path.is_dir():
        folder, text = path, None
    elif path.is_file() and path.name.endswith(".json"):
        folder, text = path.parent, None
    elif path.is_file() and path.suffix in (".jinja", ".j2"):
        text = path.read_text()
        folder = Path(tokenizer).expanduser() if tokenizer else None
    else:
        raise UserError(f"--chat-template {spec}: expected 'embedded', {', '.join(catalog.KNOWN)}, a tokenizer "
                        "folder, its tokenizer_config.json, or a .jinja file")
    if folder is None:
        from factory.teacher.embedded import ensure_embedded_model

        folder = ensure_embedded_model()
    try:
        tok = AutoTokenizer.from_pretrained(str(folder))
    except (OSError, ValueError) as e:
        raise UserError(f"--chat-template {spec}: cannot load a tokenizer from {folder} ({e})") from None
    template = text or tok.chat_template
    if not isinstance(template, str) or not template.strip():
        raise UserError(f"--chat-template {spec}: {folder} has no chat_template; pass a .jinja file")
    t = ChatTemplate(name=spec, template=template, tokenizer=tok)
    t.native_tools = _renders_tools(t)
    return t
