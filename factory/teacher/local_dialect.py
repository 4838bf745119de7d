"""The in-process engines (`embedded`, `vllm`) speak a model family's dialect the way `vllm serve`
does: the prompt rendered by the model's own chat template with `tools=`, the reply read by vLLM's
tool and reasoning parsers named in the config (or the family's), `tool_choice` required / named
enforced by the same JSON schema the server derives. A model thus behaves the same in-process and
behind an endpoint."""

from __future__ import annotations

import json
import logging
from typing import Any

from factory.config import TeacherConfig
from factory.errors import UserError
from factory.teacher.base import ChatRequest, Completion
from factory.teacher.families import check_budget, dialect
from factory.teacher.reply import completion
from factory.trajectory import ToolCall

log = logging.getLogger(__name__)

_PROBE = "probe_tool_zq"


def template_renders_tools(tokenizer: Any, template: str | None = None) -> bool:
    """Whether the chat template shows the tools offered (SmolLM2's, for one, silently drops them)."""
    tools = [{"type": "function", "function": {"name": _PROBE, "description": "probe",
                                               "parameters": {"type": "object", "properties": {}}}}]
    try:
        text = tokenizer.apply_chat_template([{"role": "user", "content": "hi"}], tools=tools, tokenize=False,
                                             add_generation_prompt=True, chat_template=template)
    except Exception:  # noqa: BLE001 - a template that raises on `tools` does not render them
        return False
    return _PROBE in str(text)


