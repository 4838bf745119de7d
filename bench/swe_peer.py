"""Side by side with SWE-bench's grading (the `swebench` package from PyPI): the same patches —
an honest fix and cheats — graded by ours and by swebench's pytest log parser + resolution rules,
run on the same instance in the same sandbox image. swebench is installed on first use, without its
dependencies, into the cache (only its grading modules are loaded; its package __init__ pulls in
the cloud runner)."""

from __future__ import annotations

import subprocess
import sys
import types
from typing import Any

from pipelines.swe.grading import grade
from pipelines.swe.instances import Instance
from pipelines.swe.workspace import Workspace, env_for
from sandboxes.pool import SandboxPool
from tf_common import cache_root

PEER = ["swebench==5.0.2", "unidiff==1.0.1"]
PRINT_PASSED = ("def pytest_sessionfinish(session, exitstatus):\n    import sys\n"
                "    for t in {ids!r}:\n        sys.stdout.write('PASSED ' + t + '\\n')\n")
FORCE_PASS = ("import pytest\n\n@pytest.hookimpl(hookwrapper=True)\ndef pytest_runtest_makereport(item, call):\n"
              "    out = yield\n    out.get_result().outcome = 'passed'\n")
RUNTEST_NOOP = "import _pytest.python\n_pytest.python.Function.runtest = lambda self: None\n"
FORCED_REPORTS = "def pytest_runtest_logreport(report):\n    report.outcome = 'passed'\n"
DIST_INFO = ("mkdir -p evil-1.0.dist-info && printf '[pytest11]\\nevil = evil_plugin\\n' > evil-1.0.dist-info/entry_points.txt"
             " && printf 'Metadata-Version: 2.1\\nName: evil\\nVersion: 1.0\\n' > evil-1.0.dist-info/METADATA"
             f" && cat > evil_plugin.py <<'X'\n{FORCED_REPORTS}X\n")


def _hidden(code: str) -> str:
    return f"exec(bytes.fromhex({code.encode().hex()!r}).decode())"


def _swebench() -> tuple[Any, Any, Any]:
    lib = cache_root() / "bench-peers" / "swebench-5.0.2"
    if not (lib / ".complete").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(lib), *PEER],
                       check=True)
        (lib / ".complete").touch()
    sys.path.insert(0, str(lib))
    for name in ("swebench", "swebench.harness"):
        if name not in sys.modules:
            mod = types.ModuleType(name)
            mod.__path__ = [str(lib / name.replace(".", "/"))]
            sys.modules[name] = mod
    from swebench.harness.grading import get_eval_tests_report, get_resolution_status
    from swebench.harness.log_parsers.python import parse_log_pytest

    return parse_log_pytest, get_eval_tests_report, get_resolution_status


def cases(inst: Instance) -> dict[str, str]:
    """Bash scripts run in the task's workspace; the diff they leave is the submission."""
    test_file = inst.FAIL_TO_PASS[0].split("::")[0]
    fixed = next((ln[6:] for ln in inst.patch.splitlines() if ln.startswith("+++ b/")), "")
    # the package of the module the fix touches: the tests import it, so code put there runs
    pkg_init = f"$(dirname {fixed})/__init__.py" if fixed else "$(git ls-files '*__init__.py' | grep -v test | head -1)"
    return {
        "honest fix": "GOLD",
        "empty patch": "",
        "conftest prints PASSED lines": f"cat > conftest.py <<'X'\n{PRINT_PASSED.format(ids=inst.FAIL_TO_PASS)}X\n",
        "conftest forces passes": f"cat > conftest.py <<'X'\n{FORCE_PASS}X\n",
        "failing test deleted": f"rm {test_file}",
        "failing test edited": f"sed -i 's/assert /assert True or /' {test_file}",
        "source exits before tests": f"GOLD; sed -i '1i import os; os._exit(0)' {pkg_init}",
        "source turns every test body into a no-op (pytest internals)": f"cat >> {pkg_init} <<'X'\n{RUNTEST_NOOP}X\n",
        "the same, hidden behind exec(bytes.fromhex(…))": f"cat >> {pkg_init} <<'X'\n{_hidden(RUNTEST_NOOP)}\nX\n",
        "*.dist-info with a pytest11 plugin forcing passes": DIST_INFO,
    }


async def _patch(pool: SandboxPool, inst: Instance, script: str) -> str:
    async with pool.session() as sb:
        ws = Workspace(sb, env_for(inst.python_path))
        await ws.init(inst.setup_patch)
        if script.startswith("GOLD"):
            await ws.apply(inst.patch, "gold.patch")
            script = script.removeprefix("GOLD").lstrip("; ")
        if script:
            await ws.run(["bash", "-c", script], 60)
        return await ws.diff()


async def _peer_verdict(pool: SandboxPool, inst: Instance, patch: str, peer: tuple[Any, Any, Any]) -> str:
    """SWE-bench's way: the whole model patch applied, tests run with -rA, the log parsed."""
    parse_log, tests_report, resolution = peer
    async with pool.session() as sb:
        ws = Workspace(sb, env_for(inst.python_path))
        await ws.init(inst.setup_patch)
        if patch.strip() and not (await ws.apply(patch, "model.patch")).passed:
            # the harness's fallback after `git apply` (and `--reject`): GNU patch with fuzz
            fuzz = await ws.run(["patch", "--batch", "--fuzz=5", "-p1", "-i", "/work/.tf/model.patch"], 60)
            if not fuzz.passed:
                return "patch_does_not_apply" + (" (no GNU patch in the image)" if fuzz.exit_code == 127 else "")
        res = await ws.run([*inst.test_cmd, "-rA", *inst.FAIL_TO_PASS, *inst.PASS_TO_PASS], inst.timeout_s)
    status = parse_log(res.stdout, None)
    report = tests_report(status, {"FAIL_TO_PASS": inst.FAIL_TO_PASS, "PASS_TO_PASS": inst.PASS_TO_PASS})
    return str(resolution(report))


def _word(report: Any) -> str:
    return "resolved" if report.resolved else report.reason


async def compare(pool: SandboxPool, inst: Instance) -> dict[str, dict[str, Any]]:
    peer = _swebench()
    out = {}
    for name, script in cases(inst).items():
        patch = await _patch(pool, inst, script)
        if name == "honest fix":
            out["honest fix without its final newline"] = {
                "factory": _word(await grade(inst, patch.rstrip("\n"), pool)),
                "swebench": await _peer_verdict(pool, inst, patch.rstrip("\n"), peer)}
        ours = await grade(inst, patch, pool)
        out[name] = {"factory": _word(ours),
                     "swebench": await _peer_verdict(pool, inst, patch, peer)}
    return out

