"""The exact CBOR subset of a certificate token, decoded strictly (the rules and their order of static/js/verify.js).

A token has one encoding only. So the decoder refuses, with a stable reason code:
- `trailing_bytes`: anything after the item (the whole input must be consumed);
- `duplicate_label`: a map with the same key twice (which value would a verifier believe?);
- `bad_cbor`: everything else a token never holds — indefinite lengths, floats, `undefined` and other simple values,
  map keys that are not integers or text, a head longer than needed (0x18 0x05 for 5), integers beyond ±(2^53 − 1)
  (a browser cannot hold them exactly), text that is not UTF-8, nesting deeper than 16, input that ends early.
Allowed: unsigned and negative integers, byte and text strings, arrays, maps, tags, false, true, null.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_DEPTH = 16
MAX_SAFE_INTEGER = 2**53 - 1
_MINIMUM_FOR_INFO = {24: 24, 25: 256, 26: 65536, 27: 2**32}
_SIMPLE_VALUES = {20: False, 21: True, 22: None}


class CborRefused(Exception):
    """The bytes are not in the token's CBOR subset; `reason` is trailing_bytes, duplicate_label or bad_cbor."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


@dataclass(frozen=True)
class Tag:
    """A tagged item: tag 18 (COSE_Sign1), 4 (decimal fraction), 100 (days since 1970-01-01)."""

    tag: int
    value: Any


def _item(data: bytes, pos: int, depth: int) -> tuple[Any, int]:
    """The item starting at `pos` and the position after it (as verify.js's item(): one head, then its content).

    A function over plain integers rather than a reader object: every scan of a certificate decodes three of these
    (COSE, header, claims), some forty items, and the method calls and one-byte slices of a reader cost more than
    the Ed25519 check."""
    if depth > MAX_DEPTH:
        raise CborRefused("bad_cbor")
    if pos >= len(data):
        raise CborRefused("bad_cbor")
    initial = data[pos]
    pos += 1
    major, info = initial >> 5, initial & 31
    if info < 24:
        value = info
    elif info > 27:
        raise CborRefused("bad_cbor")  # indefinite lengths (31) and reserved values never appear in a token
    else:
        end = pos + (1 << (info - 24))
        if end > len(data):
            raise CborRefused("bad_cbor")
        value = int.from_bytes(data[pos:end], "big")
        if value < _MINIMUM_FOR_INFO[info] or value > MAX_SAFE_INTEGER:
            raise CborRefused("bad_cbor")
        pos = end
    if major == 0:
        return value, pos
    if major == 1:
        return -1 - value, pos
    if major == 2 or major == 3:
        end = pos + value
        if end > len(data):
            raise CborRefused("bad_cbor")
        if major == 2:
            return data[pos:end], end
        try:
            return data[pos:end].decode("utf-8"), end
        except UnicodeDecodeError:
            raise CborRefused("bad_cbor") from None
    depth += 1
    if major == 4:
        items = []
        for _ in range(value):
            item, pos = _item(data, pos, depth)
            items.append(item)
        return items, pos
    if major == 5:
        result = {}
        for _ in range(value):
            key, pos = _item(data, pos, depth)
            if isinstance(key, bool) or not isinstance(key, int | str):
                raise CborRefused("bad_cbor")
            if key in result:
                raise CborRefused("duplicate_label")
            result[key], pos = _item(data, pos, depth)
        return result, pos
    if major == 6:
        tagged, pos = _item(data, pos, depth)
        return Tag(value, tagged), pos
    if info in _SIMPLE_VALUES:
        return _SIMPLE_VALUES[info], pos
    raise CborRefused("bad_cbor")


def decode(data: bytes) -> Any:
    """The one item `data` holds; raises CborRefused for anything outside the token's subset or after the item."""
    value, end = _item(data, 0, 1)
    if end != len(data):
        raise CborRefused("trailing_bytes")
    return value
