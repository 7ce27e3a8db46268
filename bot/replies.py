"""Every sentence Moodtune says, for people and programs, the same on every surface (CLI, Telegram,
Discord). The core hands over facts — a reading's signals with their shares, songs' reasons as
SongReason, errors as UserError kinds — and only this module turns them into words."""

from __future__ import annotations

import logging
from typing import Any, Optional

from core.reading.aggregate import movement
from core.errors import UserError
from core.reading.images import ImageError
from core.reading.fusion import MoodReading, SignalReading
from core.music.recommender import SongReason
from bot.buttons import Action, encode_action
from bot.formatting import Button, Reply, SongItem

log = logging.getLogger(__name__)


# --- readings and songs as sentences ----------------------------------------------------------

def colour_words(detail: dict) -> str:
    """'bright, vivid, warm' from the colour signal's measurements."""
    words = []
    b, s, w = detail.get("brightness"), detail.get("saturation"), detail.get("warmth")
    if b is not None:
        words.append("bright" if b > 0.6 else "dark" if b < 0.3 else "")
    if s is not None:
        words.append("vivid" if s > 0.5 else "muted" if s < 0.15 else "")
    if w is not None:
        words.append("warm" if w > 0.15 else "cool" if w < -0.15 else "")
    return ", ".join(x for x in words if x) or "balanced"


def signal_words(s: SignalReading) -> str:
    """What one signal saw: '2 faces', 'the scene (beach at sunset)', 'colour (bright, warm)'."""
    if s.name == "faces":
        n = s.detail.get("count", 0)
        found = s.detail.get("found", n)
        if found > n:  # a crowd: the most prominent were read, and the answer says so
            return f"{n} of {found} faces"
        return f"{n} face{'s' if n != 1 else ''}"
    if s.name == "scene":
        scenes = s.detail.get("scenes") or []
        return f"the scene ({scenes[0][0]})" if scenes else "the scene"
    return f"colour ({colour_words(s.detail)})"


def explain(reading: MoodReading) -> str:
    """One sentence: the label, then which signals it rests on and how much each contributed."""
    parts = [f"{signal_words(s)} says {s.top} ({s.weight:.0%} of the weight)"
             for s in sorted((s for s in reading.signals if s.available), key=lambda s: -s.weight)]
    if not parts:
        return "No signal could be read from this photo."
    text = f"{reading.label.capitalize()} ({reading.confidence:.0%} confident), from " + "; ".join(parts) + "."
    missing = [f"{s.name}: {s.reason}" for s in reading.signals if not s.available]
    if missing:
        text += " Not used — " + "; ".join(missing) + "."
    return text


FEEL = {"upbeat": "upbeat", "intense": "intense", "gentle": "gentle", "heavy": "slow and heavy-hearted",
        "bright": "bright", "mellow": "mellow", "moody": "moody"}


def song_reason(r: SongReason) -> str:
    """'upbeat, major key, 124 BPM — matches happy; you liked ABBA (step 2 of 9 toward calm)'."""
    feel = [FEEL.get(r.feel, r.feel)] + (["acoustic"] if r.acoustic else [])
    if r.major is not None:
        feel.append("major key" if r.major else "minor key")
    feel.append(f"{r.bpm} BPM")
    text = f"{', '.join(feel)} — matches {r.matches}"
    if r.main_mood:
        text += " (also in this reading)"
    extras = []
    if r.liked_artist:
        extras.append(f"you liked {r.liked_artist}")
    if r.your_taste and not r.liked_artist:
        extras.append("close to what you liked")
    if r.others_liked:
        extras.append("others liked it for this mood")
    if r.decade:
        extras.append(f"from the {r.decade % 100:02d}s")
    if r.lesser_known:
        extras.append("a lesser-known find")
    text += ("; " + ", ".join(extras)) if extras else ""
    if r.step:
        text += f" (step {r.step[0]} of {r.step[1]} toward {r.step[2]})"
    return text


