"""A canned OpenAI-compatible server for fault tests (tests only). It answers Agentic-CoT's two
calls: free reasoning, then the JSON extraction.

    python -m tests.fakes.openai_server PORT [--delay S] [--hang-after N] [--dead-after N]

--dead-after N: from request N+1 on, answer as vLLM does once its engine process has died.
"""

from __future__ import annotations

import argparse
import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

MODEL = "canned-teacher"


def canned_reply(messages: list[dict], structured: bool) -> str:
    user = messages[-1]["content"]
    if structured:
        q = re.sub(r"\s+", " ", user.split("Reasoning transcript:")[0].replace("Question:", "")).strip()
        return json.dumps({"analysis": f"The question: {q}", "plan": "Work it out step by step.",
                           "action": f"Computed the result for: {q}", "reflection": "Checked the arithmetic.",
                           "summary": "Done.", "final_answer": ""})
    return f"Let me think about '{user}' carefully, step by step, with many words so the rewrite is shorter. " * 3


class Handler(BaseHTTPRequestHandler):
    delay = 0.0
    hang_after: int | None = None
    dead_after: int | None = None
    served = 0
    lock = threading.Lock()

    def log_message(self, *args: object) -> None:  # keep test output clean
        pass

    def _send(self, code: int, obj: dict) -> None:
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path.rstrip("/").endswith("/models"):
            self._send(200, {"object": "list", "data": [{"id": MODEL, "object": "model"}]})
        else:
            self._send(404, {"error": "not found"})

    def do_POST(self) -> None:
        req = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        if req.get("tools"):  # as vLLM started without a tool parser answers (and counts as no request served)
            self._send(400, {"error": {"message": '"auto" tool choice requires --enable-auto-tool-choice and '
                                                  "--tool-call-parser to be set", "type": "BadRequestError", "code": 400}})
            return
        with Handler.lock:
            Handler.served += 1
            n_served = Handler.served
        if Handler.hang_after is not None and n_served > Handler.hang_after:
            time.sleep(3600)
        if Handler.dead_after is not None and n_served > Handler.dead_after:
            self._send(500, {"error": {"message": "EngineCore encountered an issue. See stack trace (above) for "
                                                  "the root cause.", "type": "InternalServerError", "code": 500}})
            return
        time.sleep(Handler.delay)
        text = canned_reply(req["messages"], "response_format" in req)
        n = int(req.get("n", 1))
        self._send(200, {
            "id": "x", "object": "chat.completion", "model": MODEL,
            "choices": [{"index": i, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                        for i in range(n)],
            "usage": {"prompt_tokens": 10, "completion_tokens": 5 * n, "total_tokens": 10 + 5 * n}})


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--delay", type=float, default=0.0)
    ap.add_argument("--hang-after", type=int, default=None)
    ap.add_argument("--dead-after", type=int, default=None)
    args = ap.parse_args()
    Handler.delay, Handler.hang_after, Handler.dead_after = args.delay, args.hang_after, args.dead_after
    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
