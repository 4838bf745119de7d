"""Verifiers: each looks at one trajectory and returns a Verdict(verifier, passed, score, reason)."""

from factory.verify.base import Verifier, apply_verifiers

__all__ = ["Verifier", "apply_verifiers"]
