"""Runs inside the sandbox (never imported by the project): loads the tool module from the file
beside it, calls one function with the JSON arguments on stdin, prints the JSON result. An exception
is the tool's failure: its type and message on stdout as {"error": ...}, exit code 1."""

import importlib.util
import json
import sys


def main() -> int:
    req = json.loads(sys.stdin.read())
    spec = importlib.util.spec_from_file_location("toolmod", "toolmod.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    try:
        out = getattr(mod, req["function"])(**req["arguments"])
    except Exception as e:  # noqa: BLE001 - any failure of the tool is reported to the caller
        print(json.dumps({"error": f"{type(e).__name__}: {e}"}))
        return 1
    print(json.dumps(out, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
