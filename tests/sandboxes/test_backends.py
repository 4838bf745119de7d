"""Each test runs against both backends (Docker and bubblewrap)."""

import socket
import threading
import time

import psutil
import pytest

from sandboxes.base import SandboxError


def test_exit_codes_pass_through(backend):
    with backend.open() as sb:
        r = sb.run(["python3", "-c", "import sys; print('hi'); sys.exit(7)"])
        assert (r.exit_code, r.stdout, r.timed_out, r.oom_killed) == (7, "hi\n", False, False)
        assert sb.run(["true"]).passed


def test_printed_success_with_nonzero_exit_is_a_failure(backend):
    with backend.open() as sb:
        r = sb.run(["sh", "-c", "echo '5 PASSED'; echo OK; exit 1"])
        assert "PASSED" in r.stdout and not r.passed


def test_timeout_kills_and_is_reported(backend):
    with backend.open() as sb:
        r = sb.run(["sh", "-c", "echo started; sleep 30"], timeout_s=1)
        assert r.timed_out and not r.passed and r.duration_s < 10 and r.exit_code == 137


def test_memory_hog_is_oom_killed(backend):
    with backend.open() as sb:
        r = sb.run(["python3", "-c", "x = bytearray(512 * 1024 * 1024); print(len(x))"])
        assert r.oom_killed and r.exit_code == 137 and not r.passed
        assert sb.run(["true"]).oom_killed is False


def test_fork_bomb_hits_pids_limit_and_host_survives(backend):
    with backend.open() as sb:
        bomb = "import os\nwhile True:\n    try:\n        os.fork()\n    except OSError:\n        pass\n"
        r = sb.run(["python3", "-c", bomb], timeout_s=3)
        assert r.timed_out and not r.passed
    with backend.open() as sb:  # a timeout may take the sandbox down with it (Docker kills the container)
        r = sb.run(["python3", "-c", "import os\nn = 0\ntry:\n    while True:\n        if os.fork() == 0:\n"
                    "            import time; time.sleep(5); os._exit(0)\n        n += 1\nexcept OSError:\n    print(n)"],
                   timeout_s=15)
        assert 0 < int(r.stdout) < 64
    # Closing the sandboxes ended every process the bombs made: none runs on the host any more.
    deadline = time.monotonic() + 10
    while (left := _bomb_processes()) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert left == [], f"fork-bomb processes outlived their sandbox: {left[:5]}"


def _bomb_processes() -> list[int]:
    out = []
    for p in psutil.process_iter(["cmdline"]):
        if "os.fork()" in " ".join(p.info["cmdline"] or []):
            out.append(p.pid)
    return out


def test_no_network_not_even_host_loopback(backend):
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]
    accepted = []
    threading.Thread(target=lambda: accepted.append(srv.accept()), daemon=True).start()
    try:
        with backend.open() as sb:
            r = sb.run(["python3", "-c", f"import socket; socket.create_connection(('127.0.0.1', {port}), timeout=3)"])
            assert r.exit_code != 0 and "ConnectionRefused" in r.stderr
            routes = sb.run(["cat", "/proc/net/route"]).stdout.strip().splitlines()
            assert len(routes) <= 1  # header only: no route leads anywhere
            ifaces = sb.run(["python3", "-c", "import socket; print([n for _, n in socket.if_nameindex()])"])
            assert ifaces.stdout.strip() == "['lo']"
    finally:
        srv.close()
    assert accepted == []


def test_read_only_root_and_writes_outside_work_fail(backend):
    with backend.open() as sb:
        for path in ("/etc/passwd", "/usr/evil", "/root/x", "/evil"):
            r = sb.run(["sh", "-c", f"echo x > {path}"])
            assert r.exit_code != 0, path
        assert sb.run(["sh", "-c", "echo fine > /work/ok && echo tmp > /tmp/t"]).passed
        assert sb.run(["id", "-u"]).stdout.strip() == "65534"


def test_output_cap_truncates_and_flags(backend):
    with backend.open() as sb:
        r = sb.run(["python3", "-c", "import sys; sys.stdout.write('a' * 100000); sys.stderr.write('b' * 10)"])
        assert r.passed and len(r.stdout) == 4096 and r.stdout_truncated
        assert r.stderr == "b" * 10 and not r.stderr_truncated


def test_files_in_out_and_state_across_steps(backend, tmp_path):
    with backend.open() as sb:
        sb.put_files({"pkg/mod.py": "X = 41\n", "data.bin": bytes(range(256))})
        assert sb.read_file("data.bin") == bytes(range(256))
        sb.run(["sh", "-c", "echo 'X = 42' > pkg/mod.py && echo made > /work/new.txt"])
        r = sb.run(["python3", "-c", "import mod; print(mod.X)"], cwd="pkg", env={"PYTHONDONTWRITEBYTECODE": "1"})
        assert r.stdout.strip() == "42"  # the edit of the previous step is still there
        assert sb.read_file("new.txt") == b"made\n"
        r = sb.run(["cat"], stdin=b"piped in")
        assert r.stdout == "piped in"
        with pytest.raises(SandboxError, match="outside"):
            sb.read_file("../etc/passwd")
        with pytest.raises(SandboxError):
            sb.read_file("missing.txt")
        sb.run(["sh", "-c", "echo x > /tmp/host-leak-check"])
    import pathlib
    assert not pathlib.Path("/tmp/host-leak-check").exists()
    assert not pathlib.Path("/work/new.txt").exists()


def test_symlink_cannot_lead_read_back_out(backend):
    with backend.open() as sb:
        sb.run(["ln", "-s", "/etc/shadow", "shadow"])
        with pytest.raises(SandboxError):  # bwrap: resolves outside; docker: read as uid 65534 inside
            sb.read_file("shadow")


def test_host_environment_does_not_leak_in(backend, monkeypatch):
    monkeypatch.setenv("SECRET_TOKEN", "s3cret")
    monkeypatch.setenv("LD_PRELOAD", "/nonexistent/libx.so")
    with backend.open() as sb:
        r = sb.run(["env"], env={"MINE": "1"})
        assert r.passed and "s3cret" not in r.stdout and "LD_PRELOAD" not in r.stdout and "MINE=1" in r.stdout
        assert r.stderr == ""


def test_work_dir_is_limited_to_work_mb_and_the_sandbox_goes_on(backend):
    from sandboxes.select import Backend

    small = Backend(backend.cfg.model_copy(update={"work_mb": 8, "backend": backend.name}))
    try:
        with small.open() as sb:
            r = sb.run(["sh", "-c", "dd if=/dev/zero of=/work/big bs=1M count=64 2>&1; echo rc=$?; "
                                    "du -sm /work | cut -f1"])
            assert "No space left" in r.stdout and "rc=0" not in r.stdout, r.stdout
            assert int(r.stdout.split()[-1]) <= 8  # what got written stopped at the limit
            # The limit holds for files put in from the host side too, and freeing space frees it.
            r = sb.run(["sh", "-c", "rm big && echo ok > small && cat small"])
            assert r.passed and r.stdout == "ok\n"
            assert sb.read_file("small") == b"ok\n"
    finally:
        small.close()
