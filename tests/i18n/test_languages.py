"""One site in several languages (issue 17): `languages: [fi, en]`, texts as mappings of
language to text, the default language at the root and each other under /LANG/.

The output is read with independent parsers (BeautifulSoup, feedparser, icalendar, an
XML parser), never by matching our own strings.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import feedparser
import icalendar
import pytest
import yaml
from bs4 import BeautifulSoup
from click.testing import CliRunner, Result

from statuspage.build import build
from statuspage.cli import cli
from statuspage.errors import InvalidInputError
from statuspage.serve.incremental import Project as ServedProject
from tests.conftest import FIXED_NOW

BASE = "https://status.example.com/"

CONFIG = """\
title:
  fi: Esimerkin tila
  en: Example status
base_url: https://status.example.com/
timezone: Europe/Helsinki
languages: [fi, en]
description: Palveluidemme tila
components:
  - id: email
    name:
      fi: Sähköposti
      en: Email
    group:
      fi: Viestintä
      en: Messaging
  - id: web
    name: Webhotelli
"""

TRANSLATED = """\
type: incident
title:
  fi: Lähtevä posti viivästyy
  en: Outgoing email is delayed
components: [email]
updates:
  - at: 2026-11-23T09:00
    status: investigating
    message:
      fi: Lähtevä posti jonottaa.
      en: Outgoing mail is queued.
"""

UNTRANSLATED = """\
type: incident
title: Webhotellin hitaus
components: [web]
updates:
  - at: 2026-11-20T09:00
    status: investigating
    message: Sivut latautuvat hitaasti.
  - at: 2026-11-20T10:00
    status: resolved
    message: Korjattu.
"""

WINDOW = """\
type: maintenance
title:
  fi: Postipalvelimen päivitys
  en: Mail server upgrade
components: [email]
starts: 2026-11-25T22:00
duration: 2h
"""


def write_site(root: Path, config: str = CONFIG) -> Path:
    (root / "incidents").mkdir(parents=True, exist_ok=True)
    (root / "statuspage.yaml").write_text(textwrap.dedent(config), encoding="utf-8")
    for name, text in (
        ("2026-11-23-mail", TRANSLATED),
        ("2026-11-20-web", UNTRANSLATED),
        ("2026-11-25-upgrade", WINDOW),
    ):
        (root / "incidents" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return root / "statuspage.yaml"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site above, built once at FIXED_NOW."""
    root = tmp_path_factory.mktemp("languages")
    build(write_site(root), root / "site", FIXED_NOW)
    return root / "site"


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def html_pages(site: Path) -> list[Path]:
    """Every page for people (the embeds are for other sites' frames; 404 has no siblings)."""
    return sorted(
        path for path in site.rglob("index.html") if "embed" not in path.relative_to(site).parts
    )


def url_of(site: Path, page: Path) -> str:
    return (
        BASE
        + page.parent.relative_to(site).as_posix().removeprefix(".")
        + ("/" if page.parent != site else "")
    )


def test_the_default_language_is_at_the_root_and_the_other_under_its_prefix(site: Path) -> None:
    home, english = soup(site / "index.html"), soup(site / "en" / "index.html")
    assert (home.html["lang"], home.html["dir"]) == ("fi", "ltr")
    assert (english.html["lang"], english.html["dir"]) == ("en", "ltr")
    assert home.select_one(".site-title").get_text(strip=True) == "Esimerkin tila"
    assert english.select_one(".site-title").get_text(strip=True) == "Example status"
    # The files the site has once stay at the root only.
    for shared in ("api/v2/summary.json", "servers.json", "sitemap.xml", "static/style.css"):
        assert (site / shared).exists() or shared == "servers.json"
        assert not (site / "en" / shared).exists()


def test_hreflang_links_are_reciprocal_and_complete(site: Path) -> None:
    pages = html_pages(site)
    urls = {url_of(site, page): page for page in pages}
    alternates_of = {}
    for url, page in urls.items():
        links = soup(page).select('link[rel="alternate"][hreflang]')
        alternates = {link["hreflang"]: link["href"] for link in links}
        assert set(alternates) == {"fi", "en", "x-default"}, url
        assert alternates["x-default"] == alternates["fi"]
        assert url in alternates.values()
        alternates_of[url] = alternates
    for url, alternates in alternates_of.items():
        for language in ("fi", "en"):
            sibling = alternates[language]
            assert sibling in urls, f"{url} links {sibling}, which is no page"
            assert alternates_of[sibling] == alternates  # and it links back, the same set
    assert {urlsplit(url).path.startswith("/en/") for url in urls} == {True, False}


