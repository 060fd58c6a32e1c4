"""CloudEvents in binary content mode: the attributes as `ce-` headers, the data as the body.

The same mapping serves the NATS protocol binding (the relay) and the HTTP one:
`datacontenttype` becomes `content-type`, every other attribute `ce-<name>`,
its value as text, percent-encoded where the HTTP binding asks (a space, `"`,
`%` and anything outside printable ASCII), so the cloudevents SDK's binary
readers take the headers as they are.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote, unquote

import orjson

PREFIX = "ce-"
CONTENT_TYPE = "content-type"
# Printable ASCII but space, '"' and '%' go as they are (the HTTP binding, 3.1.3.2).
_SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in '"%')
_PLAIN = re.compile(r"[!#$&-~]*")  # only _SAFE's characters: nothing to encode


def to_binary(event: Mapping[str, Any]) -> tuple[dict[str, str], bytes]:
    """The headers and body of one CloudEvent (stream/cloudevents.py's) in binary mode."""
    headers: dict[str, str] = {}
    for name, value in event.items():
        if name == "data":
            continue
        if name == "datacontenttype":
            headers[CONTENT_TYPE] = str(value)
        else:
            headers[PREFIX + name] = header_value(value)
    return headers, orjson.dumps(event["data"])


def header_value(value: object) -> str:
    """An attribute's value as header text."""
    text = value if type(value) is str else str(value)
    # Almost every value is plain printable ASCII: quote() only the others.
    if _PLAIN.fullmatch(text):
        return text
    return quote(text, safe=_SAFE)


def attribute(headers: Mapping[str, str], name: str) -> str | None:
    """An attribute's value read back from binary-mode headers (None when absent)."""
    value = headers.get(PREFIX + name)
    return None if value is None else unquote(value)
