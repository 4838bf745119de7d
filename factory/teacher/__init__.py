"""Teacher backends behind one async interface (docs/architecture.md, "Teacher")."""

from factory.teacher.base import ChatRequest, ChatResult, Completion, Structured, Teacher

__all__ = ["ChatRequest", "ChatResult", "Completion", "Structured", "Teacher"]
