"""Real MCP servers over stdio: the PyPI time server and an npm server, one long-lived session for
stateless servers, a fresh confined state per trajectory for stateful ones, errors and a dying server
as observations, and the confinement every server runs in."""

import asyncio
import shutil
import socket
import sys
import threading
from pathlib import Path

import pytest

from tool_graph.mcp_config import SHIPPED, McpServer
from tool_graph.mcp_tools import McpError

PROBE = Path(__file__).with_name("probe_server.py")
HERE = Path(__file__).resolve()


def test_time_server_lists_and_calls(host):
    specs = asyncio.run(host.list_tools(SHIPPED["time"]))
    by = {s.name: s for s in specs}
    assert set(by) == {"get_current_time", "convert_time"}
    assert "datetime" in by["get_current_time"].outputs() and by["convert_time"].deterministic
    ok = asyncio.run(host.call(SHIPPED["time"], "convert_time", {"source_timezone": "Europe/Paris", "time": "12:00",
                                                                 "target_timezone": "Asia/Tokyo"}))
    assert ok.ok and ok.data["target"]["timezone"] == "Asia/Tokyo"
    bad = asyncio.run(host.call(SHIPPED["time"], "get_current_time", {"timezone": "Mars/Olympus"}))
    assert not bad.ok and bad.error == "tool_error" and "Mars/Olympus" in bad.text


def test_one_session_serves_concurrent_calls(host):
    async def many():
        return await asyncio.gather(*(host.call(SHIPPED["time"], "get_current_time", {"timezone": "Etc/UTC"})
                                      for _ in range(30)))
    before = dict(host._shared)
    outs = asyncio.run(many())
    assert all(o.ok for o in outs) and host._shared.keys() == before.keys() | {"time"}


def _probe(**kw):
    return McpServer(name=kw.pop("name", "probe"), command=sys.executable, args=[str(PROBE)],
                     readable=[str(PROBE)], **kw)


def test_a_dying_server_fails_the_call_and_is_restarted(host):
    server = _probe(name="probe-die")
    died = asyncio.run(host.call(server, "die", {}))
    assert not died.ok and died.error in ("server_died", "tool_exception")
    restarts = host.restarts
    again = asyncio.run(host.call(server, "read", {"path": str(PROBE)}))
    assert again.ok and "nosy MCP server" in again.text and host.restarts == restarts + 1


