"""Texts the domain writes for people, as keys to translate: `N_` marks a key (the English
msgid, with %(name)s placeholders) for `pybabel extract`, `Message` carries it with its values.

The domain never translates (no Babel, no Flask): the layer that shows a message hands its
gettext to `Message.text` (`services.i18n.gettext_or_english`); without one it is English.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, NamedTuple

__all__ = ["N_", "Message", "Params", "Translate", "joined", "message", "untranslated"]

# a gettext (`flask_babel.gettext` in the app): the domain names its texts, Babel translates
Translate = Callable[..., str]

# a message's values by name; a tuple, so that messages compare, hash and pickle as values
Params = tuple[tuple[str, Any], ...]


def N_(key: str) -> str:  # noqa: N802 - gettext's name for a no-op marker
    """Marks `key` as a message for `pybabel extract -k N_` and returns it unchanged."""
    return key


def untranslated(key: str, /, **values: Any) -> str:
    """The English text (tests and scripts without the app's catalogue)."""
    return key % values if values else key


class Message(NamedTuple):
    """A text for people: its key and values. A value that is itself a `Message` (a word such as
    "indicator", a hint such as " (did you mean 'x'?)") is translated along with it."""

    key: str
    params: Params = ()

    def text(self, _: Translate = untranslated) -> str:
        """The text in the language of `_` (a gettext taking the key and the values)."""
        values = {
            name: value.text(_) if isinstance(value, Message) else value
            for name, value in self.params
        }
        return _(self.key, **values)


def message(key: str, /, **params: Any) -> Message:
    """A `Message` from its key (marked with `N_` where it is written) and its values."""
    return Message(key, tuple(params.items()))


def joined(items: Iterable[str], conjunction: str) -> Message | str:
    """ "a and b and c": `conjunction` is a key such as "%(rest)s and %(last)s", so the word
    that joins the items is translated too."""
    result: Message | str = ""
    for index, item in enumerate(items):
        result = item if index == 0 else message(conjunction, rest=result, last=item)
    return result
