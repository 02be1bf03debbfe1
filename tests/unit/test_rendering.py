from html.parser import HTMLParser

import pytest

from lms.courses.rendering import ALLOWED_TAGS, render_markdown


class TagCollector(HTMLParser):
    """Every real element and attribute in the HTML (escaped text like &lt;script&gt; is not an element)."""

    def __init__(self):
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes.extend((name, value or "") for name, value in attrs)


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">klik</a>',
    "[klik](javascript:alert(1))",
    "[klik](JaVaScRiPt:alert(1))",
    '<svg onload="alert(1)">',
    "<iframe src=https://evil.example></iframe>",
    '<div style="background:url(javascript:alert(1))">x</div>',
    "<details open ontoggle=alert(1)>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "`<script>` in code is text",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_no_script_survives(payload):
    collector = TagCollector()
    collector.feed(str(render_markdown(f"Teks biasa.\n\n{payload}\n")))
    assert set(collector.tags) <= ALLOWED_TAGS
    for name, value in collector.attributes:
        assert not name.startswith("on"), name
        assert name != "style" or "url(" not in value
        if name == "href":
            assert value.startswith(("http://", "https://", "mailto:")), value


def test_markdown_structure_is_kept():
    html = str(
        render_markdown(
            "## Lima momen\n\n1. **Sebelum** menyentuh pasien\n2. *Sesudah*\n\n"
            "| Warna | Limbah |\n|---|---|\n| Kuning | Infeksius |\n\n[WHO](https://www.who.int)"
        )
    )
    assert "<h2>Lima momen</h2>" in html
    assert "<ol>" in html and "<strong>Sebelum</strong>" in html and "<em>Sesudah</em>" in html
    assert "<table>" in html and "<td>Kuning</td>" in html
    assert 'href="https://www.who.int"' in html and 'rel="noopener noreferrer nofollow"' in html
