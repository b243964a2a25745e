"""Right-to-left pages in Chromium: the Latin and numeric runs of times read in their own
order (issue 17).

An Urdu page showed '23 نومبر، 2026 8:47 AM EET' with the Latin part drawn 'EET 8:47 AM'.
These open the Urdu example in Debian's chromium (as tests/outputs/test_browser.py
drives it, served on 127.0.0.1) and read where the words are drawn (Range.getClientRects):
not the markup. With the script off, the build's own text; with it on, in the site's zone
and in another, what the script writes.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from tests.conftest import HELSINKI, build_example
from tests.outputs.browsing import chromium, serving

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=HELSINKI)
INCIDENT = "incidents/2026-11-23-delayed-outgoing-email/"
SERVER = "servers/web04/"

#: Where each word of `words` is drawn in the element of `selector` (its n-th, `index`),
#: found in order in the element's text (across its text nodes): [left, right] per word.
BOXES = r"""
([selector, index, words]) => {
  const el = document.querySelectorAll(selector)[index];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  const nodes = [];
  let text = "";
  while (walker.nextNode()) { nodes.push([walker.currentNode, text.length]); text += walker.currentNode.data; }
  const at = (offset) => {
    const [node, start] = nodes.filter(([, start]) => start <= offset).pop();
    return [node, offset - start];
  };
  let from = 0;
  return words.map((word) => {
    const found = text.indexOf(word, from);
    if (found < 0) { return null; }
    from = found + word.length;
    const range = document.createRange();
    range.setStart(...at(found));
    const [node, offset] = at(found + word.length - 1);
    range.setEnd(node, offset + 1);
    const box = range.getClientRects()[0];
    return [box.left, box.right, box.top];
  });
}
"""
TEXT = "([selector, index]) => document.querySelectorAll(selector)[index].textContent"
#: A time of day onwards: '8:47 AM EET', '4:00-4:30 AM EET' (an en dash), '1:00 PM GMT +5'.
LATIN_RUN = re.compile(r"\d{1,2}:\d{2}.*$")
CONTROLS = re.compile("[\u2066-\u2069]")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    root = build_example(tmp_path_factory.mktemp("ur"), NOW, "ur")
    with serving(root / "site") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


#: (the script on?, the visitor's zone): the build's text; the script's in the site's
#: zone (it keeps durations); the script's re-shown in another zone.
VISITS = [(False, "Europe/Helsinki"), (True, "Europe/Helsinki"), (True, "Asia/Karachi")]


@pytest.fixture(params=VISITS, ids=["built", "script", "visitor-zone"])
def visit(request: pytest.FixtureRequest, browser: Any, site: str) -> Iterator[Any]:
    script, zone = request.param
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, timezone_id=zone, java_script_enabled=script
    )
    page = context.new_page()
    page.clock.set_fixed_time(NOW)

    def open_page(path: str) -> Any:
        page.goto(site + path)
        assert page.evaluate("document.documentElement.dir") == "rtl"
        return page

    yield open_page
    context.close()


def _text(page: Any, selector: str, index: int = 0) -> str:
    return CONTROLS.sub("", str(page.evaluate(TEXT, [selector, index])))


def _boxes(page: Any, selector: str, words: list[str], index: int = 0) -> list[list[float]]:
    boxes = page.evaluate(BOXES, [selector, index, words])
    assert None not in boxes, (words, _text(page, selector, index))
    return list(boxes)


def _left_to_right(page: Any, selector: str, words: list[str], index: int = 0) -> None:
    """Each word is drawn to the right of the one before, on the same line."""
    boxes = _boxes(page, selector, words, index)
    for (word, box), (after, next_box) in zip(
        zip(words, boxes, strict=True), zip(words[1:], boxes[1:], strict=False), strict=False
    ):
        assert box[2] == next_box[2], f"{word!r} and {after!r} on two lines"
        assert box[1] <= next_box[0] + 0.5, f"{after!r} is drawn left of {word!r} in {words}"


def _right_to_left(page: Any, selector: str, words: list[str], index: int = 0) -> None:
    """Each word is drawn to the left of the one before (the page's reading order)."""
    boxes = _boxes(page, selector, words, index)
    for (word, box), (after, next_box) in zip(
        zip(words, boxes, strict=True), zip(words[1:], boxes[1:], strict=False), strict=False
    ):
        assert next_box[1] <= box[0] + 0.5, f"{after!r} is drawn right of {word!r} in {words}"


def _time_words(text: str) -> tuple[str, list[str]]:
    """('23 نومبر، 2026', ['8:47', 'AM', 'EET']): a time's date, and the words of its
    Latin run (a window's '4:00-4:30' as '4:00', '-', '4:30', with en dashes)."""
    run = LATIN_RUN.search(text)
    assert run is not None, text
    words = [word for word in re.split(r"\s+|(?<=\d)(\N{EN DASH}|-)(?=\d)", run.group()) if word]
    return text[: run.start()].strip(), words


def _check_time(page: Any, selector: str, index: int = 0) -> list[str]:
    """A time reads: its Urdu date first (rightmost), then its Latin run, left to right."""
    day, words = _time_words(_text(page, selector, index))
    _left_to_right(page, selector, words, index)
    day_words = day.split()
    _right_to_left(page, selector, [*day_words, words[0]], index)  # the run after the date
    _right_to_left(page, selector, [day_words[-1], words[-1]], index)  # all of it
    return words


def test_a_date_and_time_reads_its_time_zone_after_its_time(visit: Any) -> None:
    page = visit(INCIDENT)
    # The update's time (a <dd> of the article) and the footer's "Updated" time.
    words = _check_time(page, "article time[data-local]")
    assert words[1] == "AM"
    _check_time(page, "footer time")
    page = visit("index.html")
    _check_time(page, "footer time")
    _check_time(page, "section[aria-labelledby=active-heading] time[data-local]")


def test_a_window_reads_from_its_start_to_its_end_and_zone(visit: Any) -> None:
    page = visit("index.html")
    words = _check_time(page, ".range")
    assert words[1] == "\N{EN DASH}" and {"AM", "PM"} & set(words), words
    page = visit("incidents/weekly-full-backup/")
    _check_time(page, "article .range")


def test_a_duration_reads_in_the_pages_order_after_the_time(visit: Any) -> None:
    page = visit("index.html")
    selector = "section[aria-labelledby=active-heading] p.meta"
    index = next(
        number
        for number in range(page.evaluate(f"document.querySelectorAll('{selector}').length"))
        if "data-since"
        in page.evaluate(f"document.querySelectorAll('{selector}')[{number}].innerHTML")
    )
    text = _text(page, selector, index)
    duration = _text(page, f"{selector} [data-since]")
    assert duration == "1\xa0گھنٹہ اور 13\xa0منٹ", text  # noqa: RUF001
    # '1 گھنٹہ اور 13 منٹ' in reading order, right to left: each number before its unit.
    _right_to_left(page, "[data-since]", ["1", "گھنٹہ", "اور", "13", "منٹ"])
    # And the whole of it after the time before it: '… 8:47 AM EET · اب تک 1 گھنٹہ …'.
    _, time_words = _time_words(_text(page, f"{selector} time", 0))
    _right_to_left(page, selector, [time_words[-1], "·", "اب", "1"], index)


def test_a_servers_names_read_left_to_right(visit: Any) -> None:
    page = visit(SERVER)
    aliases = page.locator("p.meta bdi")
    index = next(n for n in range(aliases.count()) if "." in aliases.nth(n).inner_text())
    name = aliases.nth(index).inner_text()
    assert name == "web04.kettu-hosting.example"
    _left_to_right(page, "p.meta bdi", ["web04", "kettu", "hosting", "example"], index)


def _paragraph_with(page: Any, selector: str, text: str) -> int:
    count = page.evaluate(f"document.querySelectorAll('{selector}').length")
    found = [n for n in range(count) if text in _text(page, selector, n)]
    assert found, (selector, text)
    return found[0]


@pytest.mark.parametrize(
    ("path", "selector"), [(INCIDENT, ".timeline li p"), ("index.html", ".update p")]
)
def test_a_message_written_left_to_right_keeps_its_full_stop_at_its_end(
    visit: Any, path: str, selector: str
) -> None:
    # The example's messages are English on an Urdu page: each message takes its own
    # direction from its text, so '…meanwhile.' does not read '.…meanwhile' (the full
    # stop drawn at the left of the line).
    page = visit(path)
    index = _paragraph_with(page, selector, "meanwhile.")
    direction = page.evaluate(
        f"getComputedStyle(document.querySelectorAll('{selector}')[{index}]).direction"
    )
    assert direction == "ltr"
    _left_to_right(page, selector, ["meanwhile", "."], index)