def reading_to_text(reading: Optional[MoodReading], *, file: Optional[str] = None, error: Optional[str] = None) -> str:
    """A few lines a person can read at a glance."""
    head = f"{file}: " if file else ""
    if reading is None:
        return f"{head}✗ {error}"
    lines = [
        f"{head}{reading.label} ({reading.confidence:.0%} confident) — valence {reading.valence:+.2f}, arousal {reading.arousal:+.2f}",
        "  also: " + ", ".join(f"{lab} {p:.0%}" for lab, p in reading.top[1:]),
        f"  {explain(reading)}",
    ]
    if reading.kind != "photo":
        moved = movement(reading)
        what = "photos" if reading.kind == "album" else "frames"
        lines.append(f"  read from {len(reading.parts)} {what}: " + " → ".join(p[0] for p in reading.parts)
                     + (f" (starts {moved[0]}, ends {moved[1]})" if moved else ""))
    for i, f in enumerate(reading.faces, 1):
        x, y, w, h = f.box
        lines.append(f"  face {i} at ({x}, {y}) {w}×{h}: {f.label} {f.probs[f.label]:.0%}")
    if reading.timings_ms:
        lines.append(f"  took {reading.timings_ms.get('total', sum(reading.timings_ms.values())):.0f} ms")
    return "\n".join(lines)


def songs_to_text(rec) -> str:
    if not rec.songs:
        return "  " + NO_SONGS
    head = f"  Songs ({'shifting toward ' + rec.target if rec.mode == 'shift' else 'matching ' + rec.mood}), list #{rec.id}:"
    lines = [head]
    for i, s in enumerate(rec.songs, 1):
        t = s.track
        era = f" ({t.year or str(t.era) + 's'})" if (t.year or t.era) else ""
        lines.append(f"  {i}. {t.artist} — {t.title}{era} · {song_reason(s.reason)}")
        lines.append(f"     {s.spotify_url}  ·  {t.youtube_url}")
    return "\n".join(lines)


NO_SONGS = "No songs to suggest — the catalog is empty or you have disliked everything that fits."


# --- chat replies: one neutral structure, rendered as Telegram HTML or Discord markdown --------

EMOJI = {
    "happy": "😊", "sad": "😢", "angry": "😠", "fear": "😨", "disgust": "🤢", "surprise": "😮",
    "neutral": "😐", "calm": "😌", "romantic": "💞", "energetic": "⚡", "nostalgic": "🕰️",
}



def _song_items(rec) -> list[SongItem]:
    return [
        SongItem(i, s.track.artist, s.track.title, song_reason(s.reason), s.spotify_url, s.track.youtube_url)
        for i, s in enumerate(rec.songs, 1)
    ]


def _buttons(rec, correctable: bool = False, previews: bool = True) -> list[list[Button]]:
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
    if previews:  # first on its row: the control people look for
        packed[-1].insert(0, Button("▶ Listen", encode_action(Action("previews", rec.id))))
    if correctable:
        packed[-1].append(Button("🤔 Not this mood?", encode_action(Action("moods", rec.id))))
    return packed


def words_reply(reading, rec, previews: bool = True) -> Reply:
    """The answer to a mood in words: the mood, the words it rests on, and the songs."""
    others = ", ".join(f"{lab} {p:.0%}" for lab, p in sorted(reading.distribution.items(), key=lambda kv: -kv[1])[1:3])
    how = "read against the same mood prompts as photos" if reading.source == "clip" else "from my table of mood words"
    details = [f"From your words: {', '.join(_short(w, 20) for w in reading.words[:6])} ({how})."]
    if others:
        details.append(f"Also in them: {others}.")
    return Reply(headline=f"{EMOJI.get(reading.label, '')} {reading.label.capitalize()} — in your words",
                 details=details + [_list_heading(rec)], songs=_song_items(rec),
                 buttons=_buttons(rec, previews=previews) if rec.songs and rec.id is not None else [], note="" if rec.songs else NO_SONGS)


def inline_description(mood: str, playable: bool) -> str:
    return f"for a {mood} mood" + (" · 30-second preview" if playable else " · Spotify link")


def inline_refusal(exc: UserError) -> str:
    """The hint an inline query shows instead of songs (Telegram shows it as a button, ≤ 64 chars)."""
    if exc.kind in ("no_words", "no_mood_in_words"):
        return text("inline_hint")
    return _short(error_text(exc), 60)


def no_previews(tracks) -> str:
    """Which songs have no preview this time, by name."""
    names = "; ".join(f"{_short(t.artist, 40)} — {_short(t.title, 50)}" for t in tracks[:10])
    return f"No preview for {names}." if names else "No previews this time."


