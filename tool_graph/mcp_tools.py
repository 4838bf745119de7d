"""MCP servers over stdio with the `mcp` SDK (2.x). All sessions of a worker live on one event loop in
a thread of their own, so any caller's loop can use them and a session is entered and left by the
same task, as anyio requires. Stateless servers keep one long-lived session; stateful ones start per
trajectory on a fresh state directory. A server that dies fails its in-flight call as an observation
and is started again on the next call."""

from __future__ import annotations

import asyncio
import concurrent.futures
import difflib
import json
import logging
import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters, stdio_client

from sandboxes.base import process_alive
from tf_common import cache_root
from tool_graph import confine, egress, install
from tool_graph.mcp_config import McpServer
from tool_graph.outcome import Outcome
from tool_graph.spec import ToolSpec

log = logging.getLogger(__name__)
START_TIMEOUT_S = 60.0


class McpError(RuntimeError):
    """A server that cannot be started or listed; the message names it."""


STATE_PREFIX = "tf-mcp-"


def _state_dir(server: McpServer) -> Path:
    # Named after this process, so that a later host can tell a dead owner's directories (kill -9).
    return Path(tempfile.mkdtemp(prefix=f"{STATE_PREFIX}{os.getpid()}-{server.name}-"))


def reap_stale() -> int:
    """Remove the state and egress-socket directories of hosts whose process died (kill -9 leaves
    them: nothing of ours runs to clean up). Returns how many were removed."""
    n = 0
    for prefix in (STATE_PREFIX, egress.PREFIX):
        for d in Path(tempfile.gettempdir()).glob(f"{prefix}*"):
            pid = d.name[len(prefix):].split("-", 1)[0]
            if pid.isdigit() and not process_alive(int(pid)):
                shutil.rmtree(d, ignore_errors=True)
                n += 1
    return n


def _fill(text: str, state: Path | None) -> str:
    return text.replace("{state}", str(state)) if state is not None else text


def _here(arg: str) -> str:
    """A relative path to an existing file (a user's server script) is taken from the directory the
    factory runs in: the confined server starts elsewhere and sees only what is bound absolutely."""
    return str(Path(arg).resolve()) if not Path(arg).is_absolute() and Path(arg).is_file() else arg


def _fixture(server: McpServer, state: Path) -> None:
    if server.state == "git":
        # A small repository with one commit, so log/diff/show have something to show.
        (state / "README.md").write_text("# notes\n\nA scratch repository for this task.\n")
        env = {"GIT_AUTHOR_NAME": "factory", "GIT_AUTHOR_EMAIL": "factory@localhost", "GIT_COMMITTER_NAME": "factory",
               "GIT_COMMITTER_EMAIL": "factory@localhost", "PATH": "/usr/bin:/bin", "HOME": str(state)}
        for argv in (["git", "init", "-q", "-b", "main"], ["git", "add", "README.md"],
                     ["git", "commit", "-q", "-m", "Start the notes"]):
            subprocess.run(argv, cwd=state, env=env, check=True, capture_output=True)


class _Session:
    """One running server and its client; lives on the host loop."""

    def __init__(self, server: McpServer, state: Path | None, log_dir: Path):
        self.server, self.state, self.log_dir = server, state, log_dir
        self.client: Client | None = None
        self.egress: egress.EgressProxy | None = None
        self._stop: asyncio.Event | None = None
        self._task: asyncio.Task | None = None
        self.error: BaseException | None = None

    def _params(self) -> StdioServerParameters:
        exe = install.executable(self.server)
        argv = [exe, *(_here(_fill(a, self.state)) for a in self.server.args)]
        if self.server.confine:
            readable = [Path(exe).resolve().parents[1], Path(exe).parent.parent]
            if self.server.install and self.server.install.startswith("npm:"):
                readable = [Path(exe).parents[2]]  # the npm prefix: node_modules and its .bin
            readable += [Path(p).resolve() for p in self.server.readable]
            if self.server.network and self.egress is None:
                self.egress = egress.EgressProxy(egress.Policy(tuple(self.server.allow_hosts)))
            argv = confine.wrap(argv, readable, self.state, self.egress.socket_path if self.egress else None)
        env = {k: _fill(v, self.state) for k, v in self.server.env.items()}
        return StdioServerParameters(command=argv[0], args=argv[1:], env=env or None,
                                     cwd=str(self.state) if self.state else None)

    async def start(self) -> None:
        params = self._params()
        ready = asyncio.Event()
        self._stop = asyncio.Event()

        async def serve() -> None:
            errlog = None
            try:
                self.log_dir.mkdir(parents=True, exist_ok=True)
                errlog = open(self.log_dir / f"{self.server.name}.stderr.log", "a")  # noqa: SIM115 - closed below
                async with Client(stdio_client(params, errlog=errlog)) as client:
                    self.client = client
                    ready.set()
                    await self._stop.wait()
            except Exception as e:  # noqa: BLE001 - any failure ends the session; callers see it
                self.error = e
            finally:
                self.client = None
                if errlog is not None:
                    errlog.close()
                ready.set()

        self._task = asyncio.create_task(serve())
        try:
            await asyncio.wait_for(ready.wait(), START_TIMEOUT_S)
        except TimeoutError:
            await self.stop()
            raise McpError(f"MCP server '{self.server.name}' did not start within {START_TIMEOUT_S:g}s") from None
        if self.client is None:
            raise McpError(f"MCP server '{self.server.name}' failed to start: {_leaf(self.error)}; "
                           f"{_unreadable_hint(self.server)}its stderr is in "
                           f"{self.log_dir / (self.server.name + '.stderr.log')}")

    @property
    def alive(self) -> bool:
        return self.client is not None and self._task is not None and not self._task.done()

    async def stop(self) -> None:
        if self._stop is not None:
            self._stop.set()
        if self._task is not None:
            try:
                await asyncio.wait_for(self._task, 10)
            except (TimeoutError, asyncio.CancelledError):
                self._task.cancel()
        self.client = None
        if self.egress is not None:
            self.egress.close()
            self.egress = None


