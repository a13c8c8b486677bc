"""Stub LLM servers on 127.0.0.1: the Anthropic Messages API and OpenAI chat completions.

Why: network code must be tested over real HTTP with the real client (the ``anthropic``
SDK, ``httpx2``), and the failures that matter (429 with retry-after, 529 overloaded,
500, timeouts, dropped connections, malformed JSON, answers in the wrong language) must be
reproducible on demand. The same server serves the eval harness's throughput runs.

One server speaks both protocols (``kind`` only picks :attr:`StubServer.base_url`):

- ``POST /v1/messages``, ``POST /v1/messages/count_tokens``,
  ``POST /v1/messages/batches``, ``GET /v1/messages/batches/ID``,
  ``GET /v1/messages/batches/ID/results`` (Anthropic);
- ``POST /v1/chat/completions`` (OpenAI-compatible).

Answers follow the prompt: the headings listed in the system prompt, written in the
language it asks for (``Output language: Japanese (ja)``), mentioning the paper's title.

>>> import json, urllib.request
>>> with serve_stub("openai") as stub:
...     body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
...     req = urllib.request.Request(stub.base_url + "/chat/completions",
...         data=json.dumps(body).encode(), headers={"content-type": "application/json"})
...     answer = json.load(urllib.request.urlopen(req))
>>> answer["choices"][0]["finish_reason"], len(stub.calls)
('stop', 1)
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

__all__ = ["FAULT_KINDS", "Call", "Faults", "StubServer", "serve_stub"]

FAULT_KINDS = (
    "429",  # rate limited, with retry-after / retry-after-ms
    "529",  # overloaded (Anthropic) / 503 for OpenAI
    "500",  # internal error
    "timeout",  # answers only after Faults.timeout_delay
    "drop",  # closes the connection without a response
    "malformed",  # 200 with a broken JSON body
    "wrong_language",  # a well-formed answer in the wrong language (paid!)
)
EXTRA_FAULTS = ("auth", "spend_limit", "400", "overloaded_midstream", "broken_stream")


@dataclass(frozen=True)
class Faults:
    """Which calls fail and how.

    ``rate`` of calls get a fault drawn from ``kinds`` (seeded, so runs repeat);
    ``script`` instead gives the fault of call 0, 1, 2, ... (``None`` = answer normally),
    then falls back to ``rate``. ``retry_after`` (seconds) goes out as ``retry-after-ms``
    and ``retry-after`` on 429/529. A ``timeout`` fault stalls ``timeout_delay`` seconds.
    A ``broken_stream`` ends a streamed answer after ``broken_at`` events (no
    ``message_stop``; with 0, before ``message_start``), or cuts a plain JSON body short.
    """

    rate: float = 0.0
    kinds: tuple[str, ...] = FAULT_KINDS
    seed: int = 0
    script: tuple[str | None, ...] = ()
    retry_after: float | None = 0.01
    timeout_delay: float = 1.0
    broken_at: int = 3  # a broken stream stops after this many events (0: before any)

    def __post_init__(self) -> None:
        bad = [k for k in (*self.kinds, *self.script) if k and k not in FAULT_KINDS + EXTRA_FAULTS]
        if bad:
            raise ValueError(f"unknown fault kinds: {bad}")


@dataclass(frozen=True)
class Call:
    """One request the stub received. ``paid``: a billable answer was sent."""

    index: int
    path: str
    paper: str
    fault: str | None
    status: int
    model: str = ""
    authorized: bool = True
    input_tokens: int = 0
    output_tokens: int = 0

    @property
    def paid(self) -> bool:
        return self.status == 200 and self.fault not in (
            "malformed",
            "drop",
            "timeout",
            "overloaded_midstream",
            "broken_stream",
        )


_BODIES = {
    "ja": "本論文は「{title}」を扱い、既存手法の課題を整理したうえで新しい手法を提案している。"
    "実験では提案手法の有効性が示されている。",
    "zh": "本文研究了“{title}”，分析了现有方法的问题并提出了一种新方法，实验验证了其有效性。",
    "en": "The paper studies {title}, explains what earlier methods miss and proposes a new "
    "method; experiments show that it works.",
}
_WRONG = {"ja": "en", "zh": "en", "en": "ja", "ko": "en"}
_LANG = re.compile(r"Output language: [^(\n]*\((\w+)\)")
_HEAD = re.compile(r"^(#{1,6} .+)$", re.M)


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b.get("text", "") for b in content if isinstance(b, dict))
    return ""


_FACT = {
    "ja": "本文では {n} という結果が報告されている。",
    "zh": "正文报告了 {n} 的结果。",
    "en": "The body of the paper reports {n}.",
}
_BODY_NUMBER = re.compile(r"(?<![\w.])\d+\.\d+%?|(?<![\w.])\d+%")


def _body_fact(user: str) -> str:
    """A number the paper's full text states outside its abstract (``""`` when the prompt
    holds no full text): the stub cites it, as a model reading the whole paper would."""
    m = re.search(r'<text kind="full text">(.*?)</text>', user, re.S)
    if not m:
        return ""
    text = m.group(1)
    abstract = re.search(r"## Abstract\n(.*?)(?:\n## |\Z)", text, re.S)
    seen = set(_BODY_NUMBER.findall(abstract.group(1))) if abstract else set()
    body = text[abstract.end() :] if abstract else text
    body = body.split("\n## References", 1)[0]
    for n in _BODY_NUMBER.findall(body):
        if n not in seen:
            return n
    return ""


_WORDS = re.compile(r"[a-z0-9]+(?:\.[0-9]+)?")
_NUMS = re.compile(r"\d+(?:\.\d+)?")


def judge_answer(user: str) -> str:
    """A faithfulness judge's reply (JSON verdicts with quotes) by a fixed rule, so tests
    of the judge run over real HTTP: a summary sentence whose number the source lacks is
    ``contradicted``, one sharing two or more words with a source sentence is
    ``supported``, anything else ``not_in_source``; the quote is the first eight words of
    the source sentence sharing most words. (Under the ``wrong_language`` fault the stub
    answers prose instead: a malformed judge reply.)

    >>> json.loads(judge_answer("SOURCE:\\nA is 3 on the test set today.\\n\\nSUMMARY SENTENCES:\\n1. A is 4."))
    [{'i': 1, 'verdict': 'contradicted', 'quote': 'A is 3 on the test set today.'}]
    """
    source, _, listed = user.partition("\n\nSUMMARY SENTENCES:\n")
    source = source.removeprefix("SOURCE:\n")
    sents = [x.strip() for x in re.split(r"(?<=[.!?])\s+", source) if x.strip()]
    out = []
    for line in listed.splitlines():
        m = re.match(r"(\d+)\.\s+(.*)", line)
        if not m:
            continue
        mine = set(_WORDS.findall(m.group(2).lower()))
        best = max(sents, key=lambda s: len(mine & set(_WORDS.findall(s.lower()))), default="")
        shared = len(mine & set(_WORDS.findall(best.lower())))
        quote = " ".join(best.split()[:8])
        if set(_NUMS.findall(m.group(2))) - set(_NUMS.findall(source)):
            out.append({"i": int(m.group(1)), "verdict": "contradicted", "quote": quote})
        elif shared >= 2:
            out.append({"i": int(m.group(1)), "verdict": "supported", "quote": quote})
        else:
            out.append({"i": int(m.group(1)), "verdict": "not_in_source", "quote": ""})
    return json.dumps(out)


def compose_answer(system: str, user: str, *, wrong_language: bool = False) -> str:
    """The stub's answer to a prompt: the requested headings (read from the system prompt
    or from the task after the paper), bodies in the requested language (or deliberately
    not, with ``wrong_language``); from a full text, the first section also cites a number
    found only in the body.

    >>> compose_answer("Output language: English (en)\\nAnswer in Markdown\\n## TL;DR",
    ...                "<title>X</title>")
    '## TL;DR\\nThe paper studies X, explains what earlier methods miss and proposes a new method; experiments show that it works.'
    """
    if "SUMMARY SENTENCES:" in user and "faithful" in system:
        return "The summary looks fine to me." if wrong_language else judge_answer(user)
    task = system + "\n" + user.rsplit("</paper>", 1)[-1]
    m = _LANG.search(task)
    lang = m.group(1) if m else "en"
    if wrong_language:
        lang = _WRONG.get(lang, "en")
    t = re.search(r"<title>(.*?)</title>", user, re.S)
    body = _BODIES.get(lang, _BODIES["en"]).format(title=(t.group(1).strip() if t else "it"))
    fact = _body_fact(user)
    first = body + (" " + _FACT.get(lang, _FACT["en"]).format(n=fact) if fact else "")
    instructions = task.split("Answer in Markdown", 1)[-1]
    headings = _HEAD.findall(instructions) if "Answer in Markdown" in task else []
    if not headings:
        return first
    return "\n\n".join(f"{h}\n{first if i == 0 else body}" for i, h in enumerate(headings))


def _tokens(text: str) -> int:
    return max(1, len(text.encode("utf-8")) // 4)


class StubServer:
    """A running stub; see :func:`serve_stub`. Thread-safe; ``calls`` grows as it serves."""

    def __init__(
        self, kind: str, latency: float, faults: Faults, api_key: str | None, batch_polls: int
    ) -> None:
        self.kind = kind
        self.latency = latency
        self.faults = faults
        self.api_key = api_key
        self.batch_polls = batch_polls
        self.calls: list[Call] = []
        self._lock = threading.Lock()
        self._rng = random.Random(faults.seed)
        self._seen_prefixes: set[str] = set()
        self._batches: dict[str, dict[str, Any]] = {}
        self._server: ThreadingHTTPServer | None = None

    @property
    def root(self) -> str:
        assert self._server is not None
        port = self._server.server_address[1]
        return f"http://127.0.0.1:{port}"

    @property
    def base_url(self) -> str:
        """What to put in ``base_url``: the root for Anthropic, ``root/v1`` for OpenAI."""
        return self.root if self.kind == "anthropic" else self.root + "/v1"

    def set_faults(self, faults: Faults) -> None:
        with self._lock:
            self.faults = faults
            self._rng = random.Random(faults.seed)

    def paid_by_paper(self) -> Counter[str]:
        """How many billable answers each paper (``<paper id=...>``) received."""
        with self._lock:
            return Counter(
                c.paper
                for c in self.calls
                if c.paid and c.path.endswith(("messages", "completions"))
            )

    # --- request handling (called from server threads) -----------------------------
    def _draw_fault(self, index: int) -> str | None:
        f = self.faults
        if index < len(f.script):
            return f.script[index]
        if f.rate and self._rng.random() < f.rate:
            return self._rng.choice(f.kinds)
        return None

    def _begin(self, path: str, paper: str, authorized: bool) -> tuple[int, str | None]:
        with self._lock:
            index = len(self.calls)
            fault = self._draw_fault(index) if authorized else "auth"
            self.calls.append(Call(index, path, paper, fault, 0, authorized=authorized))
        return index, fault

    def _end(self, index: int, **changes: Any) -> None:
        with self._lock:
            c = self.calls[index]
            self.calls[index] = Call(**{**c.__dict__, **changes})

    def _cache_tokens(self, prefixes: list[str]) -> tuple[int, int]:
        """(read, written) cache tokens for a request whose breakpoints end the given
        prefixes: the longest prefix seen before is read, the rest up to the last
        breakpoint is written (Anthropic's prefix caching, without its minimum length)."""
        if not prefixes:
            return 0, 0
        with self._lock:
            seen = [p for p in prefixes if p in self._seen_prefixes]
            self._seen_prefixes.update(prefixes)
        read = _tokens(seen[-1]) if seen else 0
        return read, _tokens(prefixes[-1]) - read


def _cached_prefixes(data: dict[str, Any]) -> list[str]:
    """The texts up to each block marked ``cache_control`` (system blocks, then message
    content blocks), shortest first; empty when nothing is marked."""
    parts: list[str] = []
    prefixes: list[str] = []
    system = data.get("system")
    blocks = list(system) if isinstance(system, list) else [{"text": system or ""}]
    for m in data.get("messages", []):
        content = m.get("content")
        blocks += content if isinstance(content, list) else [{"text": content or ""}]
    for b in blocks:
        if not isinstance(b, dict):
            continue
        parts.append(str(b.get("text", "")))
        if b.get("cache_control"):
            prefixes.append("\n".join(parts))
    return prefixes


def _paper_id(text: str) -> str:
    m = re.search(r'<paper id="([^"]*)"', text)
    return m.group(1) if m else ""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; without TCP_NODELAY, Nagle + delayed ACK
    # add ~40 ms to every keep-alive request and the stub measures the kernel, not us.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # silence stderr
        pass

    @property
    def stub(self) -> StubServer:
        return self.server.stub

    # --- plumbing ------------------------------------------------------------------
    def _read_json(self) -> Any:
        n = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(n) if n else b"{}"
        try:
            return json.loads(raw)
        except ValueError:
            return {}

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.send_header("request-id", "req_" + uuid.uuid4().hex[:12])
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _authorized(self) -> bool:
        key = self.stub.api_key
        if key is None:
            return True
        got = self.headers.get("authorization", "")
        return got == f"Bearer {key}" or self.headers.get("x-api-key") == key

    def _error(self, fault: str, anthropic: bool) -> int:
        ra = self.stub.faults.retry_after
        headers = {"retry-after-ms": str(int(ra * 1000)), "retry-after": f"{ra:g}"} if ra else {}
        table = {
            "429": (429, "rate_limit_error", None),
            "529": (529 if anthropic else 503, "overloaded_error", None),
            "500": (500, "api_error", None),
            "auth": (401, "authentication_error", None),
            "400": (400, "invalid_request_error", None),
            "spend_limit": (429 if anthropic else 429, "rate_limit_error", "spend"),
        }
        status, etype, special = table[fault]
        if anthropic:
            err: dict[str, Any] = {"type": etype, "message": f"stub fault {fault}"}
            if special:
                err["details"] = {"error_code": "enforced_spend_limit_reached"}
            payload: dict[str, Any] = {"type": "error", "error": err}
        else:
            code = "insufficient_quota" if special else etype
            payload = {"error": {"message": f"stub fault {fault}", "type": code, "code": code}}
        self._send(status, payload, headers if fault in ("429", "529") else None)
        return status

    def _fault_response(self, index: int, fault: str, anthropic: bool) -> bool:
        """Serve ``fault``; True when the request is fully handled."""
        if fault == "drop":
            self.close_connection = True
            self.connection.close()
            self.stub._end(index, status=0)
            return True
        if fault == "timeout":
            time.sleep(self.stub.faults.timeout_delay)
            return False
        if fault == "malformed":
            self._send(200, b'{"id": "broken", "content": [{"type": "te')
            self.stub._end(index, status=200)
            return True
        if fault in ("wrong_language", "overloaded_midstream", "broken_stream"):
            return False
        self.stub._end(index, status=self._error(fault, anthropic))
        return True

    # --- routes --------------------------------------------------------------------
    def do_POST(self) -> None:
        data = self._read_json()
        path = self.path.split("?")[0]
        if path.endswith("/messages/count_tokens"):
            text = _text_of(data.get("system")) + "".join(
                _text_of(m.get("content")) for m in data.get("messages", [])
            )
            with self.stub._lock:
                n = len(self.stub.calls)
                self.stub.calls.append(Call(n, path, _paper_id(text), None, 200))
            self._send(200, {"input_tokens": _tokens(text)})
            return
        if path.endswith("/messages/batches"):
            self._create_batch(data)
            return
        if path.endswith("/messages") or path.endswith("/chat/completions"):
            self._complete(data, anthropic=path.endswith("/messages"))
            return
        self._send(404, {"type": "error", "error": {"type": "not_found_error", "message": path}})

    def do_GET(self) -> None:
        m = re.match(r".*/messages/batches/([^/]+)(/results)?$", self.path.split("?")[0])
        if not m:
            self._send(404, {"type": "error", "error": {"type": "not_found_error"}})
            return
        if m.group(2):
            self._batch_results(m.group(1))
        else:
            self._batch_status(m.group(1))

    def _split(self, data: dict[str, Any], anthropic: bool) -> tuple[str, str]:
        messages = data.get("messages", [])
        if anthropic:
            system = _text_of(data.get("system"))
        else:
            system = "\n".join(
                _text_of(m.get("content")) for m in messages if m.get("role") == "system"
            )
            messages = [m for m in messages if m.get("role") != "system"]
        return system, "\n".join(_text_of(m.get("content")) for m in messages)

    def _complete(self, data: dict[str, Any], *, anthropic: bool) -> None:
        system, user = self._split(data, anthropic)
        index, fault = self.stub._begin(self.path, _paper_id(user), self._authorized())
        if self.stub.latency:
            time.sleep(self.stub.latency)
        if fault and self._fault_response(index, fault, anthropic):
            return
        text = compose_answer(system, user, wrong_language=fault == "wrong_language")
        prefixes = _cached_prefixes(data) if anthropic else []
        read, write = self.stub._cache_tokens(prefixes)
        tokens_in = max(1, _tokens(system) + _tokens(user) - read - write)
        tokens_out = _tokens(text)
        model = data.get("model", "stub")
        payload = (
            _anthropic_message(text, model, tokens_in, tokens_out, read, write)
            if anthropic
            else _openai_completion(text, model, tokens_in + read, tokens_out, read)
        )
        if anthropic and data.get("stream"):
            midstream = fault == "overloaded_midstream"
            self.stub._end(index, status=200, model=model, fault=fault)
            events = _anthropic_events(payload, overload=midstream)
            if fault == "broken_stream":  # the body ends before message_stop
                events = events[: self.stub.faults.broken_at]
            self._send_sse(events)
            return
        if fault == "broken_stream":  # not streaming: a body cut short
            self._send(200, b'{"id": "broken", "content": [{"type": "te')
            self.stub._end(index, status=200)
            return
        self.stub._end(
            index, status=200, model=model, input_tokens=tokens_in, output_tokens=tokens_out
        )
        self._send(200, payload)

    def _send_sse(self, events: list[tuple[str, dict[str, Any]]]) -> None:
        body = "".join(f"event: {e}\ndata: {json.dumps(d)}\n\n" for e, d in events).encode()
        self.send_response(200)
        self.send_header("content-type", "text/event-stream")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    # --- batches -------------------------------------------------------------------
    def _create_batch(self, data: dict[str, Any]) -> None:
        if not self._authorized():
            self._error("auth", True)
            return
        batch_id = "msgbatch_" + uuid.uuid4().hex[:20]
        requests = data.get("requests", [])
        with self.stub._lock:
            self.stub._batches[batch_id] = {"requests": requests, "polls": 0, "results": None}
        self._send(200, self._batch_json(batch_id, ended=False, n=len(requests)))

    def _batch_json(self, batch_id: str, *, ended: bool, n: int, ok: int = 0) -> dict[str, Any]:
        now = dt.datetime.now(dt.UTC)
        return {
            "id": batch_id,
            "type": "message_batch",
            "processing_status": "ended" if ended else "in_progress",
            "request_counts": {
                "processing": 0 if ended else n,
                "succeeded": ok,
                "errored": n - ok if ended else 0,
                "canceled": 0,
                "expired": 0,
            },
            "created_at": now.isoformat(),
            "expires_at": (now + dt.timedelta(days=1)).isoformat(),
            "ended_at": now.isoformat() if ended else None,
            "results_url": f"{self.stub.root}/v1/messages/batches/{batch_id}/results"
            if ended
            else None,
        }

    def _batch_status(self, batch_id: str) -> None:
        with self.stub._lock:
            batch = self.stub._batches.get(batch_id)
            if batch is not None:
                batch["polls"] += 1
        if batch is None:
            self._send(
                404, {"type": "error", "error": {"type": "not_found_error", "message": batch_id}}
            )
            return
        ended = batch["polls"] >= self.stub.batch_polls
        if ended and batch["results"] is None:
            batch["results"] = [self._batch_item(r) for r in batch["requests"]]
        ok = sum(r["result"]["type"] == "succeeded" for r in batch["results"] or [])
        self._send(200, self._batch_json(batch_id, ended=ended, n=len(batch["requests"]), ok=ok))

    def _batch_item(self, request: dict[str, Any]) -> dict[str, Any]:
        params = request.get("params", {})
        system, user = self._split(params, True)
        index, fault = self.stub._begin("/v1/messages/batches#item", _paper_id(user), True)
        if fault and fault != "wrong_language":
            self.stub._end(index, status=500)
            error = {"type": "error", "error": {"type": "api_error", "message": f"stub {fault}"}}
            return {
                "custom_id": request.get("custom_id"),
                "result": {"type": "errored", "error": error},
            }
        text = compose_answer(system, user, wrong_language=fault == "wrong_language")
        t_in, t_out = _tokens(system + user), _tokens(text)
        self.stub._end(index, status=200, input_tokens=t_in, output_tokens=t_out)
        message = _anthropic_message(text, params.get("model", "stub"), t_in, t_out, 0, 0)
        return {
            "custom_id": request.get("custom_id"),
            "result": {"type": "succeeded", "message": message},
        }

    def _batch_results(self, batch_id: str) -> None:
        batch = self.stub._batches.get(batch_id)
        if batch is None or batch["results"] is None:
            self._send(
                404, {"type": "error", "error": {"type": "not_found_error", "message": batch_id}}
            )
            return
        body = "".join(json.dumps(r) + "\n" for r in batch["results"]).encode("utf-8")
        self.send_response(200)
        self.send_header("content-type", "application/binary")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _anthropic_message(text: str, model: str, t_in: int, t_out: int, read: int, write: int) -> dict:
    return {
        "id": "msg_" + uuid.uuid4().hex[:20],
        "type": "message",
        "role": "assistant",
        "model": model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": None,
        "usage": {
            "input_tokens": t_in,
            "output_tokens": t_out,
            "cache_read_input_tokens": read,
            "cache_creation_input_tokens": write,
        },
    }


def _anthropic_events(message: dict, *, overload: bool) -> list[tuple[str, dict[str, Any]]]:
    """A Messages API stream; with ``overload``, an ``overloaded_error`` event mid-way
    (how Anthropic reports an overload after the 200 status line has gone out)."""
    text = message["content"][0]["text"]
    start = {**message, "content": [], "stop_reason": None,
             "usage": {**message["usage"], "output_tokens": 1}}  # fmt: skip
    events: list[tuple[str, dict[str, Any]]] = [
        ("message_start", {"type": "message_start", "message": start}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
    ]  # fmt: skip
    chunks = [text[i : i + 200] for i in range(0, len(text), 200)] or [""]
    for n, chunk in enumerate(chunks):
        if overload and n == len(chunks) // 2:
            error = {"type": "overloaded_error", "message": "Overloaded"}
            return [*events, ("error", {"type": "error", "error": error})]
        delta = {"type": "text_delta", "text": chunk}
        events.append(
            ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": delta})
        )
    events += [
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn",
          "stop_sequence": None}, "usage": {"output_tokens": message["usage"]["output_tokens"]}}),
        ("message_stop", {"type": "message_stop"}),
    ]  # fmt: skip
    return events


def _openai_completion(text: str, model: str, t_in: int, t_out: int, cached: int) -> dict:
    return {
        "id": "chatcmpl-" + uuid.uuid4().hex[:20],
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {
            "prompt_tokens": t_in,
            "completion_tokens": t_out,
            "total_tokens": t_in + t_out,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    stub: StubServer

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that gave up (timeout fault) leaves a broken pipe: expected, not news.
        pass


@contextmanager
def serve_stub(
    kind: str = "openai",
    *,
    latency: float = 0.0,
    faults: Faults | None = None,
    api_key: str | None = None,
    batch_polls: int = 1,
) -> Iterator[StubServer]:
    """Run a stub on an ephemeral 127.0.0.1 port for the ``with`` block.

    ``kind``: ``"openai"`` or ``"anthropic"`` (which :attr:`StubServer.base_url` to
    give). ``latency``: seconds per completion. ``api_key``: when set, other keys get 401.
    ``batch_polls``: how many status polls a batch takes to end.
    """
    if kind not in ("openai", "anthropic"):
        raise ValueError(f"kind must be 'openai' or 'anthropic', not {kind!r}")
    stub = StubServer(kind, latency, faults or Faults(), api_key, batch_polls)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.stub = stub
    stub._server = server
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield stub
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
