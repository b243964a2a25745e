"""Markdown in descriptions, messages and postmortems: CommonMark, raw HTML off, safe links."""

from __future__ import annotations

import functools
import re

from markdown_it import MarkdownIt
from markupsafe import Markup

# Links may point to the web or to an email address, or stay relative to the site.
_SCHEMES = ("http:", "https:", "mailto:")


def _safe_link(url: str) -> bool:
    text = "".join(url.split()).lower()
    scheme, colon, _ = text.partition(":")
    if not colon or "/" in scheme or "?" in scheme or "#" in scheme:
        return True  # no scheme: a relative link
    return text.startswith(_SCHEMES)


def _parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False})
    # No images: an image from another host would be a third-party request (SPEC "The site").
    parser.disable("image")
    parser.validateLink = _safe_link  # type: ignore[method-assign]
    return parser


_PARSER = _parser()

# Text that CommonMark leaves as it is: one line that starts with a letter and holds only
# letters, digits, spaces and punctuation that no rule of the parser above acts on inside a
# line (no emphasis, code, link, escape, entity or HTML; starting with a letter, it is no
# list, heading, quote, rule or code block either). Many messages are like this: they are one
# paragraph, and none of these characters needs escaping. tests/test_render_speedups.py
# checks this against the parser.
_PLAIN = re.compile(r"[^\W\d_](?:[^\W_]|[ .,;:!?'()/%+=@#-])*")


#: Texts whose HTML is kept: pages and feeds show the same messages, and a long-running
#: `statuspage serve` keeps the ones that did not change. Rendering is a pure function of the
#: text, so a kept result is always right.
CACHE_SIZE = 1 << 16


@functools.lru_cache(maxsize=CACHE_SIZE, typed=True)
def render_markdown(text: str | None) -> Markup:
    """Render Markdown to safe HTML; anything that is not Markdown is escaped."""
    if not text:
        return Markup("")
    if _PLAIN.fullmatch(text) and not text.endswith(" "):
        return Markup(f"<p>{text}</p>\n")
    return Markup(_PARSER.render(text))
