"""A site's own UI catalogs: locales/LANG/LC_MESSAGES/messages.po in its repository (issue 17).

A catalog there adds a language of the site's own (`language: xx` with locales/xx/), or
changes words of a shipped one (its messages first, then the shipped catalog's, then
English). Catalogs are read as the .po files people edit: each is checked here, so that
one that would fail a page fails `check` instead, at its line and column, and compiled
in memory when a page needs it (no .mo file, no compile step in CI).
"""

from __future__ import annotations

import functools
import io
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from importlib import resources
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po, write_po
from babel.support import Translations

from statuspage import __version__
from statuspage.atomic import atomic_write
from statuspage.errors import InvalidInputError, Problem, StatusPageError
from statuspage.load.sources import RefusedSourceError, SourceFolder, display_path, why_unreadable
from statuspage.model.models import LANGUAGE_CODE, LOCALE_DIR, SHIPPED_LANGUAGES

#: Where a language's catalog is in its folder (gettext's layout, as `pybabel init` writes it).
CATALOG = "LC_MESSAGES/messages.po"
_PLACEHOLDER = re.compile(r"%\((\w+)\)")
#: One line of a .po file: a keyword and its string, a string continued, or a comment.
_KEYWORD = re.compile(r"(msgctxt|msgid_plural|msgid|msgstr\[\d+\]|msgstr)(?=[\s\"])\s*")
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
#: A placeholder as the messages write them, and %% (a percent sign).
_PLACEHOLDER_FORMAT = re.compile(r"%\(\w+\)[sd]|%%")
_STRAY_PERCENT = re.compile("%")
#: Makes a problem at a line and column of the catalog being checked.
_At = Callable[..., Problem]


@dataclass(frozen=True)
class SiteCatalogs:
    """The catalogs of a site's repository: {language: its messages.po as read}, and what
    is wrong with them. Equal when their files are, whatever the problems say."""

    files: tuple[tuple[str, bytes], ...] = ()
    #: Every language locales/ has a catalog for, good or not (`language:` may name them).
    languages: frozenset[str] = frozenset()
    problems: tuple[Problem, ...] = field(default=(), compare=False)

    def get(self, language: str) -> bytes | None:
        """The catalog of `language` (its .po file's bytes), or None."""
        return next((raw for name, raw in self.files if name == language), None)


def load_catalogs(root: Path) -> SiteCatalogs:
    """Read and check every locales/LANG/LC_MESSAGES/messages.po of the repository at
    `root`, each opened as every source is (confined to locales/, regular files only, 2 MB).
    Files beside the language folders (a messages.pot, a README) are left alone."""
    folder = SourceFolder.of(root, LOCALE_DIR)
    if not os.path.lexists(folder.path):
        return SiteCatalogs()
    if folder.refused:
        return SiteCatalogs(problems=(_problem(folder.path, folder.refused),))
    problems = list(folder.problems())
    files: list[tuple[str, bytes]] = []
    languages: set[str] = set()
    try:
        with os.scandir(folder.path) as scan:
            entries = sorted((entry.name, entry.is_dir()) for entry in scan)
    except OSError as error:
        return SiteCatalogs(problems=(_problem(folder.path, why_unreadable(error, False)),))
    for name, is_folder in entries:
        if name.startswith(".") or not is_folder:
            continue
        place = folder.path / name
        if not LANGUAGE_CODE.fullmatch(name):
            problems.append(
                _problem(
                    place,
                    f"'{name}' is not a language code: two or three lowercase "
                    "letters (ISO 639), as in locales/sv/",
                )
            )
            continue
        path = place / CATALOG
        if not os.path.lexists(path):
            problems.append(_problem(place, f"a language folder with no {CATALOG} in it"))
            continue
        languages.add(name)
        try:
            raw, _ = folder.read(str(path))
        except RefusedSourceError as error:
            problems.append(_problem(path, error.message))
            continue
        except OSError as error:
            problems.append(_problem(path, why_unreadable(error, path.is_symlink())))
            continue
        found = check_catalog(raw, name, display_path(path))
        problems.extend(found)
        if not any(problem.is_error for problem in found):
            files.append((name, raw))
    return SiteCatalogs(tuple(files), frozenset(languages), tuple(problems))


def _problem(path: Path, message: str) -> Problem:
    return Problem(display_path(path), 1, 1, message)


def check_catalog(raw: bytes, language: str, shown: str) -> list[Problem]:
    """What is wrong with `raw`, the catalog of `language` shown as `shown`: each problem
    at its line and column. A catalog with no error compiles, and every page renders with
    it (`_()` %-formats every translation with its message's placeholders)."""
    return list(_checked(raw, language, shown))


