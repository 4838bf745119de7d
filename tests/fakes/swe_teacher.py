"""Scripted SWE teachers (tests only): one that applies the gold fix with the editor, one that
cheats by editing the failing test. They find their instance by the FAIL_TO_PASS ids the user
prompt lists."""

import json


def _hunk_edit(patch: str) -> tuple[str, str, str]:
    """(path, old_str, new_str) of the first hunk of a one-file diff."""
    path = next(ln[len("+++ b/"):] for ln in patch.splitlines() if ln.startswith("+++ b/"))
    old, new, inside = [], [], False
    for ln in patch.splitlines():
        if ln.startswith("@@"):
            if inside:
                break
            inside = True
            continue
        if not inside or ln.startswith("\\"):
            continue
        if ln[:1] in (" ", "-"):
            old.append(ln[1:])
        if ln[:1] in (" ", "+"):
            new.append(ln[1:])
    return path, "\n".join(old), "\n".join(new)


def _call(name, args, thought="Next step."):
    return f"{thought}\n<tool_call>\n{json.dumps({'name': name, 'arguments': args})}\n</tool_call>"


def make_reply(instances, mode="gold"):
    def reply(req):
        user = req.messages[1]["content"]
        inst = next(i for i in instances if i.FAIL_TO_PASS[0] in user)
        turn = sum(m["role"] == "assistant" for m in req.messages)
        test_file = inst.FAIL_TO_PASS[0].split("::")[0]
        if turn == 0:
            return _call("bash", {"command": f"python3 -m pytest -q -p no:cacheprovider {test_file}"},
                         "Reproduce the failure first.")
        if turn == 1 and mode == "gold":
            path, old, new = _hunk_edit(inst.patch)
            return _call("str_replace_editor", {"command": "str_replace", "path": f"/work/repo/{path}",
                                                "old_str": old, "new_str": new}, "Fix the source.")
        if turn == 1:
            return _call("bash", {"command": f"sed -i 's/assert /assert True or /' {test_file}"},
                         "Make the test pass.")
        if turn == 2:
            return _call("bash", {"command": "python3 -m pytest -q -p no:cacheprovider tests"}, "Run the tests.")
        return _call("submit", {}, "Done.")
    return reply