def mood_choices(recommendation: int, said: str, choices: list[str]) -> Reply:
    """'Not this mood?': the moods to choose from, the ones the reading nearly said first."""
    buttons = [Button(f"{EMOJI.get(label, '')} {label}", encode_action(Action("correct", recommendation, target=label)))
               for label in choices]
    return Reply(headline=f"I read {said}. Which mood is it?", details=["The ones I nearly said come first."],
                 buttons=[buttons[k:k + 3] for k in range(0, len(buttons), 3)])


def mute_offer(recommendation: int, position: int, names: list[str]) -> Reply:
    """After a 👎: mute the song's artists for this person."""
    return Reply(headline="Not for you? I can leave an artist out of your lists.",
                 buttons=[[Button(f"🔇 Mute {_short(name, 40)}", encode_action(Action("mute", recommendation, position=position, credit=k)))
                           for k, name in enumerate(names)]])


def settings_with_muted(words: str, muted: list[str], group: bool = False) -> Reply:
    """The settings and the artists muted here (a person's own; in a group, the group's, which its
    admins set), each with a button to unmute."""
    whose = "Muted for this group (by its admins)" if group else "Muted artists (only for your own lists)"
    return Reply(headline=words, details=[f"{whose}: " + ", ".join(muted) + "."],
                 buttons=[[Button(f"🔊 Unmute {_short(name, 40)}",
                                  encode_action(Action("unmute", 0, position=k, target="g" if group else None)))]
                          for k, name in enumerate(muted[:20])])


def _list_heading(rec) -> str:
    if rec.mode == "shift":
        return f"Songs that start at {rec.mood} and move toward {rec.target}:"
    return f"Songs for a {rec.mood} mood:"


def photo_reply(reading: MoodReading, rec, previews: bool = True) -> Reply:
    """The answer to a photo: the mood, how sure, what it rests on, and the songs."""
    others = ", ".join(f"{lab} {p:.0%}" for lab, p in reading.top[1:])
    used = [s for s in reading.signals if s.available and s.weight > 0]
    basis = ", ".join(f"{signal_words(s) if s.name == 'faces' else ('the scene' if s.name == 'scene' else 'colour and light')} "
                      f"({s.weight:.0%})" for s in sorted(used, key=lambda s: -s.weight))
    details = [f"Also possible: {others}." if others else "", f"Read from {basis}."]
    if reading.kind == "album":
        details.insert(0, f"The mood of your {len(reading.parts)} photos together.")
    elif reading.kind == "video":
        moved = movement(reading)
        details.insert(0, f"Read from {len(reading.parts)} frames of the clip"
                       + (f" — it starts {moved[0]} and ends {moved[1]}." if moved else " — the mood holds steady."))
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
        buttons=_buttons(rec, correctable=True, previews=previews) if rec.songs and rec.id is not None else [],
        note=note,
    )
    if not rec.songs:
        reply.details.append(NO_SONGS)
    return reply


def list_reply(rec, headline: str, previews: bool = True) -> Reply:
    """A list without a photo reading (soundtrack, more, shift)."""
    return Reply(
        headline=headline,
        details=[_list_heading(rec)],
        songs=_song_items(rec),
        buttons=_buttons(rec, previews=previews) if rec.songs and rec.id is not None else [],
        note="" if rec.songs else NO_SONGS,
    )


# --- what the bots say: errors, commands, help -------------------------------------------------

