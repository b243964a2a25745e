"""Texts in several languages (issue 17), and the model in one of them.

Any text a customer reads may be written as a plain string, the site's default
language's text, or as a mapping of language to text. The model keeps a mapping as a
`Translated`: a str whose value is the text in the default language (or, when that is
missing, in the first of the site's languages that has it), so that everything that
reads the model in the default language reads it as before.

`localize` gives the model in another language: each Translated becomes its text in that
language, or stays its fallback, and says by `lang` which language it is in. A plain
string is in the default language. The pages mark a text whose language is not theirs
(`text_language`), and `missing_translations` lists what `check` warns about.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, TypeVar

from pydantic import BaseModel

_M = TypeVar("_M", bound=BaseModel)


class Translated(str):
    """A text written in several languages; its value is the text in `lang`."""

    lang: str
    #: Every language the text was written in, with its text, in the site's order.
    texts: Mapping[str, str]

    def __new__(cls, text: str, lang: str, texts: Mapping[str, str]) -> Translated:
        made = super().__new__(cls, text)
        made.lang, made.texts = lang, texts
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return Translated, (str(self), self.lang, dict(self.texts))

    def in_language(self, language: str) -> Translated:
        """This text in `language`, or itself (its fallback) when it has none there."""
        text = self.texts.get(language)
        if text is None or language == self.lang:
            return self
        return Translated(text, language, self.texts)


def translated(texts: Mapping[str, str], languages: Sequence[str]) -> Translated:
    """The Translated of a mapping whose languages the site has, in the site's order."""
    ordered = {language: texts[language] for language in languages if language in texts}
    first = next(iter(ordered))
    return Translated(ordered[first], first, ordered)


def text_language(text: object, default: str) -> str:
    """Which language `text` (a field of the model) is in: a plain string is in `default`."""
    return text.lang if isinstance(text, Translated) else default


def localize_text(text: str, language: str) -> str:
    """One text in `language` where it has it (a plain string as it is)."""
    return text.in_language(language) if isinstance(text, Translated) else text


def localize(model: _M, language: str) -> _M:
    """`model` (the site's config, an event) with every Translated in it in `language`
    where it has that language; the same object when nothing in it changes."""
    changed = _localized(model, language)
    return model if changed is _SAME else changed


_SAME: Any = object()


def _localized(value: Any, language: str) -> Any:
    """`value` in `language`, or _SAME when that is `value` itself."""
    if isinstance(value, Translated):
        found = value.in_language(language)
        return _SAME if found is value else found
    if isinstance(value, BaseModel):
        update = {}
        for name in type(value).model_fields:
            found = _localized(getattr(value, name), language)
            if found is not _SAME:
                update[name] = found
        if not update:
            return _SAME
        copy = value.model_copy(update=update)
        private = getattr(value, "__pydantic_private__", None)
        if private:
            object.__setattr__(copy, "__pydantic_private__", dict(private))
        return copy
    if isinstance(value, list | tuple):
        items = [_localized(item, language) for item in value]
        if all(item is _SAME for item in items):
            return _SAME
        return type(value)(
            old if new is _SAME else new for old, new in zip(value, items, strict=True)
        )
    if isinstance(value, dict):
        changes = {key: _localized(item, language) for key, item in value.items()}
        if all(item is _SAME for item in changes.values()):
            return _SAME
        return {key: value[key] if new is _SAME else new for key, new in changes.items()}
    return _SAME


def missing_translations(
    model: BaseModel, languages: Sequence[str]
) -> Iterator[tuple[str, tuple[Any, ...], str]]:
    """(language, place, the language shown instead) for each text of `model` that a
    language of `languages` lacks: a plain string lacks every language but the default
    (the first)."""
    default = languages[0]
    for loc, text in texts_of(model):
        shown = text_language(text, default)
        have = text.texts if isinstance(text, Translated) else {default: text}
        for language in languages:
            if language not in have:
                yield language, loc, shown


def texts_of(model: BaseModel, loc: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every text of `model` that customers read in their language, with its place: the
    fields its class lists in TEXTS (a mapping's values for a mapping field), in the
    models below it too."""
    texts: tuple[str, ...] = getattr(type(model), "TEXTS", ())
    for name in type(model).model_fields:
        value = getattr(model, name)
        here = (*loc, name)
        if name in texts:
            if isinstance(value, str):
                yield here, value
            elif isinstance(value, dict):
                yield from (((*here, key), item) for key, item in value.items())
        elif isinstance(value, BaseModel):
            yield from texts_of(value, here)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                if isinstance(item, BaseModel):
                    yield from texts_of(item, (*here, index))
