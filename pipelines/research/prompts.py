"""Instructions per task kind, the phase prompts of "think twice", the failure-analysis prompt, and a
worked example for small teachers (a teacher-only aside, never stored in a row)."""

from __future__ import annotations

TOOLS = ("You research with three tools: search (full-text search; returns document ids, titles, snippets), "
         "open (read a document by id, page by page) and find (lines of a document containing a string). Use only "
         "document ids that search returned; never invent one.")
SYSTEM = {
    "closed": TOOLS + " Follow the question's chain document by document; search results may be noisy, so open a "
              "document to confirm it before relying on it. Answer only from what you read, at the end, as "
              "<answer>...</answer> holding just the answer.",
    "open": TOOLS + " Gather the sources a short report needs; open every document you will cite. You will then be "
            "asked to summarise your notes, to check each claim against its source, and to write the report.",
    "reverse": TOOLS + " Find the documents the given text cites, open them to confirm, then write the text's "
               "gist and list the cited documents' ids as <sources>id, id, ...</sources>.",
}
NOTES = ("First think: summarise your notes as numbered claims, one per line, each ending with the id of the opened "
         "document it comes from in square brackets, e.g. `1. ... [doc-id]`.")
CHECK = ("Second think: check every claim against its source, chunk by chunk. The passages of your sources that best "
         "match each claim are below. For each claim write `N. supported` or `N. unsupported`, then a short quote "
         "from the passage.\n\n{passages}")
REPORT = ("Now write the report: only supported claims, every sentence ending with its source as [doc-id] "
          "(ids of documents you opened).")
LESSON = ("A research attempt failed.\nQuestion: {question}\nWhat it did: {steps}\nIts final reply: {reply}\n"
          "Why it failed: {reasons}\nThe expected answer was {answer}, reached through: {chain}.\n"
          "In two or three sentences: what went wrong, and what should the researcher do instead next time?")
RETRY = "Lesson from a failed earlier attempt at this question: {lesson}"
DEMO = ("Example (another collection).\nUser: Start from the document about \"wait for a child to stop\". It refers "
        "to one about \"send a signal to a process\". Which header file does that last page say to include?\n"
        "I search for the first description.\n"
        '<tool_call>\n{"name": "search", "arguments": {"query": "wait for a child to stop"}}\n</tool_call>\n'
        'Tool result: {"results": [{"id": "waitpid.2", "title": "waitpid(2)", "snippet": "..."}]}\n'
        "I open it to find what it refers to.\n"
        '<tool_call>\n{"name": "open", "arguments": {"doc_id": "waitpid.2"}}\n</tool_call>\n'
        "Tool result: {... \"SEE ALSO kill(2) ...\"}\nIt refers to kill(2); I open it.\n"
        '<tool_call>\n{"name": "open", "arguments": {"doc_id": "kill.2"}}\n</tool_call>\n'
        'Tool result: {... "#include <signal.h>" ...}\nThe page includes signal.h.\n<answer>signal.h</answer>')