def _short(value: object, limit: int = 30) -> str:
    """A person's own words echoed back, never long (a 5 KB argument would make the reply too long
    to send)."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _mb(x: float) -> str:
    return f"{x:.1f} MB"


ERRORS: dict[str, Any] = {
    # photos
    "empty": "That file is empty — nothing to look at.",
    "too_many_bytes": lambda mb, max_mb: f"That file is {_mb(mb)}; I can read photos up to {_mb(max_mb)}.",
    "not_an_image": lambda what=None: f"That file isn't an image I can read{f' ({what})' if what else ''}.",
    "unsupported_format": lambda format: f"I can't read {_short(format)} images; please send a JPEG, PNG, WebP, HEIC, BMP, TIFF or GIF.",
    "too_many_pixels": lambda mp=None, max_mp=0, width=None, height=None: (
        f"That image is {f'{width}×{height} pixels ({mp:.0f} MP)' if width else f'{mp:.0f} MP' if mp else 'far too large'}; "
        f"I can read up to {max_mp:.0f} MP."),
    "too_small": lambda width, height: f"That image is only {width}×{height} pixels — too small to read a mood from.",
    "damaged": "That image looks damaged or cut off — could you send it again?",
    "bad_image": "I couldn't read that image — could you send it again?",
    "file_too_big": lambda mb, max_mb, platform: (
        f"That file is {_mb(mb)}; {_platform(platform)['download_limit']} files up to {max_mb:.0f} MB."),
    "not_a_file_image": lambda name: f"{_short(name, 60)} isn't an image I can read — attach a photo (JPEG, PNG, WebP, HEIC…), a GIF or a video.",
    "download_failed": lambda platform: (
        f"I couldn't download that photo from {_platform(platform)['name']} — please send it again."),
    "no_image": "I need a message with an image attached.",
    # GIFs and videos
    "empty_video": "That clip is empty — nothing to watch.",
    "video_too_big": lambda mb, max_mb: f"That clip is {_mb(mb)}; I can read clips up to {max_mb:.0f} MB.",
    "damaged_video": "I couldn't play that clip — it looks damaged or cut off. Could you send it again?",
    "no_video_stream": "That file has no pictures in it (only sound?) — send a photo, GIF or video.",
    "video_too_large": lambda width, height, max_side: f"That clip is {width}×{height} pixels; I can read clips up to {max_side} pixels a side.",
    "video_too_long": lambda seconds, max_seconds: f"That clip is {seconds:.0f} s long; I read clips up to {max_seconds:.0f} s.",
    "no_image_mention": "Attach a photo when you mention me and I'll find songs for its mood.",
    # limits
    "rate_limited": "That's a lot of photos — try again in a moment.",
    "person_limit": lambda per_minute: f"That's a lot of photos — I read up to {per_minute} a minute per person. Try again in a moment.",
    "chat_busy": "I'm still working on the photos sent here — send more in a moment.",
    "busy": lambda seconds=None: (
        f"So many photos are waiting that yours would wait {_wait(seconds)} — please send it again in a few minutes."
        if seconds else "I'm busy with other photos right now — please try again in a moment."),
    "shutting_down": "I'm restarting — please send that again in a minute.",
    # lists and settings
    "nothing_to_do": "There's nothing to do here yet.",
    "no_recent_photos": ("I haven't seen any photos here in the last hour. Send some (mention me in groups), "
                         "or reply /soundtrack to a photo."),
    "list_gone": "That list is no longer available — send a new photo for fresh songs.",
    "saved_song_gone": "Saved — but that song is no longer in the catalog.",
    "not_your_photo": "Only the person who sent the photo can correct its mood.",
    "no_reading_to_correct": "That list didn't come from a photo, so there's no mood to correct.",
    "not_muted": "That artist isn't muted any more — see /settings.",
    "previews_off": "Previews are turned off here.",
    "previews_cooldown": lambda seconds: f"Previews were just sent here — try again in {seconds} s.",
    "no_words": "Tell me a mood in words after /mood — e.g. /mood rainy sunday morning — or send a photo.",
    "no_mood_in_words": lambda text: (f"I couldn't find a mood in “{_short(text, 40)}” — try words like calm, happy, "
                                      "rainy, party or nostalgic, or send a photo."),
    "unknown_track": lambda track: f"No track with id {track} in the catalog.",
    "not_in_list": lambda track, recommendation: f"List #{recommendation} does not hold track {track}.",
    "bad_score": "A rating is +1 (liked) or -1 (not liked).",
    "bad_mode": "Modes are match (songs that fit the photo) and shift (start there, move toward a mood).",
    "unknown_mood": lambda name, labels: f"I don't know the mood '{_short(name)}'. Try one of: {', '.join(labels)}.",
    "bad_length": lambda max: f"Lists can hold 1 to {max} songs — e.g. /settings 7.",
    "bad_explicit": "Explicit songs are on or off — e.g. /settings explicit off.",
    "bad_cards": "Mood pictures are on or off — e.g. /settings cards off.",
    # the error boundaries
    "database_busy": "I'm saving a lot right now — please try that again in a moment.",
    "unexpected": "Something went wrong on my side — please try again in a moment.",
}


def error_text(exc: UserError | str) -> str:
    """The sentence for an expected refusal (a UserError, or a kind of our own)."""
    kind, params = (exc, {}) if isinstance(exc, str) else (exc.kind, exc.params)
    template = ERRORS.get(kind) or ERRORS["unexpected"]
    try:
        return template(**params) if callable(template) else template
    except (TypeError, ValueError):  # a fact missing: still one clear sentence (a test checks every kind)
        log.warning("no wording for %s with %s", kind, params)
        return ERRORS["bad_image"] if isinstance(exc, ImageError) else ERRORS["unexpected"]


def _mode_words(mode: str, target: Optional[str]) -> str:
    if mode != "shift":
        return "match"
    return f"shift toward {target or 'calm or happy (I pick from the photo)'}"


def _where(group: bool, platform: str) -> str:
    if not group:
        return "for you"
    return _platform(platform)["group_place"]


def _wait(seconds: float) -> str:
    """An expected wait as a person says it: 'about 20 s', 'about 2 minutes'."""
    return f"about {seconds:.0f} s" if seconds < 90 else f"about {seconds / 60:.0f} minutes"


TEXTS: dict[str, Any] = {
    "queued": lambda seconds, ahead: (
        f"📥 Lots of photos right now: yours is queued behind {ahead}, {_wait(seconds)}. I'll answer here."),
    "nothing_liked": "Nothing liked yet: rate songs with the thumbs-up buttons.",
    "no_sender": "I can only answer people in a chat — send it from your account in a chat with me.",
    "not_a_photo": lambda what="": (f"{what.capitalize()} don't" if what else "Stickers don't")
    + " work for me — send a photo, GIF or video and I'll find songs for its mood.",
    "old_button": "That button is from an older version — send a new photo.",
    "buttons_in_chat_only": "These buttons work in the chat where the list was shown.",
    "rated": lambda score, title: f"{'👍' if score > 0 else '👎'} saved: {_short(title, 80)}",
    "soundtrack_title": lambda count: f"🎬 Soundtrack of {count} photo{'s' if count > 1 else ''}",
    "soundtrack_building": "🎬 Building a soundtrack from this chat's recent photos…",
    "shift_title": lambda mood, target: f"🧭 From {mood} toward {target}",
    "more_title": lambda mood: f"➕ More for a {mood} mood",
    "mode_is": lambda mode, target, platform: (
        f"Mode: {_mode_words(mode, target)}. Change it with "
        + _platform(platform)["mode_example"]),
    "mode_set": lambda mode, target, group: (
        ("Mode set: songs that match the photo" if mode == "match" else f"Mode set: {_mode_words(mode, target)}")
        + (" — for everyone here." if group else ".")),
    "settings_are": lambda songs, mode, target, explicit, cards, group, platform: (
        f"Songs per list: {songs or 5}. Mode: {_mode_words(mode, target)}. "
        f"Explicit songs: {'allowed' if explicit else 'left out'} {_where(group, platform)}. "
        f"Mood pictures: {'on' if cards else 'off'}. "
        + "Change with " + _platform(platform)["settings_example"]),
    "forgotten": lambda ratings=0, recommendations=0, settings=0, photos=0, corrections=0, muted=0: (
        f"Done — I deleted your {ratings} ratings, {recommendations} lists, {photos} photo readings, {corrections} mood "
        f"corrections, {muted} muted artists and your settings."),
    "corrected": lambda mood: f"Thanks — noted as {mood}.",
    "previews_coming": lambda n: f"▶ Sending {n} preview{'s' if n != 1 else ''}…",
    "inline_hint": "Type a mood: calm, happy, rainy sunday…",
    "stale_command": ("My commands changed — use /mood with a photo (or /mood text:…); Discord may take a few minutes "
                      "to show the new ones."),
    "corrected_title": lambda mood: f"{EMOJI.get(mood, '')} You said {mood} — songs for a {mood} mood",
    "muted": lambda name: f"🔇 Muted {_short(name, 60)} — not in your lists any more (/settings to unmute).",
    "muted_group": lambda name: f"🔇 Muted {_short(name, 60)} for this group — not in its lists any more (/settings to unmute).",
    "admins_only": "Only the group's admins can change that.",
    "unmuted": lambda name: f"🔊 {_short(name, 60)} can come up in your lists again.",
}


def text(key: str, **params: Any) -> str:
    t = TEXTS[key]
    return t(**params) if callable(t) else t


_HELP_COMMON = (
    "Rate songs with 👍/👎 under my answer, or react to it (👍❤🔥🥰👏 / 👎💩😢; on Discord also 1️⃣–🔟 for one song): "
    "I learn what you like.\n\n"
)

# What differs between the platforms, as data: each one's name, command syntax and help. The
# sentences above take these words; no wording branches on the platform.
PLATFORMS: dict[str, dict[str, str]] = {
    "telegram": {
        "name": "Telegram",
        "download_limit": "Telegram lets bots download",
        "group_place": "in this group",
        "mode_example": "/mode match or /mode shift calm.",
        "settings_example": "/settings 7, /settings explicit on|off, /settings cards on|off.",
        "help": (
            "Send me a photo and I'll read its mood — faces, the scene, colour and light — and suggest songs "
            "that fit, with Spotify and YouTube Music links.\n\n" + _HELP_COMMON +
            "/mode match — songs that fit the photo (default)\n"
            "/mode shift [calm|happy|…] — start at the photo's mood and move step by step toward another\n"
            "/soundtrack — one playlist for the photos of the last hour in this chat (or reply it to a photo)\n"
            "/settings [1-10] — how many songs a list has; /settings explicit on|off — explicit songs (off in groups by default); "
            "/settings cards on|off — the picture of the mood\n"
            "/history — your last 30 moods as a picture (in a group: the group's)\n"
            "/forget — delete everything I stored about you\n\n"
            "In groups, mention me in the photo's caption or reply to one of my messages; /mode and /settings there "
            "apply to the whole group. Reactions reach me only where I am an admin."
        ),
    },
    "discord": {
        "name": "Discord",
        "download_limit": "I can read",
        "group_place": "in this channel",
        "mode_example": "/mode mode:match or /mode mode:shift target:calm.",
        "settings_example": "/settings songs:7 explicit:on|off cards:on|off.",
        "help": (
            "Use /mood with a photo, mention me in a message with a photo, or right-click a message → Apps → "
            "Soundtrack this. I read its mood — faces, the scene, colour and light — and suggest songs with Spotify "
            "and YouTube Music links.\n\n" + _HELP_COMMON +
            "/mode — match the photo (default) or shift toward a mood\n"
            "/soundtrack — one playlist for the photos of the last hour in this channel\n"
            "/settings songs:1-10 explicit:on|off cards:on|off — list length, explicit songs (off in servers by default), mood pictures\n"
            "/history — your last 30 moods as a picture (in a server channel: the channel's)\n"
            "/forget — delete everything I stored about you\n\n"
            "In a server, /mode and /settings apply to the whole channel."
        ),
    },
}


def _platform(platform: str) -> dict[str, str]:
    return PLATFORMS.get(platform, PLATFORMS["telegram"])


def help_text(platform: str) -> str:
    """How to use the bot, with the platform's own command syntax."""
    return _platform(platform)["help"]


# --- pictures: what the cards say -------------------------------------------------------------

def history_title(count: int, group: bool) -> str:
    whose = "This group's" if group else "Your"
    return f"{whose} last {count} mood{'s' if count != 1 else ''}"


def history_text(history, group: bool) -> str:
    """The words beside a history picture: the moods counted, the songs liked most."""
    if not history.readings:
        return ("No readings here yet — send a photo and I'll start your mood history." if not group
                else "No readings in this group yet — send a photo (mention me) and I'll start its mood history.")
    shown = history.readings[-8:]
    lines = [f"{history_title(len(history.readings), group)}, oldest to newest: "
             + " → ".join(f"{r.corrected} (corrected from {r.label})" if r.corrected else r.label for r in shown)
             + (" (the last 8)" if len(history.readings) > 8 else "")]
    lines.append("Moods: " + ", ".join(f"{EMOJI.get(label, '')} {label} × {n}" for label, n in history.counts) + ".")
    if history.liked:
        lines.append("Liked most: " + "; ".join(f"{t.artist} — {t.title}" for t in history.liked[:5]) + ".")
    return "\n".join(lines)
