"""Runs inside a confined server's sandbox (never imported by the project), stdlib only: listens on
127.0.0.1:PORT of the sandbox's own network namespace, carries each connection to the host's egress
proxy through the bind-mounted Unix socket, and runs the server as its child.

    python3 -S -I egress_forward.py SOCKET PORT -- SERVER ARGV…"""

import socket
import subprocess
import sys
import threading


def pump(src, dst):
    """Copy src to dst until src ends, then end dst's writing side (the host's proxy uses it too)."""
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def carry(conn, path):
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        up.connect(path)
    except OSError:
        conn.close()
        up.close()
        return
    splice(conn, up)
    conn.close()


def splice(a, b):
    """Both directions between a and b until both end, then close b."""
    back = threading.Thread(target=pump, args=(b, a), daemon=True)
    back.start()
    pump(a, b)
    back.join()
    b.close()


def serve(listener, path):
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=carry, args=(conn, path), daemon=True).start()


def main():
    path, port, sep, argv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4:]
    if sep != "--" or not argv:
        sys.exit("usage: egress_forward.py SOCKET PORT -- ARGV…")
    listener = socket.create_server(("127.0.0.1", port))
    threading.Thread(target=serve, args=(listener, path), daemon=True).start()
    # stdin/stdout stay the server's: they carry the MCP protocol.
    sys.exit(subprocess.call(argv))


if __name__ == "__main__":
    main()
