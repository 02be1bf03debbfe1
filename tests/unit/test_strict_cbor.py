"""The token's strict CBOR decoder agrees, value for value and reason for reason, with a plain reference reader.

The decoder is written for speed (every scan decodes three items); the reader below is the straightforward one it
replaced, kept here as the oracle: the same head rules, the same order of checks, the same three reasons.
"""

from __future__ import annotations

import random
from typing import Any

import cbor2
import pytest

from lms.certificates.strict_cbor import MAX_DEPTH, MAX_SAFE_INTEGER, CborRefused, Tag, decode
from tests.unit.test_certificate_token import KEY, encode_cose, make_claims

_MINIMUM_FOR_INFO = {24: 24, 25: 256, 26: 65536, 27: 2**32}
_SIMPLE_VALUES = {20: False, 21: True, 22: None}


class _ReferenceReader:
    def __init__(self, data: bytes):
        self.data, self.pos, self.depth = data, 0, 0

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
            raise CborRefused("bad_cbor")
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


def _reference(data: bytes) -> tuple:
    reader = _ReferenceReader(data)
    try:
        value = reader.item()
        if reader.pos != len(data):
            raise CborRefused("trailing_bytes")
    except CborRefused as refused:
        return ("refused", refused.reason)
    return ("decoded", _typed(value))


def _outcome(data: bytes) -> tuple:
    try:
        return ("decoded", _typed(decode(data)))
    except CborRefused as refused:
        return ("refused", refused.reason)


def _typed(value: Any) -> Any:
    """The value with every type spelled out (True == 1 and b"a" != "a" must not hide a difference)."""
    if isinstance(value, Tag):
        return ("tag", value.tag, _typed(value.value))
    if isinstance(value, list):
        return ("list", [_typed(item) for item in value])
    if isinstance(value, dict):
        return ("map", [(_typed(key), _typed(item)) for key, item in value.items()])
    return (type(value).__name__, value)


def _token_items() -> list[bytes]:
    """The three CBOR items of genuine tokens: the COSE message, its protected header and the claims."""
    items = []
    for claims in (make_claims(), make_claims(expires_at=None, holder_name='Ni Luh "Ayu" <b>O\'Brien</b> ñ')):
        message = encode_cose(claims, KEY)
        protected, _unprotected, payload, _signature = cbor2.loads(message).value
        items += [message, protected, payload]
    return items


EDGES = [
    b"",
    b"\x18\x17",  # 23 written in two bytes
    b"\x18\x18",
    b"\x19\x00\xff",
    b"\x1b\x00\x1f\xff\xff\xff\xff\xff\xff",  # 2^53 - 1
    b"\x1b\x00\x20\x00\x00\x00\x00\x00\x00",  # 2^53
    b"\x3b\x00\x1f\xff\xff\xff\xff\xff\xff",  # -2^53
    b"\x1c",
    b"\x9f\x01\xff",  # indefinite array
    b"\x5f\x41\x01\xff",
    b"\xf4\xf5",
    b"\xf6",
    b"\xf7",
    b"\xf8\x20",
    b"\xf9\x3c\x00",
    b"\xfb\x3f\xf0\x00\x00\x00\x00\x00\x00",
    b"\x62\xc3\x28",  # not UTF-8
    b"\xa2\x01\x02\x01\x03",  # duplicate key
    b"\xa2\x01\x02\x01\xf7",  # duplicate key before a bad value
    b"\xa1\xf5\x01",  # a bool as key
    b"\xa1\x41\x01\x02",  # bytes as key
    b"\xa1\x80\x01",  # an array as key
    b"\xa1\xc4\x01\x02",  # a tag as key
    b"\xa2\x61a\x01\x61a",  # duplicate text key, value missing
    b"\x81" * (MAX_DEPTH - 1) + b"\x01",
    b"\x81" * MAX_DEPTH + b"\x01",
    b"\xd8\x64" * (MAX_DEPTH - 1) + b"\x01",
    b"\xd8\x64" * MAX_DEPTH + b"\x01",
    b"\xa1\x01" * (MAX_DEPTH - 1) + b"\x01",
    b"\xa1\x01" * MAX_DEPTH + b"\x01",
    b"\x5b\x00\x1f\xff\xff\xff\xff\xff\xff",  # a byte string far longer than the input
    b"\x9b\x00\x00\x00\x01\x00\x00\x00\x00\x01",  # an array of 2^32 items, one given
    b"\x01\x02",
    b"\x80\x00",
]


@pytest.mark.parametrize("data", EDGES, ids=lambda data: data.hex() or "empty")
def test_edge_cases_as_the_reference_reader(data):
    assert _outcome(data) == _reference(data)


def test_genuine_items_and_their_mutations_as_the_reference_reader():
    rng = random.Random(19)
    items = _token_items()
    special = [0x18, 0x19, 0x1B, 0x1F, 0x3B, 0x5F, 0x7F, 0x9F, 0xBF, 0xF7, 0xF9, 0xFB, 0xFF, 0xA2, 0x82, 0xC4, 0x60]
    outcomes = set()
    for data in items:
        assert _outcome(data) == _reference(data) and _outcome(data)[0] == "decoded"
    for _ in range(20_000):
        data = bytearray(rng.choice(items))
        change = rng.randrange(5)
        if change == 0:
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
        elif change == 1:
            data[rng.randrange(len(data))] = rng.choice(special)
        elif change == 2:
            del data[rng.randrange(len(data)) :]
        elif change == 3:
            data.insert(rng.randrange(len(data) + 1), rng.randrange(256))
        else:
            data += bytes(rng.randrange(256) for _ in range(rng.randrange(1, 4)))
        expected = _reference(bytes(data))
        assert _outcome(bytes(data)) == expected, bytes(data).hex()
        outcomes.add(expected[1] if expected[0] == "refused" else "decoded")
    assert outcomes >= {"decoded", "bad_cbor", "trailing_bytes"}  # (duplicate labels: among the edge cases)
