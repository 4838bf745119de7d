"""Isolated execution of untrusted code: Docker and bubblewrap backends (DESIGN §7). Filled in by
the sandboxes issue."""
