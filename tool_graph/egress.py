"""The only way out of a confined server that needs the network: an HTTP(S) proxy on the host,
reached through a Unix socket bind-mounted into the server's own (empty) network namespace. It
serves CONNECT (HTTPS) and absolute-URI requests (plain HTTP) to hosts on the server's allowlist,
and refuses any destination that resolves to a loopback, private, link-local or other non-public
address unless the allowlist names that address literally. The check runs on the resolved address
the proxy then connects to, so a name cannot pass as public and connect somewhere else. Every
refusal is kept (host, reason) so the host can tell the agent why a call failed."""

from __future__ import annotations

import ipaddress
import logging
import os
import shutil
import socket
import socketserver
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from tool_graph.egress_forward import splice

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 10.0
PREFIX = "tf-egress-"  # + the owning pid: a dead owner's socket dir is reaped (mcp_tools.reap_stale)
MAX_HEAD = 64 * 1024


class Refused(Exception):
    """A destination the policy does not allow; the message is the reason."""


def _public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class Policy:
    """Allowlist entries: `*` (any public host), `example.org`, `*.example.org`, each optionally with
    `:port`; a literal address (`127.0.0.1:8080`, `[::1]:80`) is the one way to allow a non-public one."""

    allow: tuple[str, ...]

    def _entries(self) -> list[tuple[str, int | None]]:
        out = []
        for e in self.allow:
            host, port = e, None
            if e.startswith("["):
                host, _, rest = e[1:].partition("]")
                port = int(rest[1:]) if rest.startswith(":") else None
            elif e.count(":") == 1:
                host, p = e.split(":")
                port = int(p)
            out.append((host.lower().rstrip("."), port))
        return out

    def resolve(self, host: str, port: int) -> tuple[str, int]:
        """The address to connect to for host:port, or Refused with the reason."""
        host = host.lower().rstrip(".").strip("[]")
        if not 0 < port < 65536:
            raise Refused(f"port {port} is not a TCP port")
        named = [(h, p) for h, p in self._entries() if p in (None, port)
                 and (h == "*" or h == host or (h.startswith("*.") and host.endswith(h[1:])))]
        if not named:
            raise Refused(f"{host}:{port} is not on this server's network allowlist ({', '.join(self.allow) or 'empty'})")
        literal = any(h == host for h, _ in named)
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as e:
            raise Refused(f"{host} does not resolve: {e}") from None
        addrs = list(dict.fromkeys(i[4][0] for i in infos))
        for a in addrs:
            ip = ipaddress.ip_address(a.split("%")[0])
            if not _public(ip) and not (literal and _is_literal(host)):
                raise Refused(f"{host} resolves to {a}, a non-public address (loopback, private, link-local …); "
                              "name the address itself in the allowlist to allow it")
        return addrs[0], port


def _is_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


@dataclass
class Refusal:
    host: str
    reason: str


@dataclass
class EgressProxy:
    """One per running server (each has its own policy). `socket_path` is bind-mounted into the sandbox."""

    policy: Policy
    refusals: list[Refusal] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        self.dir.chmod(0o755)
        self.socket_path = self.dir / "proxy.sock"
        proxy = self

        class Handler(socketserver.BaseRequestHandler):
            def handle(self) -> None:
                try:
                    proxy._serve(self.request)
                except Exception:  # noqa: BLE001 - one bad connection must not print into the worker's stderr
                    log.warning("egress proxy: a connection failed", exc_info=True)

        self._server = socketserver.ThreadingUnixStreamServer(str(self.socket_path), Handler)
        self._server.daemon_threads = True
        self.socket_path.chmod(0o777)  # the server inside runs as whoever bubblewrap maps it to
        self._thread = threading.Thread(target=self._server.serve_forever, name="egress-proxy", daemon=True)
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def refusals_for(self, text: str, since: int) -> list[Refusal]:
        """Refusals after index `since` whose host a call's arguments mention."""
        return [r for r in self.refusals[since:] if r.host in text]

    # -- one client connection ---------------------------------------------------------------------

    def _serve(self, client: socket.socket) -> None:
        client.settimeout(CONNECT_TIMEOUT_S)  # a client that never finishes its request head lets go of a thread
        try:
            got = _read_head(client)
        except OSError:
            return
        if got is None:
            return
        head, extra = got
        line, _, rest = head.partition(b"\r\n")
        parts = line.decode("latin-1").split()
        if len(parts) != 3:
            _reply(client, 400, "a proxy request line is METHOD TARGET VERSION")
            return
        method, target, version = parts
        try:
            if method == "CONNECT":
                host, port = _split_hostport(target, 443)
                addr = self.policy.resolve(host, port)
                upstream = socket.create_connection(addr, timeout=CONNECT_TIMEOUT_S)
                client.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
                leftover = extra
            else:
                scheme, _, after = target.partition("://")
                if scheme.lower() != "http" or not after:
                    raise Refused(f"only http:// URLs or CONNECT go through this proxy, not {target[:80]!r}")
                hostport, slash, path = after.partition("/")
                host, port = _split_hostport(hostport, 80)
                addr = self.policy.resolve(host, port)
                upstream = socket.create_connection(addr, timeout=CONNECT_TIMEOUT_S)
                # One request per connection: a kept-alive connection could carry a next request for another host.
                drop = (b"proxy-", b"connection:", b"keep-alive:")
                headers = [h for h in rest.split(b"\r\n") if h and not h.lower().startswith(drop)]
                leftover = (f"{method} /{path if slash else ''} {version}\r\n".encode()
                            + b"".join(h + b"\r\n" for h in headers) + b"Connection: close\r\n\r\n" + extra)
        except Refused as e:
            self.refusals.append(Refusal(_host_of(target), str(e)))
            log.info("egress refused: %s", e)
            _reply(client, 403, f"refused by the egress policy: {e}")
            return
        except (OSError, ValueError) as e:
            _reply(client, 502, f"cannot reach {target[:80]}: {e}")
            return
        _pipe(client, upstream, leftover)


def _host_of(target: str) -> str:
    after = target.partition("://")[2] or target
    try:
        return _split_hostport(after.partition("/")[0], 0)[0]
    except ValueError:
        return after[:80]


def _split_hostport(text: str, default: int) -> tuple[str, int]:
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        return host, int(rest[1:]) if rest.startswith(":") else default
    host, _, port = text.rpartition(":") if text.count(":") == 1 else (text, "", "")
    return host, int(port) if port else default


def _read_head(sock: socket.socket) -> tuple[bytes, bytes] | None:
    """The request head (without its blank line) and whatever came after it in the same reads."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        chunk = sock.recv(4096)
        if not chunk or len(buf) > MAX_HEAD:
            return None
        buf += chunk
    head, _, extra = buf.partition(b"\r\n\r\n")
    return head, extra


def _reply(sock: socket.socket, status: int, text: str) -> None:
    reason = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}[status]
    body = text.encode()
    try:
        sock.sendall(f"HTTP/1.1 {status} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                     f"Connection: close\r\n\r\n".encode() + body)
    except OSError:
        pass  # the client went away first


def _pipe(a: socket.socket, b: socket.socket, first: bytes) -> None:
    a.settimeout(None)
    b.settimeout(None)
    try:
        if first:
            b.sendall(first)
    except OSError:
        b.close()
        return
    splice(a, b)
