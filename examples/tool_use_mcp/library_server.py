"""An MCP server of your own, in Python with the `mcp` SDK: a small lending library. Its tools declare
typed results (an output schema), so the tool graph can see that `find_book`'s `book_id` feeds
`book_status` and `author` feeds `author_info` — walks chain them. Deterministic: same arguments,
same result, so `factory verify` can replay them."""

from __future__ import annotations

from typing import TypedDict

from mcp.server.mcpserver import MCPServer

server = MCPServer("library")

BOOKS = {
    "The Quiet Harbour": ("bk-1042", "Ines Calder", True, None),
    "Salt and Signal": ("bk-2210", "Tomas Reyes", False, "2026-12-19"),
    "A Map of Small Rivers": ("bk-3307", "Ines Calder", False, "2027-01-08"),
    "Lanterns at Noon": ("bk-4481", "Mara Okafor", True, None),
}
AUTHORS = {"Ines Calder": (1971, "Portugal"), "Tomas Reyes": (1984, "Chile"), "Mara Okafor": (1990, "Nigeria")}


class Book(TypedDict):
    book_id: str
    author: str


class Status(TypedDict):
    available: bool
    due_date: str


class Author(TypedDict):
    born: int
    country: str


@server.tool()
def find_book(title: str) -> Book:
    """Look a book up by its exact title."""
    if title not in BOOKS:
        raise ValueError(f"no book titled {title!r}")
    book_id, author, _, _ = BOOKS[title]
    return {"book_id": book_id, "author": author}


@server.tool()
def book_status(book_id: str) -> Status:
    """Whether a book (by id) is on the shelf, and when a lent copy is due back."""
    for bid, _, available, due in BOOKS.values():
        if bid == book_id:
            return {"available": available, "due_date": due or ""}
    raise ValueError(f"no book with id {book_id!r}")


@server.tool()
def author_info(author: str) -> Author:
    """Birth year and country of an author."""
    if author not in AUTHORS:
        raise ValueError(f"no author named {author!r}")
    born, country = AUTHORS[author]
    return {"born": born, "country": country}


if __name__ == "__main__":
    server.run()