def test_every_link_on_an_english_page_stays_in_english(site: Path) -> None:
    shared = ("/static/", "/api/", "/servers.json")
    for page in html_pages(site / "en"):
        document = soup(page)
        here = url_of(site, page)
        for switcher in document.select("nav.languages"):
            switcher.decompose()
        for tag in document.find_all(href=True):
            if tag.name == "link" and tag.get("hreflang"):
                continue
            target = urljoin(here, tag["href"])
            if not target.startswith(BASE):
                continue  # mailto:, webcal: or another site
            path = urlsplit(target).path
            assert path.startswith("/en/") or path.startswith(shared), (here, tag["href"])


def test_the_switcher_leads_to_the_same_page_in_the_other_language(site: Path) -> None:
    page = site / "en" / "incidents" / "2026-11-23-mail" / "index.html"
    links = soup(page).select("nav.languages a")
    targets = {link["hreflang"]: urljoin(url_of(site, page), link["href"]) for link in links}
    assert targets == {
        "fi": BASE + "incidents/2026-11-23-mail/",
        "en": BASE + "en/incidents/2026-11-23-mail/",
    }
    current = [link["hreflang"] for link in links if link.get("aria-current") == "page"]
    assert current == ["en"]
    assert {link["lang"] for link in links} == {"fi", "en"}


def test_a_translated_incident_shows_its_own_language_with_no_note(site: Path) -> None:
    for prefix, title, message in (
        ("", "Lähtevä posti viivästyy", "Lähtevä posti jonottaa."),
        ("en/", "Outgoing email is delayed", "Outgoing mail is queued."),
    ):
        article = soup(site / prefix / "incidents" / "2026-11-23-mail" / "index.html").article
        assert article.h1.get_text(strip=True) == title
        assert article.select_one(".timeline li div").get_text(strip=True) == message
        assert article.select(".untranslated") == []
        assert article.select("[lang]") == []  # all of it in the page's language


def test_an_untranslated_incident_is_marked_with_its_language_and_a_note(site: Path) -> None:
    article = soup(site / "en" / "incidents" / "2026-11-20-web" / "index.html").article
    assert article.h1.bdi["lang"] == "fi"
    assert article.h1.get_text(strip=True) == "Webhotellin hitaus"
    note = article.select_one(".untranslated")
    assert note is not None and "Finnish" in note.get_text()
    assert not note.has_attr("lang")  # the note is in the page's language
    messages = article.select(".timeline li div")
    assert messages and all(message["lang"] == "fi" for message in messages)
    # Its component, not translated either, says so; the translated one does not.
    names = {
        li.bdi.get_text(): li.bdi.get("lang")
        for li in soup(site / "en" / "index.html").select("li.component")
    }
    assert names == {"Email": None, "Webhotelli": "fi"}
    # At the root, in Finnish, nothing is marked.
    finnish = soup(site / "incidents" / "2026-11-20-web" / "index.html").article
    assert finnish.select(".untranslated") == [] and finnish.select("[lang]") == []


def test_the_feeds_of_each_language_carry_its_text(site: Path) -> None:
    for prefix, language, title in (
        ("", "fi", "Lähtevä posti viivästyy"),
        ("en/", "en", "Outgoing email is delayed"),
    ):
        for name in ("feed.atom", "feed.rss", "history.atom"):
            feed = feedparser.parse((site / prefix / name).read_bytes())
            assert not feed.bozo, (prefix, name, feed.get("bozo_exception"))
            titles = [entry.title for entry in feed.entries]
            assert any(title in text for text in titles), (prefix, name, titles)
        atom = feedparser.parse((site / prefix / "feed.atom").read_bytes())
        assert atom.feed.get("language", language) == language
        links = {entry.link for entry in atom.entries}
        assert BASE + prefix + "incidents/2026-11-23-mail/" in links
        data = json.loads((site / prefix / "feed.json").read_text(encoding="utf-8"))
        assert data["language"] == language


def test_the_calendar_of_each_language_carries_its_text(site: Path) -> None:
    for prefix, summary in (("", "Postipalvelimen päivitys"), ("en/", "Mail server upgrade")):
        calendar = icalendar.Calendar.from_ical((site / prefix / "calendar.ics").read_bytes())
        events = calendar.walk("VEVENT")
        assert len(events) == 1 and str(events[0]["SUMMARY"]).endswith(summary)
        assert str(events[0]["URL"]) == BASE + prefix + "incidents/2026-11-25-upgrade/"


