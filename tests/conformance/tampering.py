"""Generated variants of a genuine certificate token: tampered, malformed and harmless ones (issue 12's suite).

Deterministic (a seeded random), so a failure names a case that comes back on the next run.
"""

from __future__ import annotations

import base64
import random
from dataclasses import dataclass

ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"


@dataclass(frozen=True)
class Case:
    name: str
    text: str
    tampered: bool  # True: the bytes differ from the genuine token's; must never be SAH


def _bytes(token: str) -> bytes:
    return base64.b32decode(token + "=" * (-len(token) % 8))


def _text(data: bytes) -> str:
    return base64.b32encode(data).decode().rstrip("=")


def variants(token: str, public_url: str, seed: int = 12) -> list[Case]:
    """About 450 texts around `token`: bit flips, truncations, insertions, appended bytes, character swaps, junk,
    and harmless re-writings of the genuine token (case, URL, spaces) that must stay genuine."""
    rng = random.Random(seed)
    data = _bytes(token)
    cases: list[Case] = []
    for index in range(len(data)):  # one flipped bit in every byte (header, claims and signature alike)
        bit = 1 << rng.randrange(8)
        flipped = bytearray(data)
        flipped[index] ^= bit
        cases.append(Case(f"flip_byte_{index}", _text(bytes(flipped)), True))
    for length in sorted(rng.sample(range(1, len(data)), 40)):
        cases.append(Case(f"truncated_{length}", _text(data[:length]), True))
    for count in range(1, 21):
        cases.append(Case(f"appended_{count}", _text(data + bytes(rng.randrange(256) for _ in range(count))), True))
    for number in range(30):
        index = rng.randrange(len(data))
        inserted = data[:index] + bytes([rng.randrange(256)]) + data[index:]
        cases.append(Case(f"inserted_{number}_at_{index}", _text(inserted), True))
    for number in range(30):
        index = rng.randrange(len(data))
        cases.append(Case(f"deleted_{number}_at_{index}", _text(data[:index] + data[index + 1 :]), True))
    for number in range(40):
        index = rng.randrange(len(token) - 1)  # not the last character: its spare bits are checked separately
        replacement = rng.choice(ALPHABET.replace(token[index], ""))
        cases.append(Case(f"char_{number}_at_{index}", token[:index] + replacement + token[index + 1 :], True))
    cases.append(Case("spare_bits", token[:-1] + ALPHABET[ALPHABET.index(token[-1]) ^ 1], True))
    junk = [
        "",
        " ",
        "A",
        "AAAAAAAA",
        "A" * 5000,
        "0" * 100,
        "ÄÖÜ",
        "\x00",
        "😀" * 50,
        "https://example.org/",
        public_url + "/v/",
        public_url + "/v/" + "A" * 300,
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        "../../../etc/passwd",
        token[::-1],
        token + token,
        token.replace("A", "4"),
        "=" * 20,
    ]
    cases.extend(Case(f"junk_{number}", text, True) for number, text in enumerate(junk))
    for number in range(30):
        text = "".join(rng.choice(ALPHABET) for _ in range(rng.randrange(1, 600)))
        cases.append(Case(f"random_base32_{number}", text, True))
    harmless = {
        "genuine": token,
        "lower_case": token.lower(),
        "url": f"{public_url}/v/{token}",
        "url_upper": f"{public_url}/V/{token}".upper(),
        "url_query": f"{public_url}/v/{token}?from=paper",
        "url_slash": f"{public_url}/v/{token}/",
        "padded": base64.b32encode(data).decode(),
        "spaces": " ".join(token[i : i + 16] for i in range(0, len(token), 16)),
        "newlines": "\n".join(token[i : i + 64] for i in range(0, len(token), 64)),
        "surrounded": f"  {token}\t\n",
        "extra_padding": token + "=" * 9,
    }
    cases.extend(Case(f"harmless_{name}", text, False) for name, text in harmless.items())
    return cases
