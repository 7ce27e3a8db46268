"""All wording lives in bot/replies.py: every refusal the code can raise has its sentence there, and
none of the core or model modules builds a sentence for a person."""

from __future__ import annotations

import re

import pytest

from bot.replies import ERRORS, TEXTS, error_text, text
from core.errors import UserError
from tests.conftest import ROOT

RAISED = re.compile(r"""\b(?:UserError|RateLimited|NothingToDo|PipelineBusy|\w+Error)\(\s*["'](\w+)["']""")
CLASS_KIND = re.compile(r"""^\s+kind = ["'](\w+)["']""", re.M)
ERROR_KIND = re.compile(r"""error_text\(\s*["'](\w+)["']""")


def kinds_in_source() -> set[str]:
    found = set()
    for folder in ("core", "bot", "models"):
        for path in (ROOT / folder).rglob("*.py"):
            src = path.read_text()
            found |= set(RAISED.findall(src)) | set(CLASS_KIND.findall(src)) | set(ERROR_KIND.findall(src))
    return found


def test_every_refusal_the_code_raises_has_a_sentence():
    kinds = kinds_in_source()
    assert {"person_limit", "list_gone", "too_many_pixels", "busy", "download_failed"} <= kinds  # the scan sees them
    assert kinds - set(ERRORS) == set()


def test_a_refusal_without_its_facts_still_reads_as_a_sentence(caplog):
    assert error_text(UserError("person_limit")) == ERRORS["unexpected"]  # logged, not raised
    assert "no wording" in caplog.text
    assert error_text(UserError("a_kind_nobody_wrote")) == ERRORS["unexpected"]


@pytest.mark.parametrize("key", sorted(k for k, v in TEXTS.items() if not callable(v)))
def test_plain_texts_are_sentences(key):
    assert text(key)[0].isupper() or not text(key)[0].isalpha()


def test_no_sentences_for_people_outside_replies():
    """The core's and the models' string literals that look like chat sentences (a capital, words,
    an end mark and a 'you'/'I'/'me') would be wording outside bot/replies.py."""
    sentence = re.compile(r"""(?<!["'])["']([A-Z][^"'\n]{12,}(?:\byou\b|\bI\b|\bme\b)[^"'\n]*[.!?…])["']""")
    offenders = []
    for folder in ("core", "models"):
        for path in (ROOT / folder).rglob("*.py"):
            for match in sentence.finditer(path.read_text()):
                offenders.append(f"{path.relative_to(ROOT)}: {match.group(1)[:60]}")
    assert offenders == []


def test_the_button_codec_reaches_every_song_of_the_longest_list():
    from bot.buttons import MAX_POSITIONS, Action, decode_action, encode_action
    from core.music.targets import MAX_SHIFT_SONGS

    assert MAX_SHIFT_SONGS <= MAX_POSITIONS
    last = encode_action(Action("rate", 7, MAX_SHIFT_SONGS - 1, 1))
    assert decode_action(last) == Action("rate", 7, MAX_SHIFT_SONGS - 1, 1) and len(last.encode()) <= 64
