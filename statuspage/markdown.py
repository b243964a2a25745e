"""Markdown in descriptions, messages and postmortems: CommonMark, raw HTML off, safe links."""

from __future__ import annotations

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


def render_markdown(text: str | None) -> Markup:
    """Render Markdown to safe HTML; anything that is not Markdown is escaped."""
    if not text:
        return Markup("")
    return Markup(_PARSER.render(text))