class LocalDialect:
    def __init__(self, cfg: TeacherConfig, tokenizer: Any, template: str | None = None):
        """`template`: a chat template replacing the model's own (teacher.chat_template)."""
        from vllm.reasoning import ReasoningParserManager
        from vllm.tool_parsers import ToolParserManager

        d = dialect(cfg)
        if d.tool_parser == "openai" or d.reasoning_parser == "openai_gptoss":
            # vLLM's parsers of these names are stubs: harmony replies are parsed from tokens in its server only.
            raise UserError("teacher: gpt-oss speaks harmony, which vLLM parses only inside `vllm serve`; serve the "
                            "model there and use teacher.backend openai (docs/teachers.md)")
        check_budget(d.thinking_budget, cfg.max_model_len, "the engine")
        self.cfg = cfg
        self.tokenizer = tokenizer
        self.template = template
        self.family = d.family
        self.thinking_budget = d.thinking_budget
        self.tool_parser = d.tool_parser
        self.reasoning_parser = d.reasoning_parser
        try:
            self._tool_cls = ToolParserManager.get_tool_parser(d.tool_parser) if d.tool_parser else None
            self._reason_cls = (ReasoningParserManager.get_reasoning_parser(d.reasoning_parser)
                                if d.reasoning_parser else None)
        except KeyError as e:
            raise UserError(f"teacher.tool_parser / reasoning_parser: {e}; use a parser name vLLM knows "
                            "(docs/teachers.md lists the families' ones)") from None
        # Parsers check at construction that the tokenizer holds their special tokens: say so now.
        for cls, what in ((self._tool_cls, "tool_parser"), (self._reason_cls, "reasoning_parser")):
            if cls is not None:
                try:
                    cls(tokenizer)
                except (RuntimeError, ValueError) as e:
                    raise UserError(f"teacher.{what}: {e} — the model's tokenizer is not of that family; set "
                                    f"teacher.{what} (or teacher.family) to the model's own") from None
        renders = template_renders_tools(tokenizer, template)
        if cfg.tool_format == "native" and not (self._tool_cls and renders):
            raise UserError("teacher.tool_format native: an in-process engine needs a tool parser (teacher.tool_parser "
                            "or family) and a chat template that renders tools; this model has "
                            f"{'no tool parser' if not self._tool_cls else 'a template without tools'} — use text")
        self.native = cfg.tool_format != "text" and self._tool_cls is not None and renders
        log.info("in-process teacher dialect: family %s, tool calls %s (parser %s), reasoning parser %s",
                 self.family or "unknown", "native" if self.native else "in Hermes text", self.tool_parser,
                 self.reasoning_parser)

    def render(self, req: ChatRequest) -> str:
        tools = req.tools if self.native else None
        return self.tokenizer.apply_chat_template(_for_template(req.messages), tools=tools, tokenize=False,
                                                  add_generation_prompt=True,
                                                  chat_template=self.template, **self.cfg.chat_template_kwargs)

    def tool_choice(self, req: ChatRequest) -> Any:
        if not self.native or not req.tools:
            return None
        return req.tool_choice if req.tool_choice is not None else self.cfg.tool_choice

    def _request(self, req: ChatRequest) -> Any:
        from vllm.entrypoints.openai.chat_completion.protocol import ChatCompletionRequest

        return ChatCompletionRequest(model="local", messages=req.messages, tools=req.tools if self.native else None,
                                     tool_choice=self.tool_choice(req),
                                     chat_template_kwargs=self.cfg.chat_template_kwargs or None)

    def forced_schema(self, req: ChatRequest) -> dict[str, Any] | None:
        """tool_choice required / a named function: the JSON the output must be (as the server does)."""
        if self.tool_choice(req) in (None, "auto", "none"):
            return None
        from vllm.tool_parsers.utils import get_json_schema_from_tools

        r = self._request(req)
        schema = get_json_schema_from_tools(r.tool_choice, r.tools)
        return schema if isinstance(schema, dict) else None

    def parse(self, req: ChatRequest, text: str, finish_reason: str | None, tokens: int,
              prompt_ids: list[int] | None = None) -> Completion:
        """`prompt_ids`: the rendered prompt's tokens; when the template closed the thinking there
        (Qwen3 with enable_thinking false), the reply is all answer — as the server decides."""
        need_request = self._reason_cls is not None or (self.native and req.tools)
        request = self._request(req) if need_request else None
        reasoning: str | None = None
        content: str | None = text
        if self._reason_cls is not None:
            parser = self._reason_cls(self.tokenizer)
            if prompt_ids is not None and parser.is_reasoning_end(prompt_ids):
                reasoning = ""  # no thinking in this reply, and none to split out of it
            else:
                reasoning, content = parser.extract_reasoning(text, request)
        calls: list[ToolCall] | None = None
        if self.native and req.tools and content:
            forced = self.forced_schema(req)
            if forced is not None:
                calls = _forced_calls(content, self.tool_choice(req))
                content = "" if calls else content
            elif self.tool_choice(req) != "none":
                info = self._tool_cls(self.tokenizer, request.tools).extract_tool_calls(content, request)
                if info.tools_called:
                    # Ids left to the agent loop, which numbers them by turn (vLLM's are random).
                    calls = [ToolCall(id="", function={"name": c.function.name,
                                                       "arguments": c.function.arguments or "{}"})
                             for c in info.tool_calls]
                    content = info.content or ""
        return completion(content, reasoning, finish_reason, tokens, calls)


def _for_template(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Call arguments as objects, as vLLM's server hands them to templates (Qwen3.6's iterates them)."""
    out = []
    for m in messages:
        if m.get("tool_calls"):
            calls = []
            for c in m["tool_calls"]:
                fn = dict(c.get("function") or {})
                if isinstance(fn.get("arguments"), str):
                    try:
                        fn["arguments"] = json.loads(fn["arguments"])
                    except json.JSONDecodeError:
                        pass  # left as written: the template shows what the model wrote
                calls.append({**c, "function": fn})
            m = {**m, "tool_calls": calls}
        out.append(m)
    return out


def _forced_calls(text: str, choice: Any) -> list[ToolCall] | None:
    """The output of a forced turn: a list of {name, parameters} (required) or the arguments (named)."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None  # cut off: left as content, so the loop sees a malformed turn
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name", "")
        return [ToolCall(id="", function={"name": name, "arguments": json.dumps(value, ensure_ascii=False)})]
    if not isinstance(value, list):
        return None
    return [ToolCall(id="", function={"name": str(c.get("name", "")),
                                      "arguments": json.dumps(c.get("parameters", {}), ensure_ascii=False)})
            for c in value if isinstance(c, dict)]