def test_confinement_hides_the_host_and_the_network(host, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("host secret")
    server = _probe(name="probe-confined")
    for path in (str(secret), str(HERE)):
        out = asyncio.run(host.call(server, "read", {"path": path}))
        assert out.text.startswith("refused:") and "No such file" in out.text
    # A loopback service on the host is out of reach: the server has its own network namespace.
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    threading.Thread(target=lambda: listener.accept(), daemon=True).start()
    try:
        out = asyncio.run(host.call(server, "connect", {"host": "127.0.0.1", "port": port}))
    finally:
        listener.close()
    assert out.text.startswith("refused:"), out.text
    wrote = asyncio.run(host.call(server, "write", {"path": "/usr/evil"}))
    assert wrote.text.startswith("refused:") and "Read-only" in wrote.text
    # Unconfined, the same server does see the host: the test above is not vacuous.
    free = asyncio.run(host.call(_probe(name="probe-free", confine=False), "read", {"path": str(secret)}))
    assert free.ok and free.text == "host secret"


class _Site:
    """A loopback HTTP service on the host that counts the requests it gets."""

    def __init__(self):
        import http.server

        hits = self.hits = []

        class H(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                hits.append(self.path)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"inside job")

            def log_message(self, *a):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def test_network_only_through_the_egress_proxy_to_the_allowlist(host):
    allowed, other = _Site(), _Site()
    try:
        server = _probe(name="probe-net", network=True, allow_hosts=[f"127.0.0.1:{allowed.port}"])
        ok = asyncio.run(host.call(server, "http_get", {"url": f"http://127.0.0.1:{allowed.port}/a"}))
        assert ok.ok and ok.text == "inside job" and allowed.hits == ["/a"]
        no = asyncio.run(host.call(server, "http_get", {"url": f"http://127.0.0.1:{other.port}/b"}))
        assert no.text.startswith("refused: HTTP 403") and "[egress]" in no.text and "allowlist" in no.text
        # Going around the proxy meets an empty network namespace.
        raw = asyncio.run(host.call(server, "connect", {"host": "127.0.0.1", "port": other.port}))
        assert raw.text.startswith("refused:")
        # The default allowlist (any public host) never reaches a loopback service, by address or by name.
        public = _probe(name="probe-public", network=True)
        for url in (f"http://127.0.0.1:{other.port}/c", f"http://localhost:{other.port}/d"):
            out = asyncio.run(host.call(public, "http_get", {"url": url}))
            assert out.text.startswith("refused:") and "non-public address" in out.text, out.text
        assert other.hits == []
    finally:
        allowed.close()
        other.close()


def test_fetch_server_cannot_reach_a_loopback_service(host):
    site = _Site()
    try:
        for url in (f"http://127.0.0.1:{site.port}/", f"http://localhost:{site.port}/", "http://169.254.169.254/"):
            out = asyncio.run(host.call(SHIPPED["fetch"], "fetch", {"url": url}))
            assert not out.ok, out.text
        # Even with the server's own guard switched off, the egress proxy refuses and says why.
        lax = SHIPPED["fetch"].model_copy(update={"name": "fetch-lax", "args": ["--allow-private-ips"]})
        out = asyncio.run(host.call(lax, "fetch", {"url": f"http://127.0.0.1:{site.port}/"}))
        assert not out.ok and "[egress] 127.0.0.1" in out.text and "non-public" in out.text, out.text
        assert site.hits == []
    finally:
        site.close()


@pytest.mark.skipif(shutil.which("node") is None and __import__("os").environ.get("CI") != "true",
                    reason="npm servers need node (CI installs it)")
def test_filesystem_server_gets_a_fresh_confined_directory_per_trajectory(host):
    async def go():
        a = await host.open_state(SHIPPED["filesystem"])
        b = await host.open_state(SHIPPED["filesystem"])
        try:
            assert a.state != b.state
            wrote = await a.call("write_file", {"path": str(a.state / "n.txt"), "content": "hello"})
            assert wrote.ok
            assert not (await b.call("read_text_file", {"path": str(a.state / "n.txt")})).ok
            escape = await a.call("read_text_file", {"path": str(a.state / ".." / ".." / "etc" / "passwd")})
            assert not escape.ok and "outside allowed directories" in escape.text
            host_file = await a.call("read_text_file", {"path": str(HERE)})
            assert not host_file.ok
            return a.state
        finally:
            await a.close()
            await b.close()
    state = asyncio.run(go())
    assert not state.exists()


def test_git_server_sees_only_its_fixture_repository(host):
    async def go():
        repo = await host.open_state(SHIPPED["git"])
        try:
            log = await repo.call("git_log", {"repo_path": str(repo.state)})
            assert log.ok and "Start the notes" in log.text
            outside = await repo.call("git_status", {"repo_path": str(HERE.parents[2])})
            assert not outside.ok
        finally:
            await repo.close()
    asyncio.run(go())


def test_an_unstartable_server_is_one_clear_error(host):
    bad = McpServer(name="nope", command=sys.executable, args=["-c", "import sys; sys.exit(3)"], confine=False)
    with pytest.raises(McpError, match="'nope' failed to start"):
        asyncio.run(host.list_tools(bad))
    out = asyncio.run(host.call(bad, "anything", {}))
    assert not out.ok and out.error == "server_unavailable"


HOLDER = """
import asyncio, sys
from tool_graph.mcp_config import McpServer
from tool_graph.mcp_tools import McpHost
probe = McpServer(name="probe-held", command=sys.executable, args=[sys.argv[1]], readable=[sys.argv[1]],
                  state="dir", network=True)
host = McpHost()
asyncio.run(host.open_state(probe))
print("ready", flush=True)
sys.stdin.read()
"""


def test_a_killed_host_leaves_nothing_the_next_host_does_not_remove():
    import os
    import signal
    import subprocess
    import tempfile
    import time

    import psutil

    from tests.fakes.servers import ROOT
    from tool_graph.mcp_tools import McpHost

    p = subprocess.Popen([sys.executable, "-c", HOLDER, str(PROBE)], cwd=ROOT, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    tmp = Path(tempfile.gettempdir())

    def owned():
        return sorted(tmp.glob(f"tf-mcp-{p.pid}-*")) + sorted(tmp.glob(f"tf-egress-{p.pid}-*"))

    def alive():  # bubblewrap and the forwarder name the host's state and socket dirs
        marks = (f"tf-mcp-{p.pid}-", f"tf-egress-{p.pid}-")
        return [q.pid for q in psutil.process_iter(["cmdline"])
                if any(m in " ".join(q.info["cmdline"] or []) for m in marks)]
    try:
        assert p.stdout.readline().strip() == "ready"
        assert len(owned()) == 2, owned()  # its state dir and its egress socket dir
        assert alive(), "the held server should be running"
    finally:
        os.kill(p.pid, signal.SIGKILL)
        p.wait()
    McpHost().close()  # a new host reaps what a dead one left
    assert owned() == []
    # Its confined server (and the in-sandbox forwarder) died with it: bubblewrap's --die-with-parent.
    deadline = time.monotonic() + 10
    while alive() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert alive() == []


def test_a_confined_server_that_cannot_read_its_script_says_what_to_set(host):
    server = McpServer(name="probe-unreadable", command=sys.executable, args=[str(PROBE)])
    with pytest.raises(McpError) as e:
        asyncio.run(host.list_tools(server))
    assert f"cannot read {PROBE}: add it to the server's `readable:` list" in str(e.value)
    assert "ExceptionGroup(" not in str(e.value)


def test_a_misspelt_tool_name_in_the_server_config_is_refused(host):
    with pytest.raises(McpError, match=r"deterministic: 'reed' is not one of the server's tools \(did you mean 'read'\?\)"):
        asyncio.run(host.list_tools(_probe(name="probe-names", deterministic=["reed"])))
    with pytest.raises(McpError, match="exclude: 'nothing_like_it' is not one of the server's tools"):
        asyncio.run(host.list_tools(_probe(name="probe-names2", exclude=["nothing_like_it"])))
