"""Markdown in descriptions, messages and postmortems: CommonMark, raw HTML off, safe links.

Rendering is bounded (issue 24): a text holds at most MAX_TEXT_LENGTH characters and
nests at most MAX_NESTING elements deep, and the Markdown of one file makes at most
MAX_ELEMENTS elements. The models check each text with `markdown_problem` when they
validate it, so `check` refuses what `build` would take long over, at its place. Most
texts are bounded by counting their characters, without a parse; the texts of a file
those bounds cannot clear are parsed, and that parse is cut short once it passes the
limit, so a hostile file costs no more to refuse than a file at the limit costs to
build. A text parsed keeps its HTML for the render.
"""

from __future__ import annotations

import functools
import re
import threading
from collections.abc import MutableMapping
from typing import TYPE_CHECKING, Any, NamedTuple

from markupsafe import Markup

if TYPE_CHECKING:
    from markdown_it import MarkdownIt
    from markdown_it.rules_block import StateBlock
    from markdown_it.rules_core import StateCore
    from markdown_it.rules_inline import StateInline
    from markdown_it.token import Token

#: The longest text (description, message, postmortem): some 8,000 words.
MAX_TEXT_LENGTH = 50_000
#: How deep elements may sit inside each other (quotes, lists, emphasis, links): far
#: beyond what a status text needs, and short of markdown-it's own limit (20), past
#: which it drops the rest of a text without a word.
MAX_NESTING = 16
#: The elements the Markdown of one file may make (paragraphs, list items, links,
#: emphasis, line breaks and the text between them). A long incident with a long
#: postmortem makes some 2,000; 10,000 of the costliest kind render in about 0.15 s.
MAX_ELEMENTS = 10_000

# Links may point to the web or to an email address, or stay relative to the site.
_SCHEMES = ("http:", "https:", "mailto:")


def _safe_link(url: str) -> bool:
    text = "".join(url.split()).lower()
    scheme, colon, _ = text.partition(":")
    if not colon or "/" in scheme or "?" in scheme or "#" in scheme:
        return True  # no scheme: a relative link
    return text.startswith(_SCHEMES)


def _new_parser() -> MarkdownIt:
    # Imported here: `check` needs markdown-it only for texts that are not plain.
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": False})
    # No images: an image from another host would be a third-party request (SPEC "The site").
    parser.disable("image")
    parser.validateLink = _safe_link  # type: ignore[method-assign]
    return parser


@functools.cache
def parser() -> MarkdownIt:
    """The parser every text is rendered with."""
    return _new_parser()


@functools.cache
def _measuring_parser() -> MarkdownIt:
    """The same parser, counting the elements it makes and stopping past the limit."""
    measuring = _new_parser()
    first_block = measuring.block.ruler.get_active_rules()[0]
    measuring.block.ruler.before(first_block, "statuspage_budget", _block_budget)
    measuring.inline.ruler.before("text", "statuspage_budget", _inline_budget)
    measuring.core.ruler.at("inline", _counted_inline)
    return measuring


def __getattr__(name: str) -> MarkdownIt:
    if name == "_PARSER":  # the name tests and benchmarks know it by
        return parser()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Text that CommonMark leaves as it is: one line that starts with a letter and holds only
# letters, digits, spaces and punctuation that no rule of the parser above acts on inside a
# line (no emphasis, code, link, escape, entity or HTML; starting with a letter, it is no
# list, heading, quote, rule or code block either). Many messages are like this: they are one
# paragraph, and none of these characters needs escaping. tests/outputs/test_render_speedups.py
# checks this against the parser.
_PLAIN = re.compile(r"[^\W\d_](?:[^\W_]|[ .,;:!?'()/%+=@#-])*")


def _is_plain(text: str) -> bool:
    return _PLAIN.fullmatch(text) is not None and not text.endswith(" ")


#: Texts whose HTML is kept: pages and feeds show the same messages, and a long-running
#: `statuspage serve` keeps the ones that did not change. Rendering is a pure function of the
#: text, so a kept result is always right.
CACHE_SIZE = 1 << 16


