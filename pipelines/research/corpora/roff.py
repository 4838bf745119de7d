"""Just enough of man(7) roff to read the Linux man pages as text: section headings, font macros
joined the way groff joins them, escapes mapped to plain characters. Tables and macros that only
shape layout are dropped; what a reader searches for (names, prose, code) stays."""

from __future__ import annotations

import re
import shlex

_NAMED = {"bu": "•", "em": "—", "en": "–", "aq": "'", "dq": '"', "lq": '"', "rq": '"', "oq": "'", "cq": "'",
          "ti": "~", "ha": "^", "rs": "\\", "mi": "-", "hy": "-", "co": "©", "rg": "®", "tm": "™", "<=": "<=",
          ">=": ">=", "!=": "!=", "->": "->", "<-": "<-", "mu": "×", "de": "°", "pl": "+", "eq": "=", "sl": "/",
          "ba": "|", "lB": "[", "rB": "]", "lC": "{", "rC": "}", "dg": "†", "sc": "§"}
_ESC = re.compile(r"\\(?:f(?:\[[^\]]*\]|\(..|.)|\[([^\]]*)\]|\((..)|\*(?:\[[^\]]*\]|\(..|.)|[-e&|^~ 0c:%]|.)")
_ALTERNATE = {"BR", "BI", "IB", "IR", "RB", "RI"}
_WHOLE = {"B", "I", "SM", "SB"}
_BREAK = {"PP", "P", "LP", "sp", "br", "IP", "TP", "HP", "TQ", "EX", "EE", "nf", "fi", "RS", "RE", "in"}


def unescape(s: str) -> str:
    def one(m: re.Match[str]) -> str:
        tok = m.group(0)
        if tok.startswith("\\f") or tok.startswith("\\*") or tok in ("\\&", "\\|", "\\^", "\\c", "\\:", "\\%"):
            return ""
        name = m.group(1) or m.group(2)
        if name is not None:
            return _NAMED.get(name, "")
        return {"\\-": "-", "\\e": "\\", "\\ ": " ", "\\~": " ", "\\0": " "}.get(tok, tok[1:])
    return _ESC.sub(one, s)


def _args(rest: str) -> list[str]:
    try:
        return shlex.split(rest, posix=True, comments=False)
    except ValueError:
        return rest.split()


class Page:
    def __init__(self, source: str):
        self.title = ""
        self.section = ""
        self.alias: str | None = None
        self.sections: dict[str, list[str]] = {}
        self._parse(source)

    def _parse(self, source: str) -> None:
        cur: list[str] = self.sections.setdefault("", [])
        in_table = nofill = False
        for raw in source.replace("\\\n", "").splitlines():
            if raw.startswith(('.\\"', "'\\\"", '.\\\\"')) or raw.strip() in (".", "'"):
                continue
            if in_table:
                in_table = not raw.startswith(".TE")
                if in_table and not raw.startswith((".", "'")) and not re.match(r"^[lcrnbiaspt| .]+$", raw):
                    cur.append(unescape(raw.replace("\t", "  ").replace("T{", "").replace("T}", "")))
                continue
            if not raw.startswith((".", "'")):
                cur.extend([unescape(raw), ""] if nofill else [unescape(raw)])
                continue
            macro, _, rest = raw[1:].strip().partition(" ")
            if macro in ("nf", "EX", "fi", "EE"):
                nofill = macro in ("nf", "EX")
            if macro == "TS":
                in_table = True
            elif macro == "TH":
                a = _args(rest)
                self.title, self.section = (a + ["", ""])[:2]
            elif macro == "so":
                self.alias = rest.strip()
            elif macro in ("SH", "SS"):
                head = " ".join(_args(unescape(rest))).strip()
                if macro == "SH":
                    cur = self.sections.setdefault(head.upper(), [])
                else:
                    cur.append("")
                    cur.append(head)
            elif macro in _ALTERNATE:
                cur.extend(["".join(_args(unescape(rest)))] + ([""] if nofill else []))
            elif macro in _WHOLE:
                cur.extend([" ".join(_args(unescape(rest)))] + ([""] if nofill else []))
            elif macro in _BREAK:
                if macro == "IP" and rest.strip():
                    cur.append("")
                    cur.append((_args(unescape(rest)) or [""])[0])
                elif macro in ("PP", "P", "LP", "sp", "TP"):
                    cur.append("")

    def text_of(self, name: str) -> str:
        return _flow(self.sections.get(name, []))

    def text(self) -> str:
        parts = [_flow(self.sections.get("", []))] if self.sections.get("") else []
        parts += [f"{k}\n{_flow(v)}" for k, v in self.sections.items() if k]
        return "\n\n".join(p for p in parts if p.strip())


def _flow(lines: list[str]) -> str:
    """Join filled lines into paragraphs; an empty line is a paragraph break."""
    out, para = [], []
    for ln in lines:
        if ln.strip():
            para.append(ln.strip())
        elif para:
            out.append(" ".join(para))
            para = []
    if para:
        out.append(" ".join(para))
    return "\n".join(out)
