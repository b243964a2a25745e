"""Every UI string is translated in every shipped language, placeholders intact."""

from __future__ import annotations

import io
import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from statuspage.i18n import LANGUAGES
from tests.conftest import REPO_ROOT

LOCALE = REPO_ROOT / "statuspage" / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _extracted() -> set[str]:
    """Extract the messages afresh, as `pybabel extract -F babel.cfg -k N_` does (the
    files and methods of babel.cfg: the theme's .html, .svg and .js templates too)."""
    method_map, options_map = parse_mapping_cfg(
        io.StringIO((REPO_ROOT / "babel.cfg").read_text(encoding="utf-8"))
    )
    found = extract_from_dir(
        str(REPO_ROOT),
        method_map=method_map,
        options_map=options_map,
        keywords={**DEFAULT_KEYWORDS, "N_": None},
    )
    messages = set()
    for _filename, _line, message, _comments, _context in found:
        messages.add(message[0] if isinstance(message, tuple) else message)
    return messages


EXTRACTED = _extracted()


def _catalog(language: str) -> dict[str, object]:
    path = LOCALE / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=language)
    return {
        (message.id[0] if isinstance(message.id, tuple) else message.id): message.string
        for message in catalog
        if message.id
    }


def test_template_is_up_to_date() -> None:
    with (LOCALE / "messages.pot").open("rb") as handle:
        template = {m.id[0] if isinstance(m.id, tuple) else m.id for m in read_po(handle) if m.id}
    assert template == EXTRACTED, "run the pybabel extract command of docs/guides/languages.md"


@pytest.mark.parametrize("language", [lang for lang in LANGUAGES if lang != "en"])
def test_every_message_is_translated(language: str) -> None:
    catalog = _catalog(language)
    assert EXTRACTED - set(catalog) == set(), "run pybabel update, then translate"
    untranslated = [
        msgid
        for msgid, string in catalog.items()
        if not (all(string) if isinstance(string, tuple) else string)
    ]
    assert untranslated == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_placeholders_survive_translation(language: str) -> None:
    for msgid, string in _catalog(language).items():
        for translated in string if isinstance(string, tuple) else (string,):
            if translated:
                assert set(PLACEHOLDER.findall(msgid)) == set(
                    PLACEHOLDER.findall(str(translated))
                ), (
                    language,
                    msgid,
                )