def _leaf(e: BaseException | None) -> str:
    """The first real error inside the task groups the MCP client nests it in."""
    while isinstance(e, BaseExceptionGroup) and e.exceptions:
        e = e.exceptions[0]
    return f"{type(e).__name__}: {str(e).splitlines()[0][:200]}" if e and str(e) else type(e).__name__


def _unreadable_hint(server: McpServer) -> str:
    """A confined server sees only what `readable:` lists: name the files of its command line that
    exist here and are not listed (a script the server runs is the usual one)."""
    if not server.confine:
        return ""
    listed = [Path(p).resolve() for p in server.readable]
    missing = [a for a in server.args if Path(a).exists()
               and not any(Path(a).resolve() == p or p in Path(a).resolve().parents for p in listed)]
    return (f"it runs confined and cannot read {', '.join(missing)}: add it to the server's `readable:` list; "
            if missing else "")


def _check_names(server: McpServer, listed: list[str]) -> None:
    """Tool names the config gives (`deterministic`, `exclude`) must be the server's: a misspelt one
    would silently turn replay off for the tool meant, or keep a tool meant to be left out."""
    for field in ("deterministic", "exclude"):
        for name in getattr(server, field):
            if name not in listed:
                near = difflib.get_close_matches(name, listed, n=1)
                raise McpError(f"{field}: {name!r} is not one of the server's tools"
                                + (f" (did you mean {near[0]!r}?)" if near else "")
                                + f"; it lists {', '.join(sorted(listed)[:20])}")


