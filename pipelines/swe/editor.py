"""`str_replace_editor` as SWE-agent / OpenHands document it: view (a file with line numbers, or a
directory two levels deep), create (never over an existing file), str_replace (old_str must occur
exactly once), insert (after a line), undo_edit (per file). Absolute paths under /work only; files
are read and written through the sandbox, so a symlink planted by the agent cannot lead out."""

from __future__ import annotations

import posixpath
from typing import Any

from factory.agent.tools import ToolFailed
from pipelines.swe.workspace import Workspace
from sandboxes.base import WORKDIR, SandboxError

SNIPPET_LINES = 4
MAX_VIEW_CHARS = 16000

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "command": {"type": "string", "enum": ["view", "create", "str_replace", "insert", "undo_edit"],
                    "description": "The command to run."},
        "path": {"type": "string", "description": "Absolute path to a file or directory, e.g. /work/repo/pkg/mod.py."},
        "file_text": {"type": "string", "description": "`create`: the content of the file."},
        "old_str": {"type": "string", "description": "`str_replace`: the exact text to replace (must be unique)."},
        "new_str": {"type": "string", "description": "`str_replace`: the replacement; `insert`: the text to insert."},
        "insert_line": {"type": "integer", "minimum": 0, "description": "`insert`: insert after this line (0: at the top)."},
        "view_range": {"type": "array", "items": {"type": "integer"}, "minItems": 2, "maxItems": 2,
                       "description": "`view` of a file: [start, end] lines, 1-based; end -1 means to the end."},
    },
    "required": ["command", "path"],
    "additionalProperties": False,
}
DESCRIPTION = ("Custom editing tool for viewing, creating and editing files. State is persistent across calls. "
               "`view` on a file shows it with line numbers (cat -n); on a directory, files two levels deep. "
               "`create` cannot overwrite an existing file. `str_replace` replaces old_str, which must match "
               "exactly one place in the file, whitespace included. `insert` inserts new_str after insert_line. "
               "`undo_edit` reverts the last edit to a file.")


def numbered(text: str, start: int = 1) -> str:
    return "\n".join(f"{i:6}\t{line}" for i, line in enumerate(text.split("\n"), start))


