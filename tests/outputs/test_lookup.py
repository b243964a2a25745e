"""The server lookup (issue 16): 'Is my server affected?' answered from a search box.

The built pages are read with an HTML parser; the box itself is tried in Debian's chromium:
found by name, alias, host name or IP as customers type them, by keyboard, right at 5,000
servers, and hidden without JavaScript, where the list of servers serves. How fast it
answers at 5,000 servers (one frame, 16 ms) is benchmarks/lookup.py's figure.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from bs4 import BeautifulSoup

from statuspage.build import build
from tests.conftest import HELSINKI, Project, build_example
from tests.outputs.browsing import chromium, serving
from tests.outputs.test_site import soup, text

#: The example's database incident is open then, naming web02 and web03.
NOW = datetime(2026, 11, 20, 10, 30, tzinfo=HELSINKI)
#: How many servers the large site has.
MANY = 5_000


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_example(tmp_path_factory.mktemp("lookup"), NOW) / "site"


@pytest.fixture(scope="module")
def base(site: Path) -> Iterator[str]:
    with serving(site) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with chromium() as instance:
        yield instance


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1024, "height": 800})
    try:
        yield context.new_page()
    finally:
        context.close()


def _lookup(page: BeautifulSoup) -> Any:
    form = page.select_one("form#lookup")
    assert form is not None
    return form


# --- the pages as built -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["index.html", "servers/index.html"])
def test_the_lookup_is_in_the_page_hidden_until_its_script_shows_it(site: Path, path: str) -> None:
    page = soup(site / path)
    form = _lookup(page)
    assert form.has_attr("hidden")
    box = form.select_one('input[type="search"]')
    assert box is not None
    label = form.select_one(f'label[for="{box["id"]}"]')
    assert text(label) == "Find your server"
    assert form.select_one('[role="status"]') is not None  # how many match is announced
    scripts = [str(node["src"]) for node in page.select("script[src]")]
    root = "" if path == "index.html" else "../"
    assert scripts == [f"{root}static/lookup.js"]
    assert (site / "static" / "lookup.js").is_file()
    assert form["data-index"] == f"{root}servers.json"


def test_the_home_page_links_to_the_list_of_servers(site: Path) -> None:
    page = soup(site / "index.html")
    section = _lookup(page).find_parent("section")
    assert section is not None
    assert text(section.h2) == "Is my server affected?"
    links = [a for a in section.select("a") if a.find_parent("form") is None]
    assert [(text(a), a["href"]) for a in links] == [("All servers", "servers/")]


def test_a_site_without_servers_has_no_lookup(tmp_path: Path, project: Project) -> None:
    build(project.config_path, tmp_path / "site", NOW)
    page = soup(tmp_path / "site" / "index.html")
    assert page.select_one("form#lookup") is None
    assert page.select("script[src]") == []
    assert not any(str(a["href"]).startswith("servers/") for a in page.select("a[href]"))


# --- in a browser ---------------------------------------------------------------------------


def _results(page: Any) -> list[tuple[str, str]]:
    """The results listed: (server name, link) each."""
    found = page.eval_on_selector_all(
        "#lookup-results a",
        "links => links.map(a => [a.querySelector('.lookup-name').textContent, a.href])",
    )
    return [(name, href) for name, href in found]


def _type(page: Any, query: str) -> None:
    box = page.get_by_label("Find your server")
    box.click()
    box.fill(query)
    page.wait_for_function(
        "document.getElementById('lookup').dataset.state === 'ready'", timeout=5000
    )


@pytest.mark.parametrize(
    "query",
    [
        "web03",
        "WEB03.kettu-hosting.example.",
        "https://web03.kettu-hosting.example/",
        "  Web03.Kettu-Hosting.Example  ",
        "192.0.2.13",
        "2001:DB8::13",
    ],
)
def test_the_lookup_finds_a_server_as_customers_type_it(page: Any, base: str, query: str) -> None:
    page.goto(base)
    _type(page, query)
    found = _results(page)
    assert found[0] == ("web03", base + "servers/web03/")
    assert len(found) == 1
    item = page.locator("#lookup-results li").first
    assert "Partial outage" in item.inner_text()  # its status, in words
    assert "Shared web hosting" in item.inner_text()  # and its component
    assert page.get_by_role("status").inner_text() == "Matching servers: 1"


def test_two_keystrokes_list_the_server_among_few(page: Any, base: str) -> None:
    """A customer who knows only web03.kettu-hosting.example finds its page in two
    keystrokes: 'we' lists the web servers, in their order, and nothing else."""
    page.goto(base)
    box = page.get_by_label("Find your server")
    box.click()
    page.keyboard.type("we")
    page.wait_for_function("document.querySelectorAll('#lookup-results a').length > 0")
    names = [name for name, _ in _results(page)]
    assert names == ["web01", "web02", "web03", "web04"]
    assert page.get_by_role("status").inner_text() == "Matching servers: 4"


def test_an_exact_match_comes_first(page: Any, base: str) -> None:
    page.goto(base)
    _type(page, "192.0.2.1")  # a prefix of every web server's address
    assert [name for name, _ in _results(page)] == ["web01", "web02", "web03", "web04"]
    _type(page, "mail1.kettu-hosting.example")
    assert [name for name, _ in _results(page)] == ["mail1"]
    _type(page, "nothing-like-it")
    assert _results(page) == []
    assert page.locator("#lookup-results").is_hidden()
    assert page.get_by_role("status").inner_text() == "No server matches."


def test_the_lookup_works_by_keyboard(page: Any, base: str) -> None:
    page.goto(base)
    page.get_by_label("Find your server").focus()
    page.keyboard.type("web03.kettu")
    page.wait_for_function("document.querySelectorAll('#lookup-results a').length === 1")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.closest('#lookup-results') !== null")
    page.keyboard.press("ArrowUp")  # back to the box
    assert page.evaluate("document.activeElement.id") == "lookup-input"
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == base + "servers/web03/"
    assert text(BeautifulSoup(page.content(), "html5lib").h1) == "web03"


def test_enter_on_an_exact_match_opens_it(page: Any, base: str) -> None:
    page.goto(base + "servers/")
    page.get_by_label("Find your server").focus()
    page.keyboard.type("192.0.2.12")
    page.wait_for_function("document.querySelectorAll('#lookup-results a').length === 1")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == base + "servers/web02/"


def test_the_home_page_reads_servers_json_only_once_the_box_is_used(page: Any, base: str) -> None:
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    page.goto(base)
    page.wait_for_load_state("networkidle")
    assert base + "static/lookup.js" in asked
    assert base + "servers.json" not in asked
    page.get_by_label("Find your server").focus()
    page.wait_for_function("document.getElementById('lookup').dataset.state === 'ready'")
    assert asked.count(base + "servers.json") == 1


def test_without_javascript_the_lookup_is_hidden_and_the_list_serves(
    browser: Any, base: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(base)
        assert page.locator("#lookup").is_hidden()
        page.get_by_role("link", name="All servers").click()
        assert page.url == base + "servers/"
        assert page.locator("#lookup").is_hidden()
        page.get_by_role("link", name="web03", exact=True).click()
        assert page.url == base + "servers/web03/"
    finally:
        context.close()


def test_the_shown_lookup_has_no_serious_accessibility_violations(page: Any, base: str) -> None:
    axe_module = pytest.importorskip("axe_playwright_python.sync_playwright")
    page.goto(base)
    _type(page, "we")
    results = axe_module.Axe().run(page)
    serious = [
        f"{violation['id']}: {violation['help']}"
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]
    assert serious == []


# --- 5,000 servers ----------------------------------------------------------------------------


def _many_servers(root: Path) -> Path:
    """A repository of MANY servers over five components and two regions."""
    lines = [
        "title: Large Hosting status",
        "base_url: https://status.example.net/",
        "timezone: Europe/Helsinki",
        "regions:",
        "  hel1: Helsinki 1",
        "  fra1: Frankfurt 1",
        "components:",
    ]
    for component in range(5):
        lines += [f"  - id: service-{component}", f"    name: Service {component}", "    servers:"]
        for number in range(component, MANY, 5):
            name = f"srv{number:04d}"
            lines += [
                f"      - name: {name}",
                f"        aliases: [{name}.example.net, 10.0.{number // 256}.{number % 256}]",
                f"        region: {'hel1' if number % 2 else 'fra1'}",
            ]
    root.mkdir(parents=True, exist_ok=True)
    (root / "incidents").mkdir()
    config = root / "statuspage.yaml"
    config.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return config


@pytest.mark.slow
def test_the_lookup_answers_rightly_at_5000_servers(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = tmp_path_factory.mktemp("many")
    build(_many_servers(root), root / "site", NOW, jobs=2)
    with serving(root / "site") as url:
        context = browser.new_context()
        try:
            page = context.new_page()
            page.goto(url + "servers/")
            _type(page, "")
            answers = {}
            for query in ["s", "SRV4999.example.net.", "10.0.0.200", "https://srv0007/", "x"]:
                page.get_by_label("Find your server").fill(query)
                answers[query] = (
                    page.locator("#lookup-results a").count(),
                    page.locator("#lookup-status").text_content(),
                )
        finally:
            context.close()
    assert answers["s"] == (10, "Matching servers: 5,000 (the first 10 shown)")
    assert answers["SRV4999.example.net."] == (1, "Matching servers: 1")
    assert answers["10.0.0.200"] == (1, "Matching servers: 1")  # srv0200, by its IP
    assert answers["https://srv0007/"] == (1, "Matching servers: 1")
    assert answers["x"] == (0, "No server matches.")
