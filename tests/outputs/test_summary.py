"""One event summary and one Labels per language: what feeds, calendars and notices say."""

from __future__ import annotations

from markupsafe import Markup

from statuspage.i18n import LABELS, Labels
from statuspage.load.sources import load_sources
from statuspage.model.validate import require_valid, validate_sources
from statuspage.outputs.summary import EventSummary
from statuspage.state import SiteState, compute_state
from tests.conftest import EXAMPLE_NOW, english_example


def example_state() -> SiteState:
    site, events = require_valid(validate_sources(load_sources(english_example())))
    return compute_state(site, events, EXAMPLE_NOW)


def test_labels_are_one_per_language_and_translated() -> None:
    assert Labels.of("fi") is Labels.of("fi")
    assert Labels.of("fi") is not Labels.of("en")
    fi = Labels.of("fi")
    assert fi.text("maintenance") == "Huoltotyö"
    assert fi.html("maintenance") == Markup("Huoltotyö")
    assert isinstance(fi.html("maintenance"), Markup)
    assert Labels.of("en").text("impact-major") == "Major impact"
    assert Labels.message("resolved") == LABELS["resolved"]
    # A key of no label is its own message, and markup in it stays as the catalog has it.
    assert Labels.of("en").text("<b>new</b>") == "<b>new</b>"
    assert str(Labels.of("en").html("<b>new</b>")) == "<b>new</b>"


def test_the_summary_names_the_affected_components_in_order() -> None:
    state = example_state()
    summary = EventSummary(state, "fi")
    assert summary.headline("maintenance", "Webmail") == "Huoltotyö: Webmail"
    assert summary.affected(["webmail", "nope", "dns"]) == "Webmail, DNS"
    assert summary.affected_line(["dns"]) == ("Palvelut, joihin tämä vaikuttaa", "DNS")
    assert summary.affected_line(["nope"]) is None
    assert summary.affected([]) == ""
    assert EventSummary(state, "en").affected_line(["email"]) == (
        "Affected components",
        "Email (IMAP, POP3, SMTP)",
    )
