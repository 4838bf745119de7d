"""Isolated execution of untrusted code: Docker and bubblewrap backends behind one interface
(docs/architecture.md, "Sandboxes"). Imports nothing from the engine: any pipeline or outside user
can use it."""
