"""Static SWE tasks over long-tail repositories: no environment is built and no test runs. Tasks are
synthesised from a repository's source alone (repair, localisation, code understanding) and graded by
reading code — the repaired function against the original, a named location, answers a program reads
from the code (or, for what a pure function returns, gets by running that function alone)."""
