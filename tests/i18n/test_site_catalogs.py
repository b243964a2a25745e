"""A site's own UI language: locales/LANG/LC_MESSAGES/messages.po in its repository (issue 17).

A catalog there gives pages, feeds and calendars their words (before the shipped
catalog of the language, then English); one that would break a page is an error at
its line and column, and nothing is written; `statuspage catalog` starts one.
"""

from __future__ import annotations

import filecmp
import textwrap
from datetime import datetime
from pathlib import Path

import feedparser
import icalendar
import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from click.testing import CliRunner

from statuspage.build import build
from statuspage.cli import cli
from statuspage.errors import InvalidInputError
from statuspage.i18n import Formatter, translations
from statuspage.i18n.catalogs import SiteCatalogs, _template_ids, check_catalog, load_catalogs
from statuspage.serve.incremental import Project as ServedProject
from tests.conftest import EXAMPLE_NOW, HELSINKI, copy_example

NOW = "2026-11-23T10:00:00+02:00"
GERMAN = {
    "Components": "Dienste",
    "Current status": "Aktueller Status",
    "Updated": "Aktualisiert",
    "Resolved": "Behoben",
    "Maintenance": "Wartung",
    "Investigating": "Wir untersuchen",
    ("%(num)d event", 0): "%(num)d Ereignis",
    ("%(num)d event", 1): "%(num)d Ereignisse",
}


def _start_catalog(root: Path, language: str) -> Path:
    """`statuspage catalog LANGUAGE` in the repository at `root`, as a user runs it."""
    result = CliRunner().invoke(
        cli, ["catalog", language, "--config", str(root / "statuspage.yaml"), "--now", NOW]
    )
    assert result.exit_code == 0, result.output
    return root / "locales" / language / "LC_MESSAGES" / "messages.po"


def _translate(path: Path, words: dict[object, str]) -> None:
    """Fill in msgstrs of the catalog at `path` as a translator would, in its text."""
    text = path.read_text(encoding="utf-8")
    for key, word in words.items():
        if isinstance(key, tuple):
            message, form = key
            head = f'msgid "{message}"\n'
            start = text.index(head)
            slot = text.index(f'msgstr[{form}] ""', start)
            text = (
                text[:slot] + f'msgstr[{form}] "{word}"' + text[slot + len(f'msgstr[{form}] ""') :]
            )
        else:
            old = f'msgid "{key}"\nmsgstr ""'
            assert old in text, key
            text = text.replace(old, f'msgid "{key}"\nmsgstr "{word}"')
    path.write_text(text, encoding="utf-8")


def _site(tmp_path: Path, language: str, words: dict[object, str]) -> Path:
    config = copy_example(tmp_path / "repo", language)
    _translate(_start_catalog(config.parent, language), words)
    return config


