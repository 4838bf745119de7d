"""The solver's instructions, a worked example for small teachers (a teacher-only aside, never in a
row), and the turn guide: a thought, then one tool call or the reply to the user, as structured
output rendered into Hermes text."""

from __future__ import annotations

from factory.agent.guide import CallOrReply as ToolUseGuide
from factory.agent.guide import guidable

__all__ = ["DEMO", "SYSTEM", "ToolUseGuide", "guidable"]

SYSTEM = ("You are an assistant that gets things done with the tools you are offered. Call a tool for every fact "
          "you report; never invent a result. Feed one tool's output into the next when the request needs it. "
          "If the request lacks a value a tool needs, ask the user for it instead of guessing. If none of your "
          "tools can do what is asked, say so and call none. If a tool fails, try it again or tell the user what "
          "failed. Finish with a reply to the user that states the results.")

DEMO = ("Example (the tools here are not yours).\nUser: How many letters are in the word 'harbour'?\n"
        "I need the letter count, which the count_letters tool gives.\n"
        '<tool_call>\n{"name": "count_letters", "arguments": {"word": "harbour"}}\n</tool_call>\n'
        'Tool result: {"word": "harbour", "letters": 7}\n'
        "The tool returned 7 letters.\nThe word 'harbour' has 7 letters.\n\n"
        "Example.\nUser: Convert the temperature to Fahrenheit.\n"
        "The request does not say which temperature, so I must ask.\n"
        "Which temperature would you like me to convert to Fahrenheit?")
