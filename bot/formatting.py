"""The neutral shape of a chat reply (headline, details, songs, buttons, note) and its two forms:
Telegram HTML (and its caption split, counted as Telegram counts) and Discord markdown. The words
come from bot.replies; the adapters send what this module renders."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field


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


def cut_to(text: str, limit: int, note: str = "\n… the list is longer than one message can show.") -> str:
    """`text` if it fits in `limit` characters, else its whole lines that fit and `note`."""
    if len(text) <= limit:
        return text
    cut = text.rfind("\n", 0, limit - len(note))
    return text[: cut if cut > 0 else limit - len(note)] + note


def to_html_parts(reply: Reply) -> list[str]:
    """Telegram HTML, one piece per line or song (escaped; links as anchors)."""
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
    return lines


def to_html(reply: Reply) -> str:
    return "\n".join(to_html_parts(reply))


def visible_length(html_text: str) -> int:
    """What Telegram counts against a caption's limit: the text without tags, in UTF-16 units."""
    text = html.unescape(re.sub(r"<[^>]+>", "", html_text))
    return len(text.encode("utf-16-le")) // 2


def split_caption(reply: Reply, limit: int = 1024) -> tuple[str, str]:
    """The reply as a photo caption (whole pieces while they fit in `limit`) and the rest for a
    second message ("" when everything fits)."""
    parts = to_html_parts(reply)
    used, k = 0, 0
    while k < len(parts) and used + visible_length(parts[k]) + (1 if k else 0) <= limit:
        used += visible_length(parts[k]) + (1 if k else 0)
        k += 1
    k = max(k, 1)  # the headline always goes with the picture
    return "\n".join(parts[:k]), "\n".join(parts[k:])


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
