"""What a press or a reaction carries, both ways: the button-data codec (Telegram callback_data /
Discord custom_id, at most 64 bytes) and the reactions that rate. Everything that arrives is
hostile until parsed here: data we did not make decodes to None."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from core.emotions import LABELS
from bot.formatting import Button

POSITIVE_REACTIONS = frozenset({"👍", "❤", "❤️", "🔥", "🥰", "👏"})
NEGATIVE_REACTIONS = frozenset({"👎", "💩", "😢"})
NUMBER_REACTIONS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")


@dataclass(frozen=True)
class Action:
    """What a button does. kind: "rate" (a song, `position`, `score`), "shift" (toward `target`),
    "more", "previews" (▶: the list's 30-second previews), "moods" ('Not this mood?': the choices), "correct" (the mood is `target`), "mute" (the
    `credit`-th artist of the song at `position`) or "unmute" (the `position`-th muted artist, the
    group's when `target` is "g"; `recommendation` 0: not about a list)."""

    kind: str
    recommendation: int
    position: Optional[int] = None
    score: Optional[int] = None
    target: Optional[str] = None
    credit: Optional[int] = None


_PREFIX = {"rate": "r", "shift": "s", "more": "m", "moods": "n", "correct": "c", "mute": "x", "unmute": "u", "previews": "p",
           "save": "v", "export": "e"}


def encode_action(a: Action) -> str:
    p = _PREFIX[a.kind]
    if a.kind == "rate":
        data = f"{p}:{a.recommendation}:{a.position}:{'+' if a.score > 0 else '-'}"
    elif a.kind in ("shift", "correct"):
        data = f"{p}:{a.recommendation}:{a.target}"
    elif a.kind == "mute":
        data = f"{p}:{a.recommendation}:{a.position}:{a.credit}"
    elif a.kind == "unmute":
        data = f"{p}:{a.position}" + (":g" if a.target == "g" else "")
    else:
        data = f"{p}:{a.recommendation}"
    assert len(data.encode()) <= 64
    return data


_ID = re.compile(r"[1-9][0-9]{0,14}")  # ASCII digits only, no sign, no leading zero, < 10^15
_POSITION = re.compile(r"0|[1-9][0-9]?")
# The most songs a list's buttons can point into: a wire-format bound of this codec (the longest list,
# a shift list, has core.music.targets.MAX_SHIFT_SONGS = 17; tests/test_replies.py keeps them in step).
MAX_POSITIONS = 20


def decode_action(data: str) -> Optional[Action]:
    """The action behind a button, or None for data we did not make (old or forged buttons).

    Strict: ASCII digits in range (int() would accept '١٢', '+5', ' 7' and 2^70), a sign that is
    exactly '+' or '-', a shift target among our labels, nothing more.
    """
    parts = (data or "")[:64].split(":")
    kind, rest = parts[0], parts[1:]
    if kind == "u" and 1 <= len(rest) <= 2 and _POSITION.fullmatch(rest[0]) and rest[1:] in ([], ["g"]):
        return Action("unmute", 0, position=int(rest[0]), target="g" if rest[1:] else None)
    if not rest or not _ID.fullmatch(rest[0]):
        return None
    rec = int(rest[0])
    if kind == "x" and len(rest) == 3 and _POSITION.fullmatch(rest[1]) and int(rest[1]) < MAX_POSITIONS and rest[2] in "012" \
            and len(rest[2]) == 1:
        return Action("mute", rec, position=int(rest[1]), credit=int(rest[2]))
    if kind == "c" and len(rest) == 2 and rest[1] in LABELS:
        return Action("correct", rec, target=rest[1])
    if kind == "n" and len(rest) == 1:
        return Action("moods", rec)
    if kind == "p" and len(rest) == 1:
        return Action("previews", rec)
    if kind == "r" and len(rest) == 3 and _POSITION.fullmatch(rest[1]) and int(rest[1]) < MAX_POSITIONS and rest[2] in ("+", "-"):
        return Action("rate", rec, position=int(rest[1]), score=1 if rest[2] == "+" else -1)
    if kind == "s" and len(rest) == 2 and rest[1] in LABELS:
        return Action("shift", rec, target=rest[1])
    if kind == "m" and len(rest) == 1:
        return Action("more", rec)
    if kind == "v" and len(rest) == 1:
        return Action("save", rec)
    if kind == "e" and len(rest) == 1:
        return Action("export", rec)
    return None


def reaction_score(emoji: str) -> Optional[int]:
    """+1 / -1 for the reactions that rate a whole list, None for others."""
    if emoji in POSITIVE_REACTIONS:
        return 1
    if emoji in NEGATIVE_REACTIONS:
        return -1
    return None


def mark_choice(buttons: list[list[Button]], action: str) -> list[list[Button]]:
    """The same keyboard with the pressed rating marked ✅ (and its opposite unmarked)."""
    chosen = decode_action(action)
    out = []
    for row in buttons:
        new_row = []
        for b in row:
            a = decode_action(b.action)
            label = b.label.removeprefix("✅ ")
            if a and chosen and a.kind == "rate" and a.position == chosen.position and a.recommendation == chosen.recommendation:
                label = f"✅ {label}" if a.score == chosen.score else label
            new_row.append(Button(label, b.action))
        out.append(new_row)
    return out
