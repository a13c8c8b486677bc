"""The measurement behind digestkit.fulltext.html's choice of lxml over selectolax.

    pip install selectolax   # not a digestkit dependency
    python tools/measure_html_parsers.py

Times (best of 15) each parser alone and with the same iterative walk that reads every
element and its text (math as its alttext, like the extractor) over the long fixture,
then the parse of deeply nested block elements, where lexbor's time grows faster than
linearly and libxml2 stops at depth 256.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import lxml.html

PAGE = Path(__file__).resolve().parent.parent / "fixtures/fulltext/html/long_scaling.html"


def best(fn: Callable[[], Any], rounds: int = 15) -> float:
    fastest = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


def lxml_walk(text: str) -> int:
    out: list[str] = []
    stack: list[Any] = [lxml.html.document_fromstring(text)]
    while stack:
        el = stack.pop()
        if isinstance(el, str):
            out.append(el)
            continue
        if not isinstance(el.tag, str):
            continue
        el.get("class")
        if el.tail:
            stack.append(el.tail)
        if el.tag == "math":
            out.append(el.get("alttext") or "")
            continue
        stack.extend(reversed(el))
        if el.text:
            stack.append(el.text)
    return len("".join(out))


def lexbor_walk(text: str) -> int:
    from selectolax.lexbor import LexborHTMLParser

    out: list[str] = []
    stack: list[Any] = [LexborHTMLParser(text).root]
    while stack:
        node = stack.pop()
        if node.tag == "-text":
            out.append(node.text_content)
            continue
        if node.tag is None or node.tag.startswith("-"):
            continue
        attrs = node.attributes
        attrs.get("class")
        if node.tag == "math":
            out.append(attrs.get("alttext") or "")
            continue
        kids = []
        child = node.child
        while child is not None:
            kids.append(child)
            child = child.next
        stack.extend(reversed(kids))
    return len("".join(out))


def main() -> None:
    from selectolax.lexbor import LexborHTMLParser

    text = PAGE.read_text(encoding="utf-8")
    size = len(text.encode())
    rows = {
        "lxml parse": lambda: lxml.html.document_fromstring(text),
        "lexbor parse": lambda: LexborHTMLParser(text),
        "lxml parse+walk": lambda: lxml_walk(text),
        "lexbor parse+walk": lambda: lexbor_walk(text),
    }
    for name, fn in rows.items():
        t = best(fn)
        print(f"{name:20} {t * 1e3:7.1f} ms  {size / t / 1e6:6.1f} MB/s")
    for n in (5_000, 10_000, 20_000):
        nested = "<div>" * n + "x"
        a = best(lambda nested=nested: LexborHTMLParser(nested), 1)
        b = best(lambda nested=nested: lxml.html.document_fromstring(nested), 1)
        print(f"{n:>6} nested <div>: lexbor {a:.3f} s, lxml {b:.3f} s")


if __name__ == "__main__":
    main()
