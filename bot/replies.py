"""Render readings for people and programs, the same for every surface (CLI, Telegram, Discord)."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from core.emotions import LABELS
from core.fusion import MoodReading
from core.music import MAX_SHIFT_SONGS as MAX_LIST_SONGS  # the longest list a button can point into


def _r(x: float, nd: int = 4) -> float:
    return round(float(x), nd)


def reading_to_dict(reading: Optional[MoodReading], *, file: Optional[str] = None, error: Optional[str] = None) -> dict[str, Any]:
    """The JSON shape of `python -m bot analyze --json` (one object per photo)."""
    out: dict[str, Any] = {"file": file}
    if reading is None:
        out.update(label=None, confidence=None, valence=None, arousal=None, top=[], faces=[], signals={},
                   explanation=None, timings_ms={}, error=error)
        return out
    out.update(
        label=reading.label,
        confidence=_r(reading.confidence),
        valence=_r(reading.valence),
        arousal=_r(reading.arousal),
        top=[[lab, _r(p)] for lab, p in reading.top],
        faces=[
            {"box": list(f.box), "label": f.label, "probs": {k: _r(v) for k, v in f.probs.items()},
             "detector_confidence": _r(f.detector_confidence)}
            for f in reading.faces
        ],
        signals={
            s.name: {
                "available": s.available,
                "reason": s.reason,
                "weight": _r(s.weight),
                "reliability": _r(s.reliability),
                "distribution": {k: _r(v) for k, v in sorted(s.distribution.items(), key=lambda kv: -kv[1])},
                "valence": _r(s.valence),
                "arousal": _r(s.arousal),
                **({"detail": s.detail} if s.detail else {}),
            }
            for s in reading.signals
        },
        explanation=reading.explanation,
        timings_ms=reading.timings_ms,
        error=error,
    )
    return out


def reading_to_text(reading: Optional[MoodReading], *, file: Optional[str] = None, error: Optional[str] = None) -> str:
    """A few lines a person can read at a glance."""
    head = f"{file}: " if file else ""
    if reading is None:
        return f"{head}✗ {error}"
    lines = [
        f"{head}{reading.label} ({reading.confidence:.0%} confident) — valence {reading.valence:+.2f}, arousal {reading.arousal:+.2f}",
        "  also: " + ", ".join(f"{lab} {p:.0%}" for lab, p in reading.top[1:]),
        f"  {reading.explanation}",
    ]
    for i, f in enumerate(reading.faces, 1):
        x, y, w, h = f.box
        lines.append(f"  face {i} at ({x}, {y}) {w}×{h}: {f.label} {f.probs[f.label]:.0%}")
    if reading.timings_ms:
        lines.append(f"  took {reading.timings_ms.get('total', sum(reading.timings_ms.values())):.0f} ms")
    return "\n".join(lines)


def song_to_dict(song) -> dict[str, Any]:
    t = song.track
    return {
        "id": t.id,
        "title": t.title,
        "artist": t.artist,
        "year": t.year,
        "decade": t.era,
        "spotify_url": song.spotify_url,
        "youtube_url": t.youtube_url,
        "album_art": song.album_art,
        "popularity": t.popularity,
        "explicit": t.explicit,
        "genres": t.genres.split("|") if t.genres else [],
        "reason": song.reason,
        "features": {k: (_r(v, 3) if isinstance(v, float) else v) for k, v in song.features().items()},
    }


def recommendation_to_dict(rec) -> dict[str, Any]:
    """`songs` and `recommendation_id` (plus the mood and mode they were ranked for)."""
    return {
        "recommendation_id": rec.id,
        "mood": rec.mood,
        "mode": rec.mode,
        "target": rec.target,
        "songs": [song_to_dict(s) for s in rec.songs],
    }


def songs_to_text(rec) -> str:
    if not rec.songs:
        return "  No songs to suggest — the catalog is empty or you have disliked everything that fits."
    head = f"  Songs ({'shifting toward ' + rec.target if rec.mode == 'shift' else 'matching ' + rec.mood}), list #{rec.id}:"
    lines = [head]
    for i, s in enumerate(rec.songs, 1):
        t = s.track
        era = f" ({t.year or str(t.era) + 's'})" if (t.year or t.era) else ""
        lines.append(f"  {i}. {t.artist} — {t.title}{era} · {s.reason}")
        lines.append(f"     {s.spotify_url}  ·  {t.youtube_url}")
    return "\n".join(lines)


# --- chat replies: one neutral structure, rendered as Telegram HTML or Discord markdown --------

EMOJI = {
    "happy": "😊", "sad": "😢", "angry": "😠", "fear": "😨", "disgust": "🤢", "surprise": "😮",
    "neutral": "😐", "calm": "😌", "romantic": "💞", "energetic": "⚡", "nostalgic": "🕰️",
}
POSITIVE_REACTIONS = frozenset({"👍", "❤", "❤️", "🔥", "🥰", "👏"})
NEGATIVE_REACTIONS = frozenset({"👎", "💩", "😢"})
NUMBER_REACTIONS = ("1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟")


@dataclass(frozen=True)
class Button:
    label: str
    action: str  # Telegram callback_data / Discord custom_id, at most 64 bytes


@dataclass(frozen=True)
class SongItem:
    number: int
    artist: str
    title: str
    reason: str
    spotify_url: str
    youtube_url: str


@dataclass
class Reply:
    headline: str
    details: list[str] = field(default_factory=list)
    songs: list[SongItem] = field(default_factory=list)
    buttons: list[list[Button]] = field(default_factory=list)
    note: str = ""


@dataclass(frozen=True)
class Action:
    kind: str  # "rate", "shift" or "more"
    recommendation: int
    position: Optional[int] = None
    score: Optional[int] = None
    target: Optional[str] = None


def encode_action(a: Action) -> str:
    if a.kind == "rate":
        data = f"r:{a.recommendation}:{a.position}:{'+' if a.score > 0 else '-'}"
    elif a.kind == "shift":
        data = f"s:{a.recommendation}:{a.target}"
    else:
        data = f"m:{a.recommendation}"
    assert len(data.encode()) <= 64
    return data


_ID = re.compile(r"[1-9][0-9]{0,14}")  # ASCII digits only, no sign, no leading zero, < 10^15
_POSITION = re.compile(r"0|[1-9][0-9]?")


def decode_action(data: str) -> Optional[Action]:
    """The action behind a button, or None for data we did not make (old or forged buttons).

    Strict: ASCII digits in range (int() would accept '١٢', '+5', ' 7' and 2^70), a sign that is
    exactly '+' or '-', a shift target among our labels, nothing more.
    """
    parts = (data or "")[:64].split(":")
    kind, rest = parts[0], parts[1:]
    if not rest or not _ID.fullmatch(rest[0]):
        return None
    rec = int(rest[0])
    if kind == "r" and len(rest) == 3 and _POSITION.fullmatch(rest[1]) and int(rest[1]) < MAX_LIST_SONGS and rest[2] in ("+", "-"):
        return Action("rate", rec, position=int(rest[1]), score=1 if rest[2] == "+" else -1)
    if kind == "s" and len(rest) == 2 and rest[1] in LABELS:
        return Action("shift", rec, target=rest[1])
    if kind == "m" and len(rest) == 1:
        return Action("more", rec)
    return None


def cut_to(text: str, limit: int, note: str = "\n… the list is longer than one message can show.") -> str:
    """`text` if it fits in `limit` characters, else its whole lines that fit and `note`."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - len(note))
    return text[: cut if cut > 0 else limit - len(note)] + note