def test_the_sitemap_lists_every_page_with_its_alternates(site: Path) -> None:
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "x": "http://www.w3.org/1999/xhtml"}
    root = ET.fromstring((site / "sitemap.xml").read_bytes())
    listed = {}
    for url in root.findall("s:url", ns):
        links = url.findall("x:link", ns)
        listed[url.findtext("s:loc", namespaces=ns)] = {
            link.get("hreflang"): link.get("href") for link in links
        }
    assert set(listed) == {url_of(site, page) for page in html_pages(site)}
    for loc, alternates in listed.items():
        assert set(alternates) == {"fi", "en", "x-default"}
        assert loc in alternates.values()


def test_the_api_stays_in_the_default_language(site: Path) -> None:
    summary = json.loads((site / "api" / "v2" / "summary.json").read_text(encoding="utf-8"))
    assert summary["page"]["name"] == "Esimerkin tila"
    names = {component["name"] for component in summary["components"]}
    assert "Sähköposti" in names and "Email" not in names


def test_a_translation_into_a_language_the_site_does_not_list_is_an_error(tmp_path: Path) -> None:
    config = write_site(tmp_path)
    event = tmp_path / "incidents" / "2026-11-23-mail.yaml"
    event.write_text(TRANSLATED.replace("  en: Outgoing email", "  de: Outgoing email"), "utf-8")
    result = CliRunner().invoke(
        cli, ["check", "--config", str(config), "--now", FIXED_NOW.isoformat()]
    )
    assert result.exit_code == 1
    assert (
        "incidents/2026-11-23-mail.yaml:4:3: title.de: 'de' is not one of the site's languages"
        in (result.output)
    )


def test_language_and_languages_together_are_an_error(tmp_path: Path) -> None:
    config = write_site(tmp_path)
    build(config, tmp_path / "site", FIXED_NOW)
    before = (tmp_path / "site" / "index.html").read_bytes()
    config.write_text(CONFIG.replace("languages: [fi, en]", "language: fi\nlanguages: [fi, en]"))
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "statuspage",
            "build",
            "--config",
            str(config),
            "--now",
            FIXED_NOW.isoformat(),
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert result.returncode == 1
    assert "statuspage.yaml:7:1: languages: give either `language: fi`" in result.stdout
    assert (tmp_path / "site" / "index.html").read_bytes() == before


def test_a_language_listed_twice_is_an_error(tmp_path: Path) -> None:
    config = write_site(tmp_path, CONFIG.replace("languages: [fi, en]", "languages: [fi, en, fi]"))
    with pytest.raises(InvalidInputError) as raised:
        build(config, tmp_path / "site", FIXED_NOW)
    shown = [str(problem) for problem in raised.value.problems]
    assert any(
        line.endswith(
            "statuspage.yaml:6:21: languages[2]: 'fi' is listed twice (first at languages[0])"
        )
        for line in shown
    ), shown


def test_serve_gives_every_language_as_build_writes_it(tmp_path: Path) -> None:
    config = write_site(tmp_path / "repo")
    project = ServedProject(config)
    served = project.refresh(FIXED_NOW)
    build(config, tmp_path / "built", FIXED_NOW)
    built = {
        path.relative_to(tmp_path / "built").as_posix(): path.read_bytes()
        for path in (tmp_path / "built").rglob("*")
        if path.is_file() and path.name != ".statuspage-build"
    }
    assert served.get("en/feed.atom") == built["en/feed.atom"]
    assert served.get("feed.atom") == built["feed.atom"]
    assert served.files() == built
    # A translation edited: the rebuild shows it in its language, the other one unchanged.
    event = tmp_path / "repo" / "incidents" / "2026-11-23-mail.yaml"
    event.write_text(TRANSLATED.replace("Outgoing email is delayed", "Mail is slow"), "utf-8")
    again = project.refresh(FIXED_NOW, [event])
    english = BeautifulSoup(again.get("en/incidents/2026-11-23-mail/index.html"), "html.parser")
    assert english.h1.get_text(strip=True) == "Mail is slow"
    assert (
        again.get("incidents/2026-11-23-mail/index.html")
        == (built["incidents/2026-11-23-mail/index.html"])
    )


def run(config: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, [*args, "--config", str(config), "--now", FIXED_NOW.isoformat()])


def test_check_counts_the_missing_translations_per_language_and_strict_fails(
    tmp_path: Path,
) -> None:
    config = write_site(tmp_path)
    result = run(config, "check")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    # The untranslated incident's title and two messages, the description and Webhotelli.
    summary = [line for line in lines if "have no English (en) translation" in line]
    assert len(summary) == 1 and "statuspage.yaml:6:" in summary[0]
    assert summary[0].split("warning: ")[1].startswith("5 texts have no English (en) translation")
    listed = [line for line in lines if "no English (en) text; shown in Finnish" in line]
    assert len(listed) == 5
    assert any("incidents/2026-11-20-web.yaml:2:8: warning: title:" in line for line in listed)
    assert run(config, "check", "--strict").exit_code == 1


