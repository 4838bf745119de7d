"""The egress policy alone: which destinations a server with network may reach."""

import socket

import pytest

from tool_graph.egress import EgressProxy, Policy, Refused


def test_any_public_host_but_never_a_non_public_address():
    p = Policy(("*",))
    assert p.resolve("8.8.8.8", 443) == ("8.8.8.8", 443)
    for host in ("127.0.0.1", "localhost", "10.1.2.3", "192.168.0.1", "169.254.169.254", "::1", "[::1]",
                 "::ffff:127.0.0.1", "0.0.0.0", "100.100.100.200", "224.0.0.1"):
        with pytest.raises(Refused, match="non-public"):
            p.resolve(host, 80)


def test_names_suffixes_and_ports():
    p = Policy(("8.8.8.8:443", "*.example.org", "1.1.1.1"))
    assert p.resolve("8.8.8.8", 443)[0] == "8.8.8.8"
    assert p.resolve("1.1.1.1", 8080)[0] == "1.1.1.1"
    with pytest.raises(Refused, match="allowlist"):
        p.resolve("8.8.8.8", 80)  # another port of a host allowed on one
    for host in ("example.org.attacker.net", "notexample.org", "9.9.9.9"):
        with pytest.raises(Refused, match="allowlist"):
            p.resolve(host, 443)
    with pytest.raises(Refused, match="allowlist.*empty"):
        Policy(()).resolve("8.8.8.8", 443)


def test_a_non_public_address_only_when_named_literally():
    assert Policy(("127.0.0.1:8080",)).resolve("127.0.0.1", 8080) == ("127.0.0.1", 8080)
    assert Policy(("[::1]:81",)).resolve("::1", 81)[0] == "::1"
    with pytest.raises(Refused, match="non-public"):  # a name for it is not the address itself
        Policy(("localhost:8080",)).resolve("localhost", 8080)
    with pytest.raises(Refused, match="allowlist"):
        Policy(("127.0.0.1:8080",)).resolve("127.0.0.1", 8081)


def _ask(proxy: EgressProxy, request: bytes) -> bytes:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(str(proxy.socket_path))
    s.sendall(request)
    out = b""
    while chunk := s.recv(65536):
        out += chunk
    s.close()
    return out


def test_proxy_refuses_with_the_reason_and_relays_what_is_allowed():
    site = socket.create_server(("127.0.0.1", 0))
    port = site.getsockname()[1]
    seen = []

    def answer():
        conn, _ = site.accept()
        seen.append(conn.recv(4096))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nConnection: close\r\n\r\nhello")
        conn.close()

    import threading
    threading.Thread(target=answer, daemon=True).start()
    proxy = EgressProxy(Policy((f"127.0.0.1:{port}",)))
    try:
        refused = _ask(proxy, b"GET http://127.0.0.1:1/ HTTP/1.1\r\nHost: 127.0.0.1:1\r\n\r\n")
        assert refused.startswith(b"HTTP/1.1 403") and b"not on this server's network allowlist" in refused
        tunnel = _ask(proxy, b"CONNECT 10.0.0.1:443 HTTP/1.1\r\n\r\n")
        assert tunnel.startswith(b"HTTP/1.1 403")
        assert [r.host for r in proxy.refusals] == ["127.0.0.1", "10.0.0.1"]
        ok = _ask(proxy, f"GET http://127.0.0.1:{port}/page?q=1 HTTP/1.1\r\nHost: x\r\nProxy-Authorization: k\r\n"
                         "Connection: keep-alive\r\n\r\n".encode())
        assert ok.startswith(b"HTTP/1.1 200") and ok.endswith(b"hello")
        # The origin got an origin-form request, nothing meant for the proxy, and one request per connection.
        assert seen[0].startswith(b"GET /page?q=1 HTTP/1.1\r\n") and b"Proxy-" not in seen[0]
        assert b"Connection: close" in seen[0] and b"keep-alive" not in seen[0]
        assert _ask(proxy, b"GET ftp://x/ HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 403")
        assert _ask(proxy, b"nonsense\r\n\r\n").startswith(b"HTTP/1.1 400")
        assert _ask(proxy, b"CONNECT 8.8.8.8:99999 HTTP/1.1\r\n\r\n").startswith(b"HTTP/1.1 403")
        assert _ask(proxy, b"CONNECT [::1 HTTP/1.1\r\n\r\n").startswith((b"HTTP/1.1 403", b"HTTP/1.1 502"))
    finally:
        proxy.close()
        site.close()
    assert not proxy.dir.exists()


def test_allowlist_entries_are_checked_in_the_config():
    from pydantic import ValidationError

    from tool_graph.mcp_config import McpServer

    for good in ("*", "example.org", "*.example.org", "127.0.0.1:8080", "[::1]:81"):
        McpServer(name="s", command="c", network=True, allow_hosts=[good])
    for bad in ("host:abc", "http://example.org", "*.", "a b", ""):
        with pytest.raises(ValidationError, match="not a host pattern"):
            McpServer(name="s", command="c", network=True, allow_hosts=[bad])