def reaction_score(emoji: str) -> Optional[int]:
    """+1 / -1 for the reactions that rate a whole list, None for others."""
    if emoji in POSITIVE_REACTIONS:
        return 1
    if emoji in NEGATIVE_REACTIONS:
        return -1
    return None


def _song_items(rec) -> list[SongItem]:
    return [
        SongItem(i, s.track.artist, s.track.title, s.reason, s.spotify_url, s.track.youtube_url)
        for i, s in enumerate(rec.songs, 1)
    ]


def _buttons(rec) -> list[list[Button]]:
    rows = [
        [Button(f"{i} 👍", encode_action(Action("rate", rec.id, i - 1, 1))), Button(f"{i} 👎", encode_action(Action("rate", rec.id, i - 1, -1)))]
        for i in range(1, len(rec.songs) + 1)
    ]
    # three songs' buttons to a row keeps a 10-song keyboard short
    packed = [sum(rows[k : k + 3], []) for k in range(0, len(rows), 3)]
    packed.append([
        Button("🌿 Shift to calm", encode_action(Action("shift", rec.id, target="calm"))),
        Button("☀️ Shift to happy", encode_action(Action("shift", rec.id, target="happy"))),
        Button("➕ More like this", encode_action(Action("more", rec.id))),
    ])
    return packed