@functools.lru_cache(maxsize=CACHE_SIZE, typed=True)
def render_markdown(text: str | None) -> Markup:
    """Render Markdown to safe HTML; anything that is not Markdown is escaped."""
    if not text:
        return Markup("")
    with _MEASURED_LOCK:
        measured = _MEASURED.pop(text, None)
    if measured is not None:
        return measured
    if _is_plain(text):
        return Markup(f"<p>{text}</p>\n")
    return Markup(parser().render(text))


# --- bounds -----------------------------------------------------------------------------


class Measure(NamedTuple):
    """What a text's Markdown makes."""

    #: Elements; MAX_ELEMENTS + 1 stands for "more than MAX_ELEMENTS" (not counted further).
    elements: int
    #: The deepest nesting of elements (a paragraph alone: 1); 0 when not counted.
    depth: int


#: The HTML of texts measured but not rendered yet, oldest first: the render takes it from
#: here instead of parsing the text again. Bounded, for a `check` that renders nothing.
_MEASURED: dict[str, Markup] = {}
_MEASURED_LOCK = threading.Lock()
#: Keys in markdown-it's `env` while measuring, and in a file's tally.
_LIMIT, _SPENT = "statuspage_limit", "statuspage_spent"
#: In a file's tally: the texts taken on their bounds, and the sum of those bounds.
_BOUNDED, _BOUND = "statuspage_bounded", "statuspage_bound"
#: What may open an element that holds text (a quote holds blocks, but takes one level),
#: what may open a list and its item (two), and an ordered list item's marker.
_HOLDS_TEXT = re.compile(r"[>\[<_]")
_HOLDS_BLOCKS = re.compile(r"[*+-]")
_ORDERED_MARKER = re.compile(r"[0-9][.)]")
#: A plain text makes a paragraph (open, inline, close) and its text.
_PLAIN_ELEMENTS = 4
#: A plain text this long is bounded exactly, and kept: telling that it is plain takes a
#: while, and the render need not do it again.
_LONG = 2_000


class _TooMany(Exception):
    """The parse made more elements than the limit."""


def measure_markdown(text: str) -> Measure:
    """Count the elements `text` makes and how deep they nest, up to MAX_ELEMENTS."""
    if not text:
        return Measure(0, 0)
    if _is_plain(text):
        if len(text) > _LONG:
            _keep(text, Markup(f"<p>{text}</p>\n"))  # the render need not look again
        return Measure(_PLAIN_ELEMENTS, 1)
    measuring = _measuring_parser()
    env: dict[str, Any] = {_LIMIT: MAX_ELEMENTS, _SPENT: 0}
    try:
        tokens = measuring.parse(text, env)
    except _TooMany:
        return Measure(MAX_ELEMENTS + 1, 0)
    measure = Measure(env[_SPENT], _depth(tokens))
    if measure.depth <= MAX_NESTING:
        _keep(text, Markup(measuring.renderer.render(tokens, measuring.options, env)))
    return measure


def _keep(text: str, html: Markup) -> None:
    with _MEASURED_LOCK:
        if len(_MEASURED) >= CACHE_SIZE:
            del _MEASURED[next(iter(_MEASURED))]
        _MEASURED[text] = html


