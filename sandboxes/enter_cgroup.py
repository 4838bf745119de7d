"""`python -S -I enter_cgroup.py PROCS_FILE... -- ARGV`: join the cgroups, then exec ARGV.
Joining before exec means nothing the sandbox starts can escape its limits."""

import os
import sys


def main() -> None:
    sep = sys.argv.index("--")
    for f in sys.argv[1:sep]:
        with open(f, "w") as fh:
            fh.write(str(os.getpid()))
    argv = sys.argv[sep + 1:]
    os.execvp(argv[0], argv)


if __name__ == "__main__":
    main()