@functools.lru_cache(maxsize=64)  # serve checks the same files on each rebuild
def _checked(raw: bytes, language: str, shown: str) -> tuple[Problem, ...]:
    def at(line: int, column: int, message: str, severity: str = "error") -> Problem:
        return Problem(shown, line, column, message, "error" if severity == "error" else "warning")

    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return (
            at(
                1,
                1,
                f"Babel has no locale data for '{language}', so its dates, numbers and "
                "plural rules are unknown; name the folder by a language code Babel knows",
            ),
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        return (at(line, column, "not UTF-8 text; save the catalog as UTF-8"),)
    syntax = list(_syntax_problems(text, at))
    if syntax:
        return tuple(syntax)
    try:
        catalog = read_po(io.BytesIO(raw), locale=language, abort_invalid=True)
    except PoFileError as error:
        return (at(error.lineno + 1, 1, _po_message(error)),)
    problems = [
        problem for message in catalog if message.id for problem in _message_problems(message, at)
    ]
    known = _template_ids()
    if language not in SHIPPED_LANGUAGES:
        done = {_first_id(message) for message in catalog if _translated(message)}
        missing = len(known - done)
        if missing:
            problems.append(
                at(
                    1,
                    1,
                    f"{missing} of the {len(known)} messages are not translated yet, so pages "
                    "show them in English (an empty or fuzzy msgstr is not used)",
                    "warning",
                )
            )
    try:
        _compile(catalog)
    except Exception as error:  # gettext's own reading of the header (Plural-Forms)
        return (*problems, at(1, 1, f"the catalog does not compile: {error}"))
    problems.extend(
        at(
            message.lineno or 1,
            1,
            f"msgid {_shown_id(message)} is not a message of statuspage's "
            "template (messages.pot), so no page shows it",
            "warning",
        )
        for message in catalog
        if message.id and _first_id(message) not in known
    )
    return tuple(problems)


def _syntax_problems(text: str, at: _At) -> Iterator[Problem]:
    """Lines that are not a comment, a keyword and its string, or a string continued."""
    for number, line in enumerate(text.splitlines(), start=1):
        body = line.lstrip()
        indent = len(line) - len(body)
        if not body or body.startswith("#"):
            continue
        keyword = _KEYWORD.match(body)
        start = keyword.end() if keyword else 0
        if not body.startswith('"', start):
            if keyword:
                yield at(number, indent + start + 1, f"expected a quoted string after {keyword[1]}")
            else:
                yield at(
                    number, indent + 1, "expected msgid, msgstr, a quoted string or a # comment"
                )
            continue
        string = _STRING.match(body, start)
        if string is None:
            yield at(number, indent + start + 1, 'a string with no closing " on its line')
            continue
        rest = body[string.end() :]
        if rest.strip():
            column = indent + string.end() + len(rest) - len(rest.lstrip()) + 1
            yield at(number, column, "text after the string's closing \"")


def _po_message(error: PoFileError) -> str:
    """Babel's message without its own ' on LINE' (the problem's place says it)."""
    return re.sub(r" on \d+$", "", str(error))


def _message_problems(message: Message, at: _At) -> Iterator[Problem]:
    """A translation `_()` could not format with its message's placeholders."""
    if message.fuzzy or not message.string:  # never used: the message stays untranslated
        return
    ids, strings = _texts(message.id), _texts(message.string)
    names = {name for text in ids for name in _PLACEHOLDER.findall(text)}
    if message.pluralizable:
        names.add("num")  # ngettext gives the count as num
    for index, string in enumerate(strings):
        if not string:
            continue
        label = f"msgstr[{index}]" if message.pluralizable else "msgstr"
        unknown = sorted(set(_PLACEHOLDER.findall(string)) - names)
        if unknown:
            given = ", ".join(f"%({name})s" for name in sorted(names)) or "none"
            yield at(
                message.lineno or 1,
                1,
                f"{label} of msgid {_shown_id(message)} has %({unknown[0]})s, which the message "
                f"does not give (it gives: {given})",
            )
            continue
        stray = _STRAY_PERCENT.search(_PLACEHOLDER_FORMAT.sub("", string))
        if stray:
            yield at(
                message.lineno or 1,
                1,
                f"{label} of msgid {_shown_id(message)} has a % that starts no placeholder; "
                "write %% for a percent sign",
            )
            continue
        try:
            string % _Values(names)
        except (ValueError, TypeError) as error:
            yield at(
                message.lineno or 1,
                1,
                f"{label} of msgid {_shown_id(message)} is not a valid format ({error}); "
                "write %% for a percent sign",
            )


class _Values(dict[str, object]):
    """A number for each placeholder a message gives (as %s and %d both take)."""

    def __init__(self, names: set[str]) -> None:
        super().__init__(dict.fromkeys(names, 1))


def _texts(value: object) -> tuple[str, ...]:
    """A message's id or string as its texts (one, or one per plural form)."""
    if isinstance(value, str):
        return (value,)
    return tuple(str(text) for text in value) if isinstance(value, tuple | list) else ()


def _translated(message: Message) -> bool:
    """Whether the compiled catalog has `message` (every form translated, not fuzzy)."""
    texts = _texts(message.string)
    return bool(message.id) and not message.fuzzy and bool(texts) and all(texts)


def _first_id(message: Message) -> str:
    return _texts(message.id)[0]


def _shown_id(message: Message) -> str:
    text = _first_id(message)
    return repr(text if len(text) <= 50 else text[:49] + "…")


@functools.cache
def _template_ids() -> frozenset[str]:
    """The messages of the shipped template, messages.pot."""
    with (resources.files("statuspage") / "locale" / "messages.pot").open("rb") as handle:
        return frozenset(_first_id(message) for message in read_po(handle) if message.id)


def shipped_catalog(language: str) -> Catalog:
    """The catalog of a shipped language, from its .po file in the package."""
    po = resources.files("statuspage") / "locale" / language / "LC_MESSAGES" / "messages.po"
    with po.open("rb") as handle:
        return read_po(handle, locale=language)


@functools.lru_cache(maxsize=32)
def compiled(language: str, own: bytes | None) -> Translations:
    """The messages of `language`: its catalog of the site's own (`own`, checked by
    check_catalog) first, then the shipped one, then English (the message itself)."""
    shipped = _compile(shipped_catalog(language)) if language in SHIPPED_LANGUAGES else None
    if own is None:
        if shipped is None:
            raise LookupError(f"no catalog for language '{language}'")
        return shipped
    found = _compile(read_po(io.BytesIO(own), locale=language))
    if shipped is not None:
        found.add_fallback(shipped)
    return found


def _compile(catalog: Catalog) -> Translations:
    """`catalog` compiled in memory; a message with a form left empty is left out, so
    that it falls back whole (write_mo leaves out only messages with no text at all)."""
    for message in list(catalog):
        if message.id and message.pluralizable and not all(_texts(message.string)):
            catalog.delete(message.id, message.context)
    binary = io.BytesIO()
    write_mo(binary, catalog)
    binary.seek(0)
    return Translations(binary)


#: The comment `catalog` puts above each message of a shipped language: its shipped words.
_SHIPPED_NOTE = "shipped: "


def write_catalog(root: Path, language: str, now: datetime) -> tuple[Path, int]:
    """Start the site's own catalog of `language` in the repository at `root`
    (locales/LANG/LC_MESSAGES/messages.po, every message of the template untranslated),
    or bring the one there up to date with the template (its new messages added, those
    no longer used kept as obsolete #~ entries, translations kept): what `pybabel init`
    and `pybabel update` do, without needing pybabel. For a shipped language each
    message carries its shipped words as a comment. The path, and how many messages
    were added."""
    if not LANGUAGE_CODE.fullmatch(language):
        raise StatusPageError(
            f"'{language}' is not a language code: two or three lowercase letters (ISO 639)"
        )
    try:
        Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        raise StatusPageError(f"Babel has no locale data for '{language}'") from None
    path = root / LOCALE_DIR / language / CATALOG
    with (resources.files("statuspage") / "locale" / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    if os.path.lexists(path):
        raw, _ = SourceFolder.of(root, LOCALE_DIR).read(str(path))
        found = check_catalog(raw, language, display_path(path))
        errors = [problem for problem in found if problem.is_error]
        if errors:
            raise InvalidInputError(errors)
        catalog = read_po(io.BytesIO(raw), locale=language)
    else:
        catalog = Catalog(locale=language, project="statuspage", creation_date=now, fuzzy=False)
    before = {_first_id(message) for message in catalog if message.id}
    catalog.update(template, no_fuzzy_matching=True)
    catalog.creation_date = catalog.revision_date = now  # when the template was taken in
    catalog.version = __version__
    if language in SHIPPED_LANGUAGES:
        shipped = shipped_catalog(language)
        for message in catalog:
            if not message.id:
                continue
            notes = [note for note in message.auto_comments if not note.startswith(_SHIPPED_NOTE)]
            kept = shipped.get(message.id)
            words = _texts(kept.string) if kept is not None else ()
            notes += [f"{_SHIPPED_NOTE}{text}" for text in words if text]
            message.auto_comments = notes
    added = sum(1 for message in catalog if message.id and _first_id(message) not in before)
    written = io.BytesIO()
    write_po(written, catalog, width=76, no_location=True, sort_output=True)
    atomic_write(path, written.getvalue())
    return path, added