def _list_heading(rec) -> str:
    if rec.mode == "shift":
        return f"Songs that start at {rec.mood} and move toward {rec.target}:"
    return f"Songs for a {rec.mood} mood:"


def photo_reply(reading: MoodReading, rec) -> Reply:
    """The answer to a photo: the mood, how sure, what it rests on, and the songs."""
    others = ", ".join(f"{lab} {p:.0%}" for lab, p in reading.top[1:])
    used = [s for s in reading.signals if s.available and s.weight > 0]
    basis = ", ".join(f"{s.reason if s.name == 'faces' else ('the scene' if s.name == 'scene' else 'colour and light')} "
                      f"({s.weight:.0%})" for s in sorted(used, key=lambda s: -s.weight))
    details = [f"Also possible: {others}." if others else "", f"Read from {basis}."]
    scene = next((s for s in reading.signals if s.name == "scene"), None)
    if scene is not None and not scene.available:
        details.append("Scene analysis was unavailable this time.")
    faces = next((s for s in reading.signals if s.name == "faces"), None)
    note = ""
    if faces is not None and not faces.available and (scene is None or not scene.available):
        note = "I found no face and couldn't read the scene, so this rests on colour and light alone — take it lightly."
    elif reading.confidence < 0.3:
        note = "I'm not very sure about this one."
    reply = Reply(
        headline=f"{EMOJI.get(reading.label, '')} {reading.label.capitalize()} — {reading.confidence:.0%} sure",
        details=[d for d in details if d] + [_list_heading(rec)],
        songs=_song_items(rec),
        buttons=_buttons(rec) if rec.songs and rec.id is not None else [],
        note=note,
    )
    if not rec.songs:
        reply.details.append("No songs to suggest — the catalog is empty or you have disliked everything that fits.")
    return reply


def list_reply(rec, headline: str) -> Reply:
    """A list without a photo reading (soundtrack, more, shift)."""
    return Reply(
        headline=headline,
        details=[_list_heading(rec)],
        songs=_song_items(rec),
        buttons=_buttons(rec) if rec.songs and rec.id is not None else [],
        note="" if rec.songs else "No songs to suggest — the catalog is empty or you have disliked everything that fits.",
    )


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


def to_html(reply: Reply) -> str:
    """Telegram HTML (escaped; links as anchors)."""
    e = html.escape
    lines = [f"<b>{e(reply.headline)}</b>"]
    if reply.note:
        lines.append(f"<i>{e(reply.note)}</i>")
    lines += [e(d) for d in reply.details]
    for s in reply.songs:
        lines.append(
            f"{s.number}. <b>{e(s.artist)}</b> — {e(s.title)}\n    <i>{e(s.reason)}</i>\n"
            f"    <a href=\"{e(s.spotify_url)}\">Spotify</a> · <a href=\"{e(s.youtube_url)}\">YouTube Music</a>"
        )
    return "\n".join(lines)


def to_markdown(reply: Reply) -> str:
    """Discord markdown for an embed description (links as [text](url))."""
    def md(text: str) -> str:
        return re.sub(r"([\\*_`~|>\[\]])", r"\\\1", text)

    lines = []
    if reply.note:
        lines.append(f"*{md(reply.note)}*")
    lines += [md(d) for d in reply.details]
    for s in reply.songs:
        lines.append(f"**{s.number}. {md(s.artist)} — {md(s.title)}**\n{md(s.reason)}\n[Spotify]({s.spotify_url}) · [YouTube Music]({s.youtube_url})")
    return "\n".join(lines)