def _html(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html5lib")


def _heading(page: BeautifulSoup, element_id: str) -> str:
    found = page.find(id=element_id)
    assert found is not None, element_id
    return str(found.get_text(" ", strip=True))


def test_a_language_of_the_sites_own_gives_pages_feeds_and_calendars_their_words(
    tmp_path: Path,
) -> None:
    config = _site(tmp_path, "de", GERMAN)
    site = tmp_path / "site"
    report = build(config, site, EXAMPLE_NOW)
    # Untranslated messages show in English: the check says how many there are.
    assert [p.message.split(" of ")[0] for p in report.warnings] == [
        str(len(_template_ids()) - len({k if isinstance(k, str) else k[0] for k in GERMAN}))
    ]
    home = _html(site / "index.html")
    assert home.html is not None
    assert (home.html["lang"], home.html["dir"]) == ("de", "ltr")
    assert _heading(home, "components-heading") == "Dienste"
    assert _heading(home, "subscribe-heading") == "Subscribe"  # not translated: English
    footer = home.find("footer")
    assert footer is not None and footer.get_text(" ", strip=True).count("Aktualisiert") == 1
    # Dates come from Babel's German data, not the catalog.
    assert "23.11.2026" in footer.get_text()

    feed = feedparser.parse((site / "feed.atom").read_bytes())
    assert feed.feed.language == "de"
    texts = " ".join(entry.title + entry.summary for entry in feed.entries)
    assert "Behoben" in texts and "Resolved" not in texts

    calendar = icalendar.Calendar.from_ical((site / "calendar.ics").read_bytes())
    summaries = [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]
    assert summaries and all(not s.startswith("Maintenance:") for s in summaries)
    assert any(s.startswith("Wartung: ") for s in summaries)


def test_the_same_sources_and_now_build_the_same_bytes(tmp_path: Path) -> None:
    config = _site(tmp_path, "de", GERMAN)
    build(config, tmp_path / "one", EXAMPLE_NOW)
    build(config, tmp_path / "two", EXAMPLE_NOW)
    compared = filecmp.dircmp(tmp_path / "one", tmp_path / "two")
    assert (compared.diff_files, compared.left_only, compared.right_only) == ([], [], [])


def test_a_catalog_of_a_shipped_language_changes_only_the_words_it_translates(
    tmp_path: Path,
) -> None:
    config = _site(tmp_path, "fi", {"Components": "Palvelumme", "Updated": "Tiedot päivitetty"})
    text = (config.parent / "locales/fi/LC_MESSAGES/messages.po").read_text(encoding="utf-8")
    assert '#. shipped: Palvelut\nmsgid "Components"' in text  # the words it replaces
    build(config, tmp_path / "site", EXAMPLE_NOW)
    home = _html(tmp_path / "site" / "index.html")
    assert _heading(home, "components-heading") == "Palvelumme"
    # The shipped Finnish.
    assert _heading(home, "subscribe-heading") == translations("fi").gettext("Subscribe")
    footer = home.find("footer")
    assert footer is not None and "Tiedot päivitetty" in footer.get_text()


@pytest.mark.parametrize("language", ["ar", "he"])
def test_a_right_to_left_language_of_the_sites_own_is_drawn_right_to_left(
    tmp_path: Path, language: str
) -> None:
    config = _site(tmp_path, language, {"Components": "\u05e9\u05d9\u05e8\u05d5\u05ea\u05d9\u05dd"})
    build(config, tmp_path / "site", EXAMPLE_NOW)
    home = _html(tmp_path / "site" / "index.html")
    assert home.html is not None
    assert (home.html["lang"], home.html["dir"]) == (language, "rtl")
    assert _heading(home, "components-heading") == "\u05e9\u05d9\u05e8\u05d5\u05ea\u05d9\u05dd"
    # Its times are isolated as the shipped right-to-left language's are.
    time = home.find("footer").find("time")  # type: ignore[union-attr]
    assert time is not None and time.get_text().startswith("\N{FIRST STRONG ISOLATE}")


def test_a_broken_catalog_fails_the_build_at_its_place_and_changes_nothing(
    tmp_path: Path,
) -> None:
    config = _site(tmp_path, "de", GERMAN)
    site = tmp_path / "site"
    build(config, site, EXAMPLE_NOW)
    before = {path: path.read_bytes() for path in site.rglob("*") if path.is_file()}
    catalog = config.parent / "locales/de/LC_MESSAGES/messages.po"
    lines = catalog.read_text(encoding="utf-8").splitlines()
    number = lines.index('msgid "Components"') + 2
    lines[number - 1] = 'msgstr "Dienste'  # the closing quote forgotten
    catalog.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(
        cli,
        ["build", "--config", str(config), "--output", str(site), "--now", NOW],
    )
    assert result.exit_code == 1
    shown = "locales/de/LC_MESSAGES/messages.po"
    assert f'{shown}:{number}:8: a string with no closing " on its line' in result.output
    after = {path: path.read_bytes() for path in site.rglob("*") if path.is_file()}
    assert after == before


def test_a_language_with_no_catalog_is_an_error_at_its_place(tmp_path: Path) -> None:
    config = copy_example(tmp_path / "repo", "de")
    result = CliRunner().invoke(cli, ["check", "--config", str(config), "--now", NOW])
    assert result.exit_code == 1
    line = next(
        n for n, t in enumerate(config.read_text().splitlines(), 1) if t.startswith("language:")
    )
    assert (
        f"statuspage.yaml:{line}:11: language: expected 'en', 'fi', 'hy', 'sv' or 'ur', got 'de' "
        "(a language of the site's own needs its catalog, locales/de/LC_MESSAGES/messages.po)"
    ) in result.output
    # Babel has no data for this one: it can be no site's language.
    (config.parent / "locales/zz/LC_MESSAGES").mkdir(parents=True)
    (config.parent / "locales/zz/LC_MESSAGES/messages.po").write_text("", encoding="utf-8")
    config.write_text(config.read_text().replace("language: de", "language: zz"))
    result = CliRunner().invoke(cli, ["check", "--config", str(config), "--now", NOW])
    assert result.exit_code == 1
    assert (
        "locales/zz/LC_MESSAGES/messages.po:1:1: Babel has no locale data for 'zz'" in result.output
    )


def _problems(text: str | bytes, language: str = "de") -> list[str]:
    raw = textwrap.dedent(text).encode("utf-8") if isinstance(text, str) else text
    return [str(problem) for problem in check_catalog(raw, language, "m.po")]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('msgid "Today"\nmsgstr "Heute\n', 'm.po:2:8: a string with no closing " on its line'),
        ('msgid "Today"\nmsgstr Heute\n', "m.po:2:8: expected a quoted string after msgstr"),
        ('msgid "Today"\nmsgstr "Heute" !\n', "m.po:2:16: text after the string's closing \""),
        (
            'msgid "Today"\n  msgtsr "Heute"\n',
            "m.po:2:3: expected msgid, msgstr, a quoted string or a # comment",
        ),
        ('# c\n\nmsgid "Today"\n', "m.po:3:1: missing msgstr for msgid 'Today'"),
        (
            '#, python-format\nmsgid "Past %(count)s days"\nmsgstr "Letzte %(anzahl)s Tage"\n',
            "m.po:2:1: msgstr of msgid 'Past %(count)s days' has %(anzahl)s, which the message does not give (it gives: %(count)s)",
        ),
        (
            'msgid "Major impact"\nmsgstr "100% schlimm"\n',
            "m.po:1:1: msgstr of msgid 'Major impact' has a % that starts no placeholder; write %% for a percent sign",
        ),
        (
            'msgid "%(num)d event"\nmsgid_plural "%(num)d events"\nmsgstr[0] "%(num)d Ereignis"\nmsgstr[1] "%(zahl)d Ereignisse"\n',
            "m.po:1:1: msgstr[1] of msgid '%(num)d event' has %(zahl)s, which the message does not give (it gives: %(num)s)",
        ),
        (
            'msgid "Today"\nmsgstr "Heute"\n\nmsgid "Tomorrow"\nmsgstr "Morgen"\n',
            "m.po:4:1: warning: msgid 'Tomorrow' is not a message of statuspage's template (messages.pot), so no page shows it",
        ),
    ],
)
def test_what_would_break_a_page_is_said_at_its_line_and_column(text: str, problem: str) -> None:
    assert problem in _problems(text, "fi")  # fi: no warning about untranslated messages


