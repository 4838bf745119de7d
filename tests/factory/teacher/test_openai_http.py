import asyncio
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from factory.config import SamplingConfig, TeacherConfig
from factory.errors import TeacherError, TeacherUnavailable, UserError
from factory.teacher.base import ChatRequest, Structured
from factory.teacher.openai_http import OpenAITeacher


class Server:
    """A scripted endpoint: `plan` is a list of (status, body) answers, one per POST."""

    def __init__(self, plan, hang=False):
        self.plan, self.bodies, self.hang = list(plan), [], hang
        self.models = [{"id": "m"}]
        outer = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def _send(self, code, obj):
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                self._send(200, {"data": outer.models})

            def do_POST(self):
                outer.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                if outer.hang:
                    threading.Event().wait(5)
                code, body = outer.plan.pop(0) if outer.plan else (200, ok("x"))
                self._send(code, body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()


def ok(*texts):
    return {"choices": [{"index": i, "message": {"content": t}, "finish_reason": "stop"} for i, t in enumerate(texts)],
            "usage": {"prompt_tokens": 7, "completion_tokens": 9, "prompt_tokens_details": {"cached_tokens": 4}}}


def teacher(url, **kw):
    # text: these plans script the chat POSTs; the tool-calling probe has tests of its own
    return OpenAITeacher(TeacherConfig(backend="openai", base_url=url, max_retries=3, **{"tool_format": "text", **kw}))


def chat(t, **kw):
    async def go():
        try:
            return await t.chat(ChatRequest(messages=[{"role": "user", "content": "hi"}], sampling=SamplingConfig(), **kw))
        finally:
            await t.close()
    return asyncio.run(go())


@pytest.fixture
def server(request):
    s = Server(*request.param) if hasattr(request, "param") else Server([])
    yield s
    s.close()


@pytest.mark.parametrize("server", [([(503, {}), (429, {}), (200, ok("a", "b"))],)], indirect=True)
def test_transient_errors_retry_then_succeed(server):
    r = chat(teacher(server.url), n=2, seed=3)
    assert [c.text for c in r.completions] == ["a", "b"] and len(server.bodies) == 3
    assert r.prompt_tokens == 7 and r.completion_tokens == 9 and r.extra["cached_tokens"] == 4
    assert server.bodies[0]["n"] == 2 and server.bodies[0]["seed"] == 3 and server.bodies[0]["model"] == "m"


@pytest.mark.parametrize("server", [([(400, {"error": "too long"})],)], indirect=True)
def test_client_errors_are_not_retried(server):
    with pytest.raises(TeacherError) as e:
        chat(teacher(server.url))
    assert not isinstance(e.value, TeacherUnavailable) and len(server.bodies) == 1 and "400" in str(e.value)


@pytest.mark.parametrize("server", [([(500, {})] * 10,)], indirect=True)
def test_exhausted_server_errors_are_fatal(server):
    with pytest.raises(TeacherUnavailable):
        chat(teacher(server.url))
    assert len(server.bodies) == 4  # 1 + max_retries


DEAD = {"error": {"message": "EngineCore encountered an issue. See stack trace (above) for the root cause.",
                  "type": "InternalServerError", "code": 500}}


@pytest.mark.parametrize("server", [([(500, DEAD)] * 10,)], indirect=True)
def test_a_dead_vllm_engine_ends_at_once_and_says_where_the_cause_is(server):
    with pytest.raises(TeacherUnavailable) as e:
        chat(teacher(server.url))
    assert len(server.bodies) == 1  # not retried: a dead engine answers every request the same way
    msg = str(e.value)
    assert "engine" in msg and "server's log" in msg and "--no-enable-chunked-prefill" in msg and "\n" not in msg


def test_structured_output_request_shapes(server):
    chat(teacher(server.url), structured=Structured(json_schema={"type": "object"}))
    chat(teacher(server.url), structured=Structured(regex="[0-9]+"))
    assert server.bodies[0]["response_format"]["json_schema"]["schema"] == {"type": "object"}
    assert server.bodies[1]["structured_outputs"] == {"regex": "[0-9]+"}


def test_health_check_rejects_unknown_model(server):
    with pytest.raises(UserError, match="does not serve model 'other'"):
        chat(teacher(server.url, model="other"))


def test_unreachable_endpoint_is_one_clear_line():
    with pytest.raises(UserError, match="unreachable .*start the server or fix --base-url"):
        chat(teacher("http://127.0.0.1:9/v1"))


@pytest.mark.parametrize("server", [([], True)], indirect=True)
def test_watchdog_fails_a_hung_server(server):
    with pytest.raises(TeacherUnavailable, match="returned nothing"):
        chat(teacher(server.url, watchdog_s=0.5, request_timeout_s=60))
