"""Which language the bot speaks to whom, and its message catalogs (gettext, kept as Babel `.po` files).

The catalogs are `bot/locales/<language>/LC_MESSAGES/moodtune.po`, one per language besides English
(the msgids are the English sentences). They are read with Babel and compiled in memory on first
use, so there is no build step and nothing binary under version control:

    pybabel extract -F babel.cfg -o bot/locales/moodtune.pot .          # the sentences in the code
    pybabel update -i bot/locales/moodtune.pot -d bot/locales -D moodtune  # into every catalog
    pybabel compile -d bot/locales -D moodtune --statistics              # check them (optional)

`tests/test_i18n.py` fails when a sentence in the code is missing from a catalog, a catalog holds
one the code no longer says, or a translation drops a placeholder or a plural form.

A person's language: what they chose (`/settings language`), else what their client says
(Telegram's `language_code`, Discord's interaction `locale`), else English. A group's shared
messages: the group's choice, else the language of whoever asked. `speaking(language)` sets it for
everything said while handling one update (a context variable: concurrent updates never mix).
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import io
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Iterator, Optional

log = logging.getLogger(__name__)

LOCALES = Path(__file__).resolve().parent / "locales"
DOMAIN = "moodtune"
DEFAULT = "en"
# the languages the bot speaks, each named in itself (what /settings language lists)
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "es": "Español", "de": "Deutsch", "pt": "Português"}
_CODE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{1,8}){0,3}")  # BCP 47 as the platforms send it: ru, pt-BR, es-419

_current: contextvars.ContextVar[str] = contextvars.ContextVar("moodtune_language", default=DEFAULT)
# the language of a group's shared messages while an update from it is handled (a person's own: _current)
_shared: contextvars.ContextVar[Optional[str]] = contextvars.ContextVar("moodtune_shared_language", default=None)


def parse_language(code: Optional[str]) -> Optional[str]:
    """One of LANGUAGES for a client's or a person's language code ('pt-BR' → 'pt', 'RU' → 'ru'),
    None for anything else (unknown, malformed, empty, absurdly long). Babel parses the code."""
    if not code or len(code) > 35 or not _CODE.fullmatch(code.strip()):
        return None
    from babel import Locale, UnknownLocaleError

    try:
        language = Locale.parse(code.strip().replace("-", "_")).language
    except (ValueError, UnknownLocaleError):
        return None
    return language if language in LANGUAGES else None


@lru_cache(maxsize=None)
def translations(language: str) -> gettext.NullTranslations:
    """The compiled catalog of a language (English: the msgids themselves)."""
    if language == DEFAULT:
        return gettext.NullTranslations()
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    path = LOCALES / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    try:
        with open(path, "rb") as fh:
            catalog = read_po(fh, locale=language, domain=DOMAIN)
    except (OSError, ValueError) as exc:  # a broken install: English rather than no answer
        log.error("the %s catalog %s cannot be read (%s); answering in English", language, path, exc)
        return gettext.NullTranslations()
    buf = io.BytesIO()
    write_mo(buf, catalog)
    buf.seek(0)
    return gettext.GNUTranslations(buf)


def current() -> str:
    return _current.get()


@contextlib.contextmanager
def speaking(language: Optional[str], shared: Optional[str] = None) -> Iterator[str]:
    """Everything said inside is in `language` (one of LANGUAGES; None: English); what is said to
    a whole group inside `to_everyone()` is in `shared` (None: `language`)."""
    token = _current.set(language if language in LANGUAGES else DEFAULT)
    shared_token = _shared.set(shared if shared in LANGUAGES else None)
    try:
        yield _current.get()
    finally:
        _shared.reset(shared_token)
        _current.reset(token)


@contextlib.contextmanager
def to_everyone() -> Iterator[str]:
    """Inside, the group's shared language (a photo's answer, a soundtrack: messages for everyone)."""
    shared = _shared.get()
    if shared is None:
        yield _current.get()
        return
    token = _current.set(shared)
    try:
        yield shared
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """`message` (an English sentence) in the current language."""
    return translations(current()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form of a sentence for `n` (Russian has three; the catalog's Plural-Forms says which)."""
    return translations(current()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """A word whose meaning needs its context ('mood' → 'calm' the mood, not the verb)."""
    return translations(current()).pgettext(context, message)


def N_(message: str) -> str:
    """Marks a sentence for the catalogs where it is defined; it is translated where it is said."""
    return message


def in_every_language(message: str) -> dict[str, str]:
    """The sentence in each language (for the platforms' own localisations of command descriptions)."""
    out = {}
    for language in LANGUAGES:
        with speaking(language):
            out[language] = _(message)
    return out


def percent(p: float) -> str:
    """A share as the person's language writes it: '80%' in English, '80 %' in German, Russian…"""
    from babel.numbers import format_percent

    return format_percent(p, locale=current())


def number(x: float, digits: int = 1) -> str:
    """A decimal as the person's language writes it ('1.5' / '1,5')."""
    from babel.numbers import format_decimal

    return format_decimal(round(x, digits), format="0." + "0" * digits if digits else "0", locale=current())


def language_name(code: str) -> str:
    return LANGUAGES.get(code, LANGUAGES[DEFAULT])