def test_a_catalog_that_is_not_utf8_is_refused_where_the_bad_byte_is() -> None:
    raw = 'msgid "Today"\nmsgstr "Tänään"\n'.encode("latin-1")
    assert _problems(raw) == ["m.po:2:10: not UTF-8 text; save the catalog as UTF-8"]


def test_fuzzy_and_half_translated_plurals_fall_back_whole(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    copy_example(root, "de")
    path = _start_catalog(root, "de")
    _translate(path, {"Today": "Heute", ("%(num)d event", 0): "%(num)d Ereignis"})
    path.write_text(
        path.read_text(encoding="utf-8").replace('msgid "Today"', '#, fuzzy\nmsgid "Today"'),
        encoding="utf-8",
    )
    catalogs = load_catalogs(root)
    assert [p.severity for p in catalogs.problems] == ["warning"]  # untranslated messages
    gettext = translations("de", catalogs)
    assert gettext.gettext("Today") == "Today"
    assert gettext.ngettext("%(num)d event", "%(num)d events", 1) == "%(num)d event"
    assert gettext.ngettext("%(num)d event", "%(num)d events", 2) == "%(num)d events"


def test_catalog_again_adds_new_messages_and_keeps_translations(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    copy_example(root, "de")
    path = _start_catalog(root, "de")
    _translate(path, {"Today": "Heute"})
    # An older catalog: one message missing (a newer statuspage added it), one not used.
    text = path.read_text(encoding="utf-8").replace('msgid "Uptime"\nmsgstr ""\n', "")
    path.write_text(text + '\nmsgid "Gone"\nmsgstr "Weg"\n', encoding="utf-8")
    result = CliRunner().invoke(
        cli, ["catalog", "de", "--config", str(root / "statuspage.yaml"), "--now", NOW]
    )
    assert result.output.endswith(
        "locales/de/LC_MESSAGES/messages.po (1 new messages to translate)\n"
    )
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="de")
    assert catalog.get("Today").string == "Heute"
    assert catalog.get("Uptime") is not None
    assert catalog.get("Gone") is None and "Gone" in catalog.obsolete
    assert _template_ids() <= {m.id[0] if isinstance(m.id, tuple) else m.id for m in catalog}


def test_serve_takes_in_a_changed_catalog(tmp_path: Path) -> None:
    config = _site(tmp_path, "de", GERMAN)
    served = ServedProject(config)
    first = served.refresh(EXAMPLE_NOW)
    page = BeautifulSoup(first.get("index.html") or b"", "html5lib")
    assert _heading(page, "components-heading") == "Dienste"
    catalog = config.parent / "locales/de/LC_MESSAGES/messages.po"
    catalog.write_text(
        catalog.read_text(encoding="utf-8").replace('"Dienste"', '"Unsere Dienste"'),
        encoding="utf-8",
    )
    second = served.refresh(EXAMPLE_NOW, [catalog])
    page = BeautifulSoup(second.get("index.html") or b"", "html5lib")
    assert _heading(page, "components-heading") == "Unsere Dienste"
    feed = feedparser.parse(second.get("feed.atom") or b"")
    assert any("Behoben" in entry.title for entry in feed.entries)
    # A broken catalog: the rebuild fails as a build would, and the last site stays served.
    catalog.write_text(catalog.read_text(encoding="utf-8").replace('"Unsere Dienste"', '"X'))
    with pytest.raises(InvalidInputError):
        served.refresh(EXAMPLE_NOW, [catalog])


def test_a_formatter_of_a_sites_language_writes_its_dates() -> None:
    formatter = Formatter("de", HELSINKI, SiteCatalogs((("de", b""),)))
    assert (
        formatter.moment(datetime(2026, 11, 23, 8, 47, tzinfo=HELSINKI)) == "23.11.2026, 08:47 EET"
    )
    assert formatter.script_formats() is not None
