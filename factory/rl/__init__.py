"""The factory's tasks and verifiers as RL environments: rows a trainer loads (`dataset`), an episode
per task (`episode`), rewards from the same verifiers a run uses (`reward`, `scorer`), the
environment loop (`env`), and adapters for TRL (`trl`) and verl (`verl`). docs/rl.md is the manual."""