class McpHost:
    """The MCP sessions of one worker. Thread-safe; close() stops every server."""

    def __init__(self, log_dir: Path | None = None):
        # One place for servers' stderr (start-up failures point at it), not a temp dir per worker.
        self.log_dir = log_dir or cache_root() / "tool_graph" / "logs"
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp-host", daemon=True)
        self._thread.start()
        self._shared: dict[str, _Session] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._owned: set[_Session] = set()
        self.restarts = 0
        self.closed = False
        if reaped := reap_stale():
            log.warning("removed %d MCP state/egress dir(s) left by a process that died", reaped)

    def _submit(self, coro: Coroutine[Any, Any, Any]) -> concurrent.futures.Future:
        if self.closed:
            coro.close()
            raise McpError("the MCP host is closed")
        return asyncio.run_coroutine_threadsafe(coro, self._loop)

    async def _await(self, coro: Coroutine[Any, Any, Any]) -> Any:
        return await asyncio.wrap_future(self._submit(coro))

    def run(self, coro: Coroutine[Any, Any, Any], timeout: float | None = None) -> Any:
        """From synchronous code (listing tools, tests, benchmarks)."""
        return self._submit(coro).result(timeout)

    # -- sessions ----------------------------------------------------------------------------------

    async def _shared_session(self, server: McpServer) -> _Session:
        lock = self._locks.setdefault(server.name, asyncio.Lock())
        async with lock:
            sess = self._shared.get(server.name)
            if sess is None or not sess.alive:
                if sess is not None:
                    self.restarts += 1
                    log.warning("MCP server %s had stopped; starting it again", server.name)
                sess = _Session(server, None, self.log_dir)
                await sess.start()
                self._shared[server.name] = sess
            return sess

    async def open_state(self, server: McpServer) -> "StatefulSession":
        """A fresh state directory and a server started on it, for one trajectory."""
        state = _state_dir(server)
        await asyncio.to_thread(_fixture, server, state)
        sess = _Session(server, state, self.log_dir)
        try:
            await self._await(sess.start())
        except BaseException:
            shutil.rmtree(state, ignore_errors=True)
            raise
        self._owned.add(sess)
        return StatefulSession(self, sess)

    async def list_tools(self, server: McpServer) -> list[ToolSpec]:
        async def go() -> list[ToolSpec]:
            if server.stateful:
                state = _state_dir(server)
                await asyncio.to_thread(_fixture, server, state)
                sess = _Session(server, state, self.log_dir)
                await sess.start()
            else:
                sess, state = await self._shared_session(server), None
            try:
                assert sess.client is not None
                listed = await sess.client.list_tools()
            finally:
                if state is not None:
                    await sess.stop()
                    shutil.rmtree(state, ignore_errors=True)
            _check_names(server, [t.name for t in listed.tools])
            return [ToolSpec(name=t.name, description=(t.description or "").strip(), parameters=dict(t.input_schema),
                             output_schema=dict(t.output_schema) if t.output_schema else None, source="mcp",
                             origin=server.name, deterministic=t.name in server.deterministic,
                             stateful=server.stateful)
                    for t in listed.tools if t.name not in server.exclude]
        return await self._await(go())

    async def call(self, server: McpServer, tool: str, arguments: dict[str, Any],
                   session: "_Session | None" = None) -> Outcome:
        return await self._await(self._call(server, tool, arguments, session))

    async def _call(self, server: McpServer, tool: str, arguments: dict[str, Any], sess: "_Session | None") -> Outcome:
        try:
            sess = sess or await self._shared_session(server)
        except McpError as e:
            return Outcome.failed(str(e), "server_unavailable")
        if not sess.alive:  # a stateful server that died: start it again on the same state
            try:
                self.restarts += 1
                await sess.start()
            except McpError as e:
                return Outcome.failed(str(e), "server_unavailable")
        proxy = sess.egress
        mark = len(proxy.refusals) if proxy is not None else 0
        out = await self._call_once(server, tool, arguments, sess)
        if proxy is not None:  # say why the network failed: the server's own error rarely does
            reasons = dict.fromkeys(r.reason for r in proxy.refusals_for(json.dumps(arguments), mark))
            if reasons:
                out.text += "\n" + "\n".join(f"[egress] {r}" for r in reasons)
        return out

    async def _call_once(self, server: McpServer, tool: str, arguments: dict[str, Any], sess: "_Session") -> Outcome:
        assert sess.client is not None
        try:
            res = await asyncio.wait_for(sess.client.call_tool(tool, arguments), server.call_timeout_s)
        except TimeoutError:
            return Outcome.failed(f"{tool} did not answer within {server.call_timeout_s:g}s", "tool_timeout")
        except Exception as e:  # noqa: BLE001 - a dead or confused server is an observation for the agent
            # Tool errors come back as results; an exception is the transport: stop the session so the
            # next call starts the server again.
            await sess.stop()
            closed = "closed" in str(e).lower() or "broken" in str(e).lower()
            return Outcome.failed(f"the {server.name} server stopped during the call ({e}); it will be restarted, "
                                  "try again" if closed else f"{tool} failed: {e}",
                                  "server_died" if closed else "tool_exception")
        text = "\n".join(getattr(c, "text", "") or f"[{c.type} content]" for c in res.content).strip()
        if res.is_error:
            return Outcome.failed(text or f"{tool} reported an error", "tool_error")
        data = res.structured_content
        if data is None:
            try:
                data = json.loads(text)
            except (json.JSONDecodeError, ValueError):
                data = text
        out = Outcome.of(data)
        out.text = text if len(text) <= 4000 else text[:4000] + " [output truncated]"
        return out

    def close(self) -> None:
        if self.closed:
            return

        async def stop_all() -> None:
            for s in [*self._shared.values(), *self._owned]:
                await s.stop()
                if s.state is not None:
                    shutil.rmtree(s.state, ignore_errors=True)

        try:
            self._submit(stop_all()).result(30)
        except (concurrent.futures.TimeoutError, RuntimeError) as e:
            log.warning("MCP servers did not all stop cleanly: %s", e)
        self.closed = True
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


class StatefulSession:
    """A stateful server of one trajectory; `close()` stops it and removes its state."""

    def __init__(self, host: McpHost, sess: _Session):
        self.host, self.sess = host, sess

    @property
    def state(self) -> Path:
        assert self.sess.state is not None
        return self.sess.state

    async def call(self, tool: str, arguments: dict[str, Any]) -> Outcome:
        return await self.host.call(self.sess.server, tool, arguments, self.sess)

    async def close(self) -> None:
        sess = self.sess
        self.host._owned.discard(sess)

        async def stop() -> None:
            await sess.stop()
            if sess.state is not None:
                shutil.rmtree(sess.state, ignore_errors=True)
        if not self.host.closed:
            await self.host._await(stop())