class Editor:
    def __init__(self, ws: Workspace):
        self.ws = ws
        self.history: dict[str, list[str]] = {}

    async def __call__(self, args: dict[str, Any]) -> str:
        path = args["path"]
        if not posixpath.isabs(path):
            raise ToolFailed("editor_usage", f"The path {path} is not an absolute path, it should start with "
                                             f"`/`. Maybe you meant {posixpath.join('/work/repo', path)}?")
        path = posixpath.normpath(path)
        if path != WORKDIR and not path.startswith(WORKDIR + "/"):
            raise ToolFailed("editor_outside", f"The path {path} is outside the workspace ({WORKDIR}).")
        cmd = args["command"]
        kind = await self._kind(path)
        if cmd == "create":
            if kind != "missing":
                raise ToolFailed("editor_usage",
                                 f"File already exists at: {path}. Cannot overwrite files using command `create`.")
            if "file_text" not in args:
                raise ToolFailed("editor_usage", "Parameter `file_text` is required for command: create")
            await self._write(path, args["file_text"])
            self.history.setdefault(path, []).append(None)  # type: ignore[arg-type]  # undo = remove
            return f"File created successfully at: {path}"
        if kind == "missing":
            raise ToolFailed("editor_usage", f"The path {path} does not exist. Please provide a valid path.")
        if kind == "dir":
            if cmd != "view":
                raise ToolFailed("editor_usage",
                                 f"The path {path} is a directory and only the `view` command can be used on directories")
            return await self._view_dir(path)
        if cmd == "view":
            return await self._view_file(path, args.get("view_range"))
        if cmd == "str_replace":
            return await self._replace(path, args)
        if cmd == "insert":
            return await self._insert(path, args)
        return await self._undo(path)

    async def _kind(self, path: str) -> str:
        res = await self.ws.run(["sh", "-c", 'if [ -d "$1" ]; then echo dir; elif [ -e "$1" ]; then echo file; '
                                             'else echo missing; fi', "sh", path], 20, cwd=".")
        return res.stdout.strip() or "missing"

    async def _read(self, path: str) -> str:
        try:
            data = await self.ws.sb.read_file(path)
        except SandboxError as e:
            raise ToolFailed("editor_io", f"Cannot read {path}: {e}") from None
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            raise ToolFailed("editor_binary", f"{path} is not a UTF-8 text file") from None

    async def _write(self, path: str, text: str) -> None:
        try:
            await self.ws.sb.put_files({path: text})
        except SandboxError as e:
            raise ToolFailed("editor_io", f"Cannot write {path}: {e}") from None

    async def _view_dir(self, path: str) -> str:
        res = await self.ws.run(["find", path, "-maxdepth", "2", "-not", "-path", "*/.*"], 20, cwd=".")
        listing = "\n".join(sorted(res.stdout.splitlines()))
        return f"Here's the files and directories up to 2 levels deep in {path}, excluding hidden items:\n{listing}\n"

    async def _view_file(self, path: str, view_range: list[int] | None) -> str:
        text = await self._read(path)
        lines = text.split("\n")
        start = 1
        if view_range:
            start, end = view_range
            if not 1 <= start <= len(lines):
                raise ToolFailed("editor_usage", f"Invalid `view_range`: {view_range}. Its first element `{start}` "
                                                 f"should be within the range of lines of the file: [1, {len(lines)}]")
            if end != -1 and not start <= end <= len(lines):
                raise ToolFailed("editor_usage", f"Invalid `view_range`: {view_range}. Its second element `{end}` should "
                                                 f"be larger or equal than its first `{start}` and at most {len(lines)}, or -1")
            text = "\n".join(lines[start - 1:] if end == -1 else lines[start - 1:end])
        body = numbered(text, start)
        if len(body) > MAX_VIEW_CHARS:
            body = body[:MAX_VIEW_CHARS] + "\n<response clipped: use view_range to see the rest of the file>"
        return f"Here's the result of running `cat -n` on {path}:\n{body}\n"

    def _snippet(self, text: str, line: int, added: int) -> str:
        lines = text.split("\n")
        first = max(0, line - SNIPPET_LINES)
        return numbered("\n".join(lines[first:line + added + SNIPPET_LINES]), first + 1)

    async def _replace(self, path: str, args: dict[str, Any]) -> str:
        if "old_str" not in args:
            raise ToolFailed("editor_usage", "Parameter `old_str` is required for command: str_replace")
        old, new = args["old_str"], args.get("new_str", "")
        text = await self._read(path)
        n = text.count(old) if old else 0
        if n == 0:
            raise ToolFailed("editor_no_match",
                             f"No replacement was performed, old_str `{old}` did not appear verbatim in {path}.")
        if n > 1:
            lines = [i + 1 for i, ln in enumerate(text.split("\n")) if old.split("\n")[0] in ln]
            raise ToolFailed("editor_not_unique", f"No replacement was performed. Multiple occurrences of old_str `{old}` "
                                                  f"in lines {lines}. Please ensure it is unique")
        at = text[:text.index(old)].count("\n")
        updated = text.replace(old, new)
        await self._write(path, updated)
        self.history.setdefault(path, []).append(text)
        return (f"The file {path} has been edited. Here's the result of running `cat -n` on a snippet of {path}:\n"
                f"{self._snippet(updated, at, new.count(chr(10)))}\n"
                "Review the changes and make sure they are as expected. Edit the file again if necessary.")

    async def _insert(self, path: str, args: dict[str, Any]) -> str:
        if "new_str" not in args or "insert_line" not in args:
            raise ToolFailed("editor_usage", "Parameters `insert_line` and `new_str` are required for command: insert")
        text = await self._read(path)
        lines = text.split("\n")
        at = args["insert_line"]
        if not 0 <= at <= len(lines):
            raise ToolFailed("editor_usage", f"Invalid `insert_line` parameter: {at}. It should be within the range "
                                             f"of lines of the file: [0, {len(lines)}]")
        new_lines = args["new_str"].split("\n")
        updated = "\n".join(lines[:at] + new_lines + lines[at:])
        await self._write(path, updated)
        self.history.setdefault(path, []).append(text)
        return (f"The file {path} has been edited. Here's the result of running `cat -n` on a snippet of the edited file:\n"
                f"{self._snippet(updated, at, len(new_lines))}\n"
                "Review the changes and make sure they are as expected (correct indentation, no duplicate lines, etc). "
                "Edit the file again if necessary.")

    async def _undo(self, path: str) -> str:
        stack = self.history.get(path)
        if not stack:
            raise ToolFailed("editor_usage", f"No edit history found for {path}.")
        previous = stack.pop()
        if previous is None:  # undo of a create
            await self.ws.run(["rm", "-f", path], 20, cwd=".")
            return f"Last edit to {path} undone successfully (the file was removed)."
        await self._write(path, previous)
        return f"Last edit to {path} undone successfully. {self._view_header(path)}\n{numbered(previous)}\n"

    @staticmethod
    def _view_header(path: str) -> str:
        return f"Here's the result of running `cat -n` on {path}:"