def test_new_and_update_write_a_language_and_keep_the_others(tmp_path: Path) -> None:
    config = write_site(tmp_path)
    made = run(
        config,
        "new",
        "incident",
        "Posti on hidas",
        "--component",
        "email",
        "--message",
        "Tutkimme.",
    )
    assert made.exit_code == 0, made.output
    path = tmp_path / made.output.strip()
    (tmp_path / "incidents" / "2026-11-23-mail.yaml").unlink()  # this one is then the open one
    translated = run(
        config, "update", "--lang", "en", "--title", "Mail is slow", "--message", "Looking."
    )
    assert translated.exit_code == 0, translated.output
    added = run(config, "update", "--status", "identified", "--lang", "en", "--message", "A relay.")
    assert added.exit_code == 0, added.output
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["title"] == {"fi": "Posti on hidas", "en": "Mail is slow"}
    assert [update["message"] for update in data["updates"]] == [
        {"fi": "Tutkimme.", "en": "Looking."},
        {"en": "A relay."},
    ]
    assert path.read_text(encoding="utf-8").count("# investigating | identified") == 1  # kept
    # The Finnish of the latest, added later, keeps its English.
    assert run(config, "update", "--lang", "fi", "--message", "Välittäjä.").exit_code == 0
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert data["updates"][-1]["message"] == {"fi": "Välittäjä.", "en": "A relay."}
    build(config, tmp_path / "site", FIXED_NOW)
    page = soup(tmp_path / "site" / "en" / "incidents" / path.stem / "index.html")
    assert page.article.h1.get_text(strip=True) == "Mail is slow"
    refused = run(config, "update", "--lang", "de", "--message", "Hallo.")
    assert refused.exit_code == 1 and "not one of the site's languages (fi, en)" in refused.output


def test_new_in_another_language_than_the_default_writes_a_mapping(tmp_path: Path) -> None:
    config = write_site(tmp_path)
    made = run(
        config,
        "new",
        "maintenance",
        "Mail upgrade",
        "--lang",
        "en",
        "--component",
        "email",
        "--starts",
        "2026-12-01T22:00",
        "--description",
        "Webmail is off for an hour.",
    )
    assert made.exit_code == 0, made.output
    text = (tmp_path / made.output.strip()).read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    assert data["title"] == {"en": "Mail upgrade"}
    assert data["description"] == {"en": "Webmail is off for an hour."}
    assert list(data["updates"][0]["message"]) == ["en"]
    assert not any(line.endswith(" ") for line in text.splitlines())
    # Its placeholder message, in English, is still warned about at its place.
    checked = run(config, "check")
    assert "updates[0].message.en: still the placeholder" in checked.output


def test_each_notify_channel_hears_the_event_in_its_own_language(tmp_path: Path) -> None:
    channels = """\
notify:
  channels:
    - name: asiakkaat
      webhook: https://hooks.example/fi
    - name: customers
      webhook: https://hooks.example/en
      language: en
"""
    config = write_site(tmp_path, CONFIG + channels)
    # The first run, before the incident, records what there was to tell then.
    before = ["notify", "--config", str(config), "--now", "2026-11-23T08:00"]
    assert CliRunner().invoke(cli, before).exit_code == 0
    result = run(config, "notify", "--dry-run")
    assert result.exit_code == 0, result.output
    finnish, english = result.output.split("customers: would send", 1)
    assert "Lähtevä posti viivästyy" in finnish and "Outgoing email" not in finnish
    assert "Lähtevä posti jonottaa." in finnish
    assert "Outgoing email is delayed" in english and "Lähtevä" not in english
    assert "Outgoing mail is queued." in english
    assert BASE + "en/incidents/2026-11-23-mail/" in english
    assert BASE + "incidents/2026-11-23-mail/" in finnish


def test_check_renders_an_override_in_every_language(tmp_path: Path) -> None:
    config = write_site(tmp_path)
    (tmp_path / "templates").mkdir()
    # Fails only on a page whose language is not the default: the English ones.
    (tmp_path / "templates" / "index.html").write_text(
        '{% extends "!builtin/index.html" %}{% block title %}'
        "{% if language == 'en' %}{{ nope }}{% endif %}{{ super() }}{% endblock %}",
        encoding="utf-8",
    )
    result = run(config, "check")
    assert result.exit_code == 1
    assert "templates/index.html:1:" in result.output and "'nope' is undefined" in result.output
