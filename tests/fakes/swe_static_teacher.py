"""A scripted teacher for static SWE tasks (tests only): it finds its task by the problem statement,
looks once with the tools, then restores the function with the editor (repair) or answers with the
expected answer (the others). `mode="wrong"` answers something else and leaves a repair undone."""

import json

from tests.fakes.swe_teacher import _hunk_edit


def _call(name, args, thought="Next step."):
    return f"{thought}\n<tool_call>\n{json.dumps({'name': name, 'arguments': args})}\n</tool_call>"


def make_reply(tasks, mode="right"):
    def reply(req):
        user = req.messages[1]["content"]
        t = next(x for x in tasks if x.problem_statement == user)
        turn = sum(m["role"] == "assistant" for m in req.messages)
        if turn == 0:
            return _call("bash", {"command": f"grep -n 'def ' {t.file} | head -50"}, "Look at the module first.")
        if t.kind == "repair":
            if turn == 1 and mode == "right":
                path, old, new = _hunk_edit(t.patch)
                return _call("str_replace_editor", {"command": "str_replace", "path": f"/work/repo/{path}",
                                                    "old_str": old, "new_str": new}, "Restore the function.")
            return _call("submit", {}, "Done.")
        return _call("answer", {"answer": t.answer if mode == "right" else "nothing.py::nothing"}, "I know it now.")
    return reply
