"""str_replace_editor and bash against the behaviour SWE-agent documents, in a real sandbox."""

import pytest

from factory.agent.tools import ToolFailed
from pipelines.swe.tools import SweTools, clip
from pipelines.swe.workspace import Workspace, env_for
from tests.pipelines.swe.conftest import run

CORE = "/work/repo/minilib/core.py"


async def session(pool, steps):
    """Run `steps(tools)` against a fresh workspace; returns what it returns."""
    async with pool.session() as sb:
        ws = Workspace(sb, env_for([]))
        await ws.init()
        tools = SweTools(ws, timeout_s=10, max_output_chars=600)
        return await steps(tools, ws)


def test_view_file_and_range(pool):
    async def steps(t, ws):
        whole = await t.editor({"command": "view", "path": CORE})
        part = await t.editor({"command": "view", "path": CORE, "view_range": [5, 6]})
        tail = await t.editor({"command": "view", "path": CORE, "view_range": [70, -1]})
        return whole, part, tail
    whole, part, tail = run(session(pool, steps))
    assert whole.startswith(f"Here's the result of running `cat -n` on {CORE}:\n")
    assert "     5\tdef clamp(value, low, high):" in whole
    assert part.splitlines()[1:] == ["     5\tdef clamp(value, low, high):", "     6\t    if low > high:"]
    assert "    70\t" in tail and "    69\t" not in tail


def test_view_directory_hides_hidden(pool):
    out = run(session(pool, lambda t, ws: t.editor({"command": "view", "path": "/work/repo"})))
    assert "/work/repo/minilib/core.py" in out and "/work/repo/tests" in out and ".git" not in out


def test_create_refuses_existing_and_undo_removes(pool):
    async def steps(t, ws):
        with pytest.raises(ToolFailed, match="already exists"):
            await t.editor({"command": "create", "path": CORE, "file_text": "x"})
        assert "created" in await t.editor({"command": "create", "path": "/work/repo/new.py", "file_text": "a = 1\n"})
        made = (await ws.sb.read_file("/work/repo/new.py")).decode()
        await t.editor({"command": "undo_edit", "path": "/work/repo/new.py"})
        gone = (await ws.run(["test", "-e", "/work/repo/new.py"], 5)).exit_code
        return made, gone
    made, gone = run(session(pool, steps))
    assert made == "a = 1\n" and gone == 1


def test_str_replace_unique_only_then_undo(pool):
    async def steps(t, ws):
        with pytest.raises(ToolFailed, match="did not appear verbatim"):
            await t.editor({"command": "str_replace", "path": CORE, "old_str": "no such text", "new_str": "x"})
        with pytest.raises(ToolFailed, match=r"Multiple occurrences of old_str `return` in lines \["):
            await t.editor({"command": "str_replace", "path": CORE, "old_str": "return", "new_str": "x"})
        out = await t.editor({"command": "str_replace", "path": CORE, "old_str": "return total / count",
                              "new_str": "return total // count"})
        edited = (await ws.sb.read_file(CORE)).decode()
        await t.editor({"command": "undo_edit", "path": CORE})
        undone = (await ws.sb.read_file(CORE)).decode()
        with pytest.raises(ToolFailed, match="No edit history"):
            await t.editor({"command": "undo_edit", "path": CORE})
        return out, edited, undone
    out, edited, undone = run(session(pool, steps))
    assert "has been edited" in out and "return total // count" in out and "Review the changes" in out
    assert "return total // count" in edited and "return total / count" in undone and "//" not in undone


def test_insert_after_line(pool):
    async def steps(t, ws):
        await t.editor({"command": "insert", "path": CORE, "insert_line": 0, "new_str": "# top"})
        with pytest.raises(ToolFailed, match="Invalid `insert_line`"):
            await t.editor({"command": "insert", "path": CORE, "insert_line": 10_000, "new_str": "x"})
        return (await ws.sb.read_file(CORE)).decode()
    text = run(session(pool, steps))
    assert text.startswith("# top\n\"\"\"A small library")


def test_paths_must_be_absolute_and_inside(pool):
    async def steps(t, ws):
        with pytest.raises(ToolFailed, match="not an absolute path"):
            await t.editor({"command": "view", "path": "minilib/core.py"})
        with pytest.raises(ToolFailed, match="outside the workspace"):
            await t.editor({"command": "view", "path": "/etc/passwd"})
        with pytest.raises(ToolFailed, match="outside the workspace"):
            await t.editor({"command": "view", "path": "/work/repo/../../etc/passwd"})
        with pytest.raises(ToolFailed, match="does not exist"):
            await t.editor({"command": "view", "path": "/work/repo/nope.py"})
    run(session(pool, steps))


def test_bash_fresh_shell_exit_code_timeout_and_clip(pool):
    async def steps(t, ws):
        a = await t._bash({"command": "cd minilib && export X=1 && pwd"})
        b = await t._bash({"command": "pwd; echo ${X:-unset}"})
        c = await t._bash({"command": "echo oops >&2; exit 3"})
        d = await t._bash({"command": "sleep 30"})
        e = await t._bash({"command": "seq 1 2000"})
        return a, b, c, d, e
    a, b, c, d, e = run(session(pool, steps))
    assert a == "/work/repo/minilib" and b == "/work/repo\nunset"
    assert "oops" in c and c.endswith("[exit code 3]")
    assert "timed out after 10s" in d
    assert e.startswith("1\n2\n") and e.endswith("1999\n2000") and "characters elided" in e


def test_clip_marks_the_cut():
    assert clip("abc", 10) == "abc"
    out = clip("x" * 100 + "y" * 100, 60)
    assert out.startswith("x" * 40) and out.endswith("y" * 20) and "140 characters elided" in out


def test_key_actions_are_edits_and_test_runs():
    from pipelines.swe.tools import key_action

    assert key_action("str_replace_editor", {"command": "str_replace"})
    assert key_action("bash", {"command": "python3 -m pytest -q"})
    assert key_action("bash", {"command": "cd x && python repro.py"})
    assert not key_action("str_replace_editor", {"command": "view"}) and not key_action("bash", {"command": "ls tests"})
    assert not key_action("bash", {"command": "cat test_core.py"})


def test_guide_forbids_submit_first_and_forces_it_last():
    import json

    from pipelines.swe.prompts import SweGuide

    tools = [{"type": "function", "function": {"name": n, "parameters": {"type": "object"}}}
             for n in ("bash", "str_replace_editor", "submit")]
    g = SweGuide(tools, 100)
    names = lambda turn, last: json.dumps(g.structured(turn, last).json_schema)  # noqa: E731
    assert '"submit"' not in names(0, False) and '"bash"' in names(0, False)
    assert '"submit"' in names(1, False) and '"bash"' not in names(5, True)
    assert '"bash"' in json.dumps(SweGuide(tools, 100, submit_on_last=False).structured(5, True).json_schema)
    assert g.render('{"thought": "look around first", "tool_call": {"name": "bash", "arguments": {"command": "ls"}}}') \
        .endswith('<tool_call>\n{"name": "bash", "arguments": {"command": "ls"}}\n</tool_call>')


def test_python_is_python3_in_the_repository_image(pool):
    async def steps(t, ws):
        return await t._bash({"command": "python -c 'import sys; print(sys.version_info[0])'"})
    assert run(session(pool, steps)) == "3"
