"""Each family's replies read the same way whatever serves them: through the `openai` backend (the
message shapes vLLM's serving layer and hosted APIs send, for the families that cannot be served
here on CPU: gpt-oss's harmony, Mistral's tokenizer) and through the in-process dialect (vLLM's own
parsers by name, on the embedded tokenizer with the family's markers)."""

import json
import logging

import pytest

from factory.config import TeacherConfig
from factory.errors import UserError
from factory.teacher.families import FAMILIES, dialect, guess
from factory.teacher.reply import completion, split_thinking
from tests.factory.teacher.test_openai_http import Server, chat, ok, teacher
from tests.fakes.family_model import family_model, template

TOOLS = [{"type": "function", "function": {"name": "add", "description": "add",
                                           "parameters": {"type": "object", "properties": {"a": {"type": "integer"}}}}}]


@pytest.mark.parametrize("text,want", [
    ("<think>2 and 3</think>It is 5.", ("2 and 3", "It is 5.", False)),
    ("2 and 3</think>\n\nIt is 5.", ("2 and 3", "It is 5.", False)),  # the template opened the block
    ("<think>2 and 3, then", ("2 and 3, then", "", True)),
    ("It is 5.", (None, "It is 5.", False)),
])
def test_split_thinking(text, want):
    assert split_thinking(text) == want


def test_no_answer_after_the_thinking_is_truncation_only_when_cut_off():
    assert completion(None, "2 and 3", "length", 9).thinking_unterminated
    assert not completion(None, "2 and 3", "stop", 9).thinking_unterminated


def reply(message, finish="stop"):
    return {"choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {"prompt_tokens": 3, "completion_tokens": 4}}


CALL = {"type": "function", "function": {"name": "add", "arguments": "{\"a\": 2}"}}
SHAPES = {
    # vLLM, --tool-call-parser hermes --reasoning-parser qwen3
    "qwen3": {"role": "assistant", "content": "", "reasoning": "Add them.", "tool_calls": [{"id": "chatcmpl-tool-9f", **CALL}]},
    # vLLM serving gpt-oss: harmony's analysis channel as reasoning, commentary calls as tool_calls, content null
    "gpt_oss": {"role": "assistant", "content": None, "reasoning": "Add them.",
                "tool_calls": [{"id": "chatcmpl-tool-a1", **CALL}]},
    # vLLM serving Mistral (mistral tokenizer mode): nine-character call ids, no reasoning
    "mistral": {"role": "assistant", "content": "", "tool_calls": [{"id": "Rz8yKfP3q", **CALL}]},
    # DeepSeek's hosted API and older vLLM: `reasoning_content`
    "deepseek_r1": {"role": "assistant", "content": "", "reasoning_content": "Add them.",
                    "tool_calls": [{"id": "call_0_x", **CALL}]},
    # Llama 3 JSON calls, arguments as an object by a lenient server
    "llama3": {"role": "assistant", "content": None,
               "tool_calls": [{"id": "chatcmpl-tool-b2", "type": "function",
                               "function": {"name": "add", "arguments": {"a": 2}}}]},
}


@pytest.mark.parametrize("family", list(SHAPES))
def test_openai_backend_reads_each_familys_calls_and_reasoning(family):
    s = Server([(200, reply(SHAPES[family], "tool_calls"))])
    try:
        c = chat(teacher(s.url, tool_format="native"), tools=TOOLS).completions[0]
    finally:
        s.close()
    assert c.text == "" and c.finish_reason == "tool_calls"
    assert [(t.id, t.name, json.loads(t.arguments)) for t in c.tool_calls] == [
        (SHAPES[family]["tool_calls"][0]["id"], "add", {"a": 2})]
    want = SHAPES[family].get("reasoning") or SHAPES[family].get("reasoning_content")
    assert c.reasoning == want


def test_openai_backend_splits_thinking_no_parser_removed():
    s = Server([(200, ok("<think>2 and 3 make 5</think>It is 5."))])
    try:
        c = chat(teacher(s.url)).completions[0]
    finally:
        s.close()
    assert (c.reasoning, c.text) == ("2 and 3 make 5", "It is 5.")


def test_native_request_carries_tools_choice_and_the_thinking_budget():
    s = Server([(200, ok("x")), (200, ok("x"))])
    try:
        t = teacher(s.url, tool_format="native", family="qwen3", tool_choice="required", enforce_thinking_budget=True,
                    chat_template_kwargs={"enable_thinking": True})
        chat(t, tools=TOOLS)
        chat(teacher(s.url, tool_format="text"), tools=TOOLS)
    finally:
        s.close()
    native, text = s.bodies
    assert native["tools"] == TOOLS and native["tool_choice"] == "required"
    assert native["max_tokens"] == 512 + FAMILIES["qwen3"].thinking_budget
    assert native["thinking_token_budget"] == FAMILIES["qwen3"].thinking_budget
    assert native["chat_template_kwargs"] == {"enable_thinking": True}
    assert "tools" not in text and "tool_choice" not in text and "thinking_token_budget" not in text
    assert text["max_tokens"] == 512  # no family, no thinking budget


@pytest.mark.parametrize("status,mode", [(200, "native"), (400, "text")])
def test_auto_asks_the_endpoint_once_and_says_which_it_uses(status, mode, caplog):
    s = Server([(status, ok("x") if status == 200 else {"error": "auto tool choice requires --tool-call-parser"}),
                (200, ok("y"))])
    try:
        t = teacher(s.url, tool_format="auto")
        with caplog.at_level(logging.INFO):
            chat(t, tools=TOOLS)
    finally:
        s.close()
    assert t.tool_mode == mode and len(s.bodies) == 2 and s.bodies[0]["tool_choice"] == "auto"
    assert ("tools" in s.bodies[1]) == (mode == "native")
    assert f"native tool calls {'on' if mode == 'native' else 'off'}" in caplog.text


def test_families_guessed_from_model_names():
    got = {m: (guess(m).name if guess(m) else None) for m in [
        "Qwen/Qwen3-8B", "Qwen/Qwen3.6-27B", "Qwen/Qwen3-Coder-30B-A3B-Instruct", "deepseek-ai/DeepSeek-R1-0528",
        "meta-llama/Llama-3.1-8B-Instruct", "mistralai/Mistral-Small-3.2-24B-Instruct-2506", "openai/gpt-oss-20b",
        "zai-org/GLM-4.6", "moonshotai/Kimi-K2-Instruct", "HuggingFaceTB/SmolLM2-135M-Instruct"]}
    assert list(got.values()) == ["qwen3", "qwen3_6", "qwen3_coder", "deepseek_r1", "llama3", "mistral", "gpt_oss", "glm45",
                                  "kimi_k2", None]
    d = dialect(TeacherConfig(model="Qwen/Qwen3-8B", reasoning_parser="deepseek_r1", thinking_budget=0))
    assert (d.tool_parser, d.reasoning_parser, d.thinking_budget) == ("hermes", "deepseek_r1", 0)  # settings win
    with pytest.raises(UserError, match="teacher.family: 'qwen4'"):
        dialect(TeacherConfig(family="qwen4"))


# In-process: vLLM's parsers by name on the embedded tokenizer carrying the family's markers.

@pytest.fixture(scope="module")
def marked(tmp_path_factory):
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(family_model(tmp_path_factory.mktemp("fm"))))


