"""A scripted guided math teacher (tests only) and the problems it knows."""

import json

PROBLEMS = [
    {"question": "Compute 1/2 + 1/3.", "answer": "\\frac{5}{6}"},          # solved on attempt 0 only
    {"question": "What is 7 * 6?", "answer": "42"},                        # never solved
    {"question": "Loop forever, then answer 3.", "answer": "3"},           # tool timeout
]


def guided_reply(req):
    """A competent guided math teacher for PROBLEMS: a tool call, then an answer read off the result
    (attempt 1 of the first problem answers wrong, the second problem always does)."""
    q = req.messages[1]["content"]
    turn = sum(m["role"] == "assistant" for m in req.messages)
    attempt_wrong = req.affinity.endswith("/1")  # each attempt keeps its own affinity key
    assert req.structured is not None and req.structured.json_schema is not None
    if turn == 0:
        call = ({"name": "python", "arguments": {"code": "import time\nwhile True:\n    time.sleep(0.05)"}} if "Loop" in q else
                {"name": "evaluate", "arguments": {"expression": "1/2 + 1/3" if "1/2" in q else "7*6"}})
        return json.dumps({"plan": "Compute it with a tool, then check the result.", "tool_call": call})
    seen = req.messages[-1]["content"].removeprefix("<tool_response>\n").removesuffix("\n</tool_response>")
    if "1/2" in q:
        final = "5/6" if "5/6" in seen and not attempt_wrong else "1/6"
    elif "7 * 6" in q:
        final = "43"
    else:
        final = "3"
    return json.dumps({"reflection": f"The tool said: {seen[:40]}", "next": {"final_answer": final}})
