"""The exact CBOR subset of a certificate token, decoded strictly (mirrored line by line in static/js/verify.js).

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


class _Reader:
    def __init__(self, data: bytes):
        self.data = data
        self.pos = 0
        self.depth = 0

    def take(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise CborRefused("bad_cbor")
        chunk = self.data[self.pos : self.pos + count]
        self.pos += count
        return chunk

    def head(self) -> tuple[int, int, int]:
        initial = self.take(1)[0]
        major, info = initial >> 5, initial & 31
        if info < 24:
            return major, info, info
        if info > 27:
            raise CborRefused("bad_cbor")  # indefinite lengths (31) and reserved values never appear in a token
        value = int.from_bytes(self.take(1 << (info - 24)), "big")
        if value < _MINIMUM_FOR_INFO[info] or value > MAX_SAFE_INTEGER:
            raise CborRefused("bad_cbor")
        return major, info, value

    def item(self) -> Any:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise CborRefused("bad_cbor")
        major, info, value = self.head()
        if major == 0:
            result = value
        elif major == 1:
            result = -1 - value
        elif major == 2:
            result = self.take(value)
        elif major == 3:
            try:
                result = self.take(value).decode("utf-8")
            except UnicodeDecodeError:
                raise CborRefused("bad_cbor") from None
        elif major == 4:
            result = [self.item() for _ in range(value)]
        elif major == 5:
            result = {}
            for _ in range(value):
                key = self.item()
                if isinstance(key, bool) or not isinstance(key, int | str):
                    raise CborRefused("bad_cbor")
                if key in result:
                    raise CborRefused("duplicate_label")
                result[key] = self.item()
        elif major == 6:
            result = Tag(value, self.item())
        elif info in _SIMPLE_VALUES:
            result = _SIMPLE_VALUES[info]
        else:
            raise CborRefused("bad_cbor")
        self.depth -= 1
        return result


def decode(data: bytes) -> Any:
    """The one item `data` holds; raises CborRefused for anything outside the token's subset or after the item."""
    reader = _Reader(data)
    value = reader.item()
    if reader.pos != len(data):
        raise CborRefused("trailing_bytes")
    return value