def local(tokenizer, tmpl, **cfg):
    from factory.teacher.local_dialect import LocalDialect

    return LocalDialect(TeacherConfig(backend="vllm", model="m", max_model_len=32768, **cfg), tokenizer,
                        template(tmpl).read_text())


def req(**kw):
    from factory.config import SamplingConfig
    from factory.teacher.base import ChatRequest

    return ChatRequest(messages=[{"role": "user", "content": "2+3?"}], sampling=SamplingConfig(), tools=TOOLS, **kw)


@pytest.mark.parametrize("family,tmpl,raw", [
    ("mistral", "llama3_1", '[TOOL_CALLS][{"name": "add", "arguments": {"a": 2}}]'),
    ("llama3", "llama3_1", '<|python_tag|>{"name": "add", "parameters": {"a": 2}}'),
    ("hermes", "qwen3", '<tool_call>\n{"name": "add", "arguments": {"a": 2}}\n</tool_call>'),
    ("qwen3_coder", "qwen3_6", "<tool_call>\n<function=add>\n<parameter=a>\n2\n</parameter>\n</function>\n</tool_call>"),
])
def test_in_process_parsers_read_each_familys_calls(marked, family, tmpl, raw):
    d = local(marked, tmpl, family=family)
    assert d.native
    c = d.parse(req(), raw, "stop", 10)
    assert [(t.name, json.loads(t.arguments)) for t in c.tool_calls] == [("add", {"a": 2})]
    assert "add" in d.render(req())  # the template shows the tools


def test_in_process_reasoning_parser_and_forced_calls(marked):
    d = local(marked, "deepseek_r1_distill", family="deepseek_r1", tool_parser="hermes", tool_format="text")
    c = d.parse(req(), "2 and 3 make 5</think>It is 5.", "stop", 10)
    assert (c.reasoning, c.text, c.tool_calls) == ("2 and 3 make 5", "It is 5.", None)
    q = local(marked, "qwen3", family="qwen3", chat_template_kwargs={"enable_thinking": False})
    forced = req(tool_choice={"type": "function", "function": {"name": "add"}})
    assert q.forced_schema(forced)["properties"] == {"a": {"type": "integer"}}
    prompt = marked.encode(q.render(forced), add_special_tokens=False)  # ends in an empty, closed <think> block
    c = q.parse(forced, '{"a": 2}', "stop", 5, prompt)
    assert [(t.name, t.arguments) for t in c.tool_calls] == [("add", '{"a": 2}')]


def test_in_process_dialect_errors_name_the_setting(marked):
    from transformers import AutoTokenizer

    from factory.teacher.build import resolve_model

    plain = AutoTokenizer.from_pretrained(resolve_model(TeacherConfig()))
    with pytest.raises(UserError, match="teacher.tool_parser: .*not of that family"):
        local(plain, "llama3_1", family="llama3")
    with pytest.raises(UserError, match="tool_format native"):
        local(marked, "deepseek_r1_distill", family="hermes", tool_format="native")  # its template drops tools
    assert not local(marked, "deepseek_r1_distill", family="hermes").native  # auto: falls back to text
    with pytest.raises(UserError, match="gpt-oss speaks harmony"):
        local(marked, "gptoss", family="gpt_oss")


def test_a_thinking_budget_the_context_cannot_hold_is_one_line_at_start():
    s = Server([])
    s.models = [{"id": "m", "max_model_len": 4096}]
    try:
        with pytest.raises(UserError, match="teacher.thinking_budget 4096 leaves no room .* context of 4096"):
            chat(teacher(s.url, family="qwen3"))
        chat(teacher(s.url, family="qwen3", thinking_budget=1024))  # fits
    finally:
        s.close()