def markdown_problem(text: str, tally: MutableMapping[str, Any] | None = None) -> str | None:
    """Why `text` is refused as Markdown, or None.

    `tally` keeps count of the elements the texts of the same file make (it is updated).
    Most texts are not parsed: when a bound on what a text can make, taken by counting
    characters, keeps it and the file within the limits, it is within them. Once the
    bounds of a file's texts could pass MAX_ELEMENTS, they are parsed and counted, the
    ones taken on their bounds too; once the count passes it, later texts are not.
    """
    if len(text) > MAX_TEXT_LENGTH:
        return (
            f"a text may be at most {MAX_TEXT_LENGTH:,} characters, got {len(text):,}; "
            "shorten it, or link to a longer document"
        )
    tally = {} if tally is None else tally
    spent: int = tally.get(_SPENT, 0)
    if spent > MAX_ELEMENTS:
        return None  # the file is refused already, at the text that passed the limit
    bounded: list[str] = tally.setdefault(_BOUNDED, [])
    bound, deepest = bounds(text)
    if spent + tally.get(_BOUND, 0) + bound <= MAX_ELEMENTS and deepest <= MAX_NESTING:
        bounded.append(text)
        tally[_BOUND] = tally.get(_BOUND, 0) + bound
        return None
    spent += sum(measure_markdown(earlier).elements for earlier in bounded)
    bounded.clear()
    tally[_BOUND] = 0
    elements, depth = measure_markdown(text)
    tally[_SPENT] = spent + elements
    if spent + elements > MAX_ELEMENTS:
        return (
            f"the Markdown of this file makes more than {MAX_ELEMENTS:,} elements (paragraphs, "
            "list items, links, emphasis, line breaks) by the end of this text; "
            "shorten the texts, or link to a longer document"
        )
    if depth > MAX_NESTING:
        return (
            f"Markdown nested {depth} elements deep (quotes, lists, emphasis or links inside "
            f"each other); at most {MAX_NESTING} are allowed"
        )
    return None


def bounds(text: str) -> tuple[int, int]:
    """At least as many elements as `text` makes, and as deep as they nest, counted
    without parsing it (exact for a long plain text). tests/model/test_markdown_bounds.py tries
    them against the parser.

    An element takes a character or two at least: a line of `#` is a heading (three),
    `- ` a list and its item (four, and the paragraph in it), a delimiter such as `*`
    one text until it is paired, a line break one. Only quotes (`>`) and list items (a
    list and its item: `-`, `+`, `*`, `1.`, `1)`) hold blocks, and only emphasis (`*`,
    `_`) and links (`[`, `<`) hold text; each takes its character.
    """
    if not text:
        return 0, 0
    if len(text) > _LONG and _is_plain(text):  # a short text is quicker bounded than told plain
        _keep(text, Markup(f"<p>{text}</p>\n"))  # the render need not look again
        return _PLAIN_ELEMENTS, 1
    depth = 1 + len(_HOLDS_TEXT.findall(text)) + 2 * len(_HOLDS_BLOCKS.findall(text))
    markers = text.count(".") + text.count(")")
    if markers and depth + 2 * markers > MAX_NESTING >= depth:
        markers = len(_ORDERED_MARKER.findall(text))
    return 3 * len(text) + 10, depth + 2 * markers


def _block_budget(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    if len(state.tokens) > state.env[_LIMIT]:
        raise _TooMany
    return False  # never a match: the next rules go on as without it


def _inline_budget(state: StateInline, silent: bool) -> bool:
    env = state.env
    if env[_SPENT] + len(state.tokens) > env[_LIMIT]:
        raise _TooMany
    return False


def _counted_inline(state: StateCore) -> None:
    """markdown-it's core "inline" rule, counting every block and inline token it makes."""
    env = state.env
    env[_SPENT] = len(state.tokens)
    for token in state.tokens:
        if token.type == "inline":
            if token.children is None:
                token.children = []
            state.md.inline.parse(token.content, state.md, env, token.children)
            env[_SPENT] += len(token.children)
            if env[_SPENT] > env[_LIMIT]:
                raise _TooMany


def _depth(tokens: list[Token]) -> int:
    """The deepest nesting of shown elements: a paragraph in a quote in a list item is 4."""
    deepest = depth = 0
    for token in tokens:
        if token.hidden:  # the paragraphs of a tight list are not shown
            continue
        if token.nesting == 1:
            depth += 1
            deepest = max(deepest, depth)
        elif token.nesting == -1:
            depth -= 1
        elif token.children:
            deepest = max(deepest, depth + _depth(token.children))
    return deepest
