"""Teacher backends behind one async interface (DESIGN §4)."""

from factory.teacher.base import ChatRequest, ChatResult, Completion, Structured, Teacher

__all__ = ["ChatRequest", "ChatResult", "Completion", "Structured", "Teacher"]
