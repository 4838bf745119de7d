"""Agentic-CoT: free reasoning, extracted into five phases, assembled, verified (DESIGN §5)."""
