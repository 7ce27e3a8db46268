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
from bot.i18n import N_, _, language_name, ngettext, number, percent, pgettext

log = logging.getLogger(__name__)


# --- readings and songs as sentences ----------------------------------------------------------

def _mood_names() -> dict[str, str]:
    """Each mood's name in the language of the moment, written out so the extraction puts every one
    in the catalogs (tests/test_i18n.py checks each language names all eleven)."""
    return {
        "angry": pgettext("mood", "angry"), "disgust": pgettext("mood", "disgust"), "fear": pgettext("mood", "fear"),
        "happy": pgettext("mood", "happy"), "sad": pgettext("mood", "sad"), "surprise": pgettext("mood", "surprise"),
        "neutral": pgettext("mood", "neutral"), "calm": pgettext("mood", "calm"), "romantic": pgettext("mood", "romantic"),
        "energetic": pgettext("mood", "energetic"), "nostalgic": pgettext("mood", "nostalgic"),
    }


def mood_name(label: str) -> str:
    """A mood as the person's language names it ('happy'; Russian 'радость'): one catalog lookup."""
    return pgettext("mood", label)


def colour_words(detail: dict) -> str:
    """'bright, vivid, warm' from the colour signal's measurements."""
    words = []
    b, s, w = detail.get("brightness"), detail.get("saturation"), detail.get("warmth")
    if b is not None:
        words.append(pgettext("colour", "bright") if b > 0.6 else pgettext("colour", "dark") if b < 0.3 else "")
    if s is not None:
        words.append(pgettext("colour", "vivid") if s > 0.5 else pgettext("colour", "muted") if s < 0.15 else "")
    if w is not None:
        words.append(pgettext("colour", "warm") if w > 0.15 else pgettext("colour", "cool") if w < -0.15 else "")
    return ", ".join(x for x in words if x) or pgettext("colour", "balanced")


def _scene_names() -> dict[str, str]:
    """The scene model's scenes (models.clip_prompts.SCENES) as the language of the moment names them,
    written out for the extraction like `_mood_names`."""
    return {
        "beach": pgettext("scene", "beach"), "sunset": pgettext("scene", "sunset"), "party": pgettext("scene", "party"),
        "concert": pgettext("scene", "concert"), "sports": pgettext("scene", "sports"), "wedding": pgettext("scene", "wedding"),
        "couple": pgettext("scene", "couple"), "forest": pgettext("scene", "forest"), "mountains": pgettext("scene", "mountains"),
        "city night": pgettext("scene", "city night"), "rain": pgettext("scene", "rain"), "snow": pgettext("scene", "snow"),
        "old photo": pgettext("scene", "old photo"), "food": pgettext("scene", "food"), "pets": pgettext("scene", "pets"),
        "storm": pgettext("scene", "storm"), "cemetery": pgettext("scene", "cemetery"), "protest": pgettext("scene", "protest"),
        "abandoned": pgettext("scene", "abandoned"), "selfie": pgettext("scene", "selfie"),
    }


def scene_name(name: str) -> str:
    return pgettext("scene", name)


def signal_words(s: SignalReading) -> str:
    """What one signal saw: '2 faces', 'the scene (beach at sunset)', 'colour (bright, warm)'."""
    if s.name == "faces":
        n = s.detail.get("count", 0)
        found = s.detail.get("found", n)
        if found > n:  # a crowd: the most prominent were read, and the answer says so
            return ngettext("{n} of {found} face", "{n} of {found} faces", found).format(n=n, found=found)
        return ngettext("{n} face", "{n} faces", n).format(n=n)
    if s.name == "scene":
        scenes = s.detail.get("scenes") or []
        return _("the scene ({scene})").format(scene=scene_name(scenes[0][0])) if scenes else _("the scene")
    return _("colour ({words})").format(words=colour_words(s.detail))


def explain(reading: MoodReading) -> str:
    """One sentence: the label, then which signals it rests on and how much each contributed."""
    parts = [_("{signal} says {mood} ({share} of the weight)").format(signal=signal_words(s), mood=mood_name(s.top),
                                                                      share=percent(s.weight))
             for s in sorted((s for s in reading.signals if s.available), key=lambda s: -s.weight)]
    if not parts:
        return _("No signal could be read from this photo.")
    text = _("{mood} ({confidence} confident), from {signals}.").format(
        mood=mood_name(reading.label).capitalize(), confidence=percent(reading.confidence), signals="; ".join(parts))
    missing = [f"{s.name}: {s.reason}" for s in reading.signals if not s.available]
    if missing:
        text += " " + _("Not used — {signals}.").format(signals="; ".join(missing))
    return text


FEEL = {"upbeat": N_("upbeat"), "intense": N_("intense"), "gentle": N_("gentle"), "heavy": N_("slow and heavy-hearted"),
        "bright": N_("bright"), "mellow": N_("mellow"), "moody": N_("moody")}


def song_reason(r: SongReason) -> str:
    """'upbeat, major key, 124 BPM — matches happy; you liked ABBA (step 2 of 9 toward calm)'."""
    feel = [_(FEEL[r.feel]) if r.feel in FEEL else r.feel] + ([_("acoustic")] if r.acoustic else [])
    if r.major is not None:
        feel.append(_("major key") if r.major else _("minor key"))
    feel.append(_("{bpm} BPM").format(bpm=r.bpm))
    text = _("{sound} — matches {mood}").format(sound=", ".join(feel), mood=mood_name(r.matches))
    if r.main_mood:
        text += " " + _("(also in this reading)")
    extras = []
    if r.liked_artist:
        extras.append(_("you liked {artist}").format(artist=r.liked_artist))
    if r.your_taste and not r.liked_artist:
        extras.append(_("close to what you liked"))
    if r.others_liked:
        extras.append(_("others liked it for this mood"))
    if r.decade:
        extras.append(_("from the {decade}s").format(decade=f"{r.decade % 100:02d}"))
    if r.lesser_known:
        extras.append(_("a lesser-known find"))
    text += ("; " + ", ".join(extras)) if extras else ""
    if r.step:
        text += " " + _("(step {k} of {n} toward {mood})").format(k=r.step[0], n=r.step[1], mood=mood_name(r.step[2]))
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
        return "  " + _(NO_SONGS)
    head = f"  Songs ({'shifting toward ' + rec.target if rec.mode == 'shift' else 'matching ' + rec.mood}), list #{rec.id}:"
    lines = [head]
    for i, s in enumerate(rec.songs, 1):
        t = s.track
        era = f" ({t.year or str(t.era) + 's'})" if (t.year or t.era) else ""
        lines.append(f"  {i}. {t.artist} — {t.title}{era} · {song_reason(s.reason)}")
        lines.append(f"     {s.spotify_url}  ·  {t.youtube_url}")
    return "\n".join(lines)


NO_SONGS = N_("No songs to suggest — the catalog is empty or you have disliked everything that fits.")


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
        Button(_("🌿 Shift to calm"), encode_action(Action("shift", rec.id, target="calm"))),
        Button(_("☀️ Shift to happy"), encode_action(Action("shift", rec.id, target="happy"))),
        Button(_("➕ More like this"), encode_action(Action("more", rec.id))),
    ])
    if previews:  # first on its row: the control people look for
        packed[-1].insert(0, Button(_("▶ Listen"), encode_action(Action("previews", rec.id))))
    if correctable:
        packed[-1].append(Button(_("🤔 Not this mood?"), encode_action(Action("moods", rec.id))))
    packed.append([Button(_("💾 Save to Spotify"), encode_action(Action("save", rec.id))),
                   Button(_("📄 Export"), encode_action(Action("export", rec.id)))])
    return packed


def _others(pairs) -> str:
    """'calm 20%, sad 10%': the next moods of a reading with their shares."""
    return ", ".join(f"{mood_name(lab)} {percent(p)}" for lab, p in pairs)


def words_reply(reading, rec, previews: bool = True) -> Reply:
    """The answer to a mood in words: the mood, the words it rests on, and the songs."""
    others = _others(sorted(reading.distribution.items(), key=lambda kv: -kv[1])[1:3])
    words = ", ".join(_short(w, 20) for w in reading.words[:6])
    details = [_("From your words: {words} (read against the same mood prompts as photos).").format(words=words)
               if reading.source == "clip" else _("From your words: {words} (from my table of mood words).").format(words=words)]
    if others:
        details.append(_("Also in them: {moods}.").format(moods=others))
    return Reply(headline=_("{emoji} {mood} — in your words").format(emoji=EMOJI.get(reading.label, ""),
                                                                      mood=mood_name(reading.label).capitalize()),
                 details=details + [_list_heading(rec)], songs=_song_items(rec),
                 buttons=_buttons(rec, previews=previews) if rec.songs and rec.id is not None else [],
                 note="" if rec.songs else _(NO_SONGS))


def inline_description(mood: str, playable: bool) -> str:
    if playable:
        return _("for a {mood} mood · 30-second preview").format(mood=mood_name(mood))
    return _("for a {mood} mood · Spotify link").format(mood=mood_name(mood))


def inline_refusal(exc: UserError) -> str:
    """The hint an inline query shows instead of songs (Telegram shows it as a button, ≤ 64 chars)."""
    if exc.kind in ("no_words", "no_mood_in_words"):
        return text("inline_hint")
    return _short(error_text(exc), 60)


def no_previews(tracks) -> str:
    """Which songs have no preview this time, by name."""
    names = "; ".join(f"{_short(t.artist, 40)} — {_short(t.title, 50)}" for t in tracks[:10])
    return _("No preview for {songs}.").format(songs=names) if names else _("No previews this time.")


def mood_choices(recommendation: int, said: str, choices: list[str]) -> Reply:
    """'Not this mood?': the moods to choose from, the ones the reading nearly said first."""
    buttons = [Button(f"{EMOJI.get(label, '')} {mood_name(label)}", encode_action(Action("correct", recommendation, target=label)))
               for label in choices]
    return Reply(headline=_("I read {mood}. Which mood is it?").format(mood=mood_name(said)),
                 details=[_("The ones I nearly said come first.")],
                 buttons=[buttons[k:k + 3] for k in range(0, len(buttons), 3)])


def mute_offer(recommendation: int, position: int, names: list[str]) -> Reply:
    """After a 👎: mute the song's artists for this person."""
    return Reply(headline=_("Not for you? I can leave an artist out of your lists."),
                 buttons=[[Button(_("🔇 Mute {artist}").format(artist=_short(name, 40)),
                                  encode_action(Action("mute", recommendation, position=position, credit=k)))
                           for k, name in enumerate(names)]])


def settings_with_muted(words: str, muted: list[str], group: bool = False) -> Reply:
    """The settings and the artists muted here (a person's own; in a group, the group's, which its
    admins set), each with a button to unmute."""
    names = ", ".join(muted)
    line = (_("Muted for this group (by its admins): {artists}.") if group
            else _("Muted artists (only for your own lists): {artists}.")).format(artists=names)
    return Reply(headline=words, details=[line],
                 buttons=[[Button(_("🔊 Unmute {artist}").format(artist=_short(name, 40)),
                                  encode_action(Action("unmute", 0, position=k, target="g" if group else None)))]
                          for k, name in enumerate(muted[:20])])


def _list_heading(rec) -> str:
    if rec.mode == "shift":
        return _("Songs that start at {mood} and move toward {target}:").format(mood=mood_name(rec.mood),
                                                                               target=mood_name(rec.target))
    return _("Songs for a {mood} mood:").format(mood=mood_name(rec.mood))


def _basis(s: SignalReading) -> str:
    """What a photo's answer says a signal was, with its share: '2 faces (60%)', 'the scene (30%)'."""
    if s.name == "faces":
        return _("{faces} ({share})").format(faces=signal_words(s), share=percent(s.weight))
    if s.name == "scene":
        return _("the scene ({share})").format(share=percent(s.weight))
    return _("colour and light ({share})").format(share=percent(s.weight))


def photo_reply(reading: MoodReading, rec, previews: bool = True) -> Reply:
    """The answer to a photo: the mood, how sure, what it rests on, and the songs."""
    others = _others(reading.top[1:])
    used = [s for s in reading.signals if s.available and s.weight > 0]
    basis = ", ".join(_basis(s) for s in sorted(used, key=lambda s: -s.weight))
    details = [_("Also possible: {moods}.").format(moods=others) if others else "", _("Read from {signals}.").format(signals=basis)]
    if reading.kind == "album":
        n = len(reading.parts)
        details.insert(0, ngettext("The mood of your {n} photo together.", "The mood of your {n} photos together.", n).format(n=n))
    elif reading.kind == "video":
        moved = movement(reading)
        n = len(reading.parts)
        details.insert(0, ngettext("Read from {n} frame of the clip — it starts {start} and ends {end}.",
                                   "Read from {n} frames of the clip — it starts {start} and ends {end}.", n).format(
                           n=n, start=mood_name(moved[0]), end=mood_name(moved[1])) if moved else
                       ngettext("Read from {n} frame of the clip — the mood holds steady.",
                                "Read from {n} frames of the clip — the mood holds steady.", n).format(n=n))
    scene = next((s for s in reading.signals if s.name == "scene"), None)
    if scene is not None and not scene.available:
        details.append(_("Scene analysis was unavailable this time."))
    faces = next((s for s in reading.signals if s.name == "faces"), None)
    note = ""
    if faces is not None and not faces.available and (scene is None or not scene.available):
        note = _("I found no face and couldn't read the scene, so this rests on colour and light alone — take it lightly.")
    elif reading.confidence < 0.3:
        note = _("I'm not very sure about this one.")
    reply = Reply(
        headline=_("{emoji} {mood} — {confidence} sure").format(emoji=EMOJI.get(reading.label, ""),
                                                               mood=mood_name(reading.label).capitalize(),
                                                               confidence=percent(reading.confidence)),
        details=[d for d in details if d] + [_list_heading(rec)],
        songs=_song_items(rec),
        buttons=_buttons(rec, correctable=True, previews=previews) if rec.songs and rec.id is not None else [],
        note=note,
    )
    if not rec.songs:
        reply.details.append(_(NO_SONGS))
    return reply


def list_reply(rec, headline: str, previews: bool = True) -> Reply:
    """A list without a photo reading (soundtrack, more, shift)."""
    return Reply(
        headline=headline,
        details=[_list_heading(rec)],
        songs=_song_items(rec),
        buttons=_buttons(rec, previews=previews) if rec.songs and rec.id is not None else [],
        note="" if rec.songs else _(NO_SONGS),
    )


# --- what the bots say: errors, commands, help -------------------------------------------------

def _short(value: object, limit: int = 30) -> str:
    """A person's own words echoed back, never long (a 5 KB argument would make the reply too long
    to send)."""
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def _mb(x: float) -> str:
    return _("{mb} MB").format(mb=number(x, 1))


ERRORS: dict[str, Any] = {
    # photos
    "empty": N_("That file is empty — nothing to look at."),
    "too_many_bytes": lambda mb, max_mb: _("That file is {size}; I can read photos up to {max}.").format(size=_mb(mb), max=_mb(max_mb)),
    "not_an_image": lambda what=None: (_("That file isn't an image I can read ({what}).").format(what=_short(what)) if what
                                       else _("That file isn't an image I can read.")),
    "unsupported_format": lambda format: _("I can't read {format} images; please send a JPEG, PNG, WebP, HEIC, BMP, TIFF or GIF.").format(
        format=_short(format)),
    "too_many_pixels": lambda mp=None, max_mp=0, width=None, height=None: (
        _("That image is {width}×{height} pixels ({mp} MP); I can read up to {max} MP.").format(
            width=width, height=height, mp=number(mp or 0, 0), max=number(max_mp, 0)) if width else
        _("That image is {mp} MP; I can read up to {max} MP.").format(mp=number(mp, 0), max=number(max_mp, 0)) if mp else
        _("That image is far too large; I can read up to {max} MP.").format(max=number(max_mp, 0))),
    "too_small": lambda width, height: _("That image is only {width}×{height} pixels — too small to read a mood from.").format(
        width=width, height=height),
    "damaged": N_("That image looks damaged or cut off — could you send it again?"),
    "bad_image": N_("I couldn't read that image — could you send it again?"),
    "file_too_big": lambda mb, max_mb, platform: _platform(platform)["file_too_big"]().format(size=_mb(mb), max=number(max_mb, 0)),
    "not_a_file_image": lambda name: _(
        "{name} isn't an image I can read — attach a photo (JPEG, PNG, WebP, HEIC…), a GIF or a video.").format(name=_short(name, 60)),
    "download_failed": lambda platform: _platform(platform)["download_failed"](),
    "no_image": N_("I need a message with an image attached."),
    # GIFs and videos
    "empty_video": N_("That clip is empty — nothing to watch."),
    "video_too_big": lambda mb, max_mb: _("That clip is {size}; I can read clips up to {max} MB.").format(size=_mb(mb), max=number(max_mb, 0)),
    "damaged_video": N_("I couldn't play that clip — it looks damaged or cut off. Could you send it again?"),
    "no_video_stream": N_("That file has no pictures in it (only sound?) — send a photo, GIF or video."),
    "video_too_large": lambda width, height, max_side: _(
        "That clip is {width}×{height} pixels; I can read clips up to {max} pixels a side.").format(width=width, height=height, max=max_side),
    "video_too_long": lambda seconds, max_seconds: _("That clip is {seconds} s long; I read clips up to {max} s.").format(
        seconds=number(seconds, 0), max=number(max_seconds, 0)),
    "no_image_mention": N_("Attach a photo when you mention me and I'll find songs for its mood."),
    # limits
    "rate_limited": N_("That's a lot of photos — try again in a moment."),
    "person_limit": lambda per_minute: ngettext(
        "That's a lot of photos — I read up to {n} a minute per person. Try again in a moment.",
        "That's a lot of photos — I read up to {n} a minute per person. Try again in a moment.", per_minute).format(n=per_minute),
    "chat_busy": N_("I'm still working on the photos sent here — send more in a moment."),
    "busy": lambda seconds=None: (
        _("So many photos are waiting that yours would wait {wait} — please send it again in a few minutes.").format(wait=_wait(seconds))
        if seconds else _("I'm busy with other photos right now — please try again in a moment.")),
    "shutting_down": N_("I'm restarting — please send that again in a minute."),
    # lists and settings
    "nothing_to_do": N_("There's nothing to do here yet."),
    "no_recent_photos": N_("I haven't seen any photos here in the last hour. Send some (mention me in groups), "
                           "or reply /soundtrack to a photo."),
    "list_gone": N_("That list is no longer available — send a new photo for fresh songs."),
    "saved_song_gone": N_("Saved — but that song is no longer in the catalog."),
    "not_your_photo": N_("Only the person who sent the photo can correct its mood."),
    "no_reading_to_correct": N_("That list didn't come from a photo, so there's no mood to correct."),
    "not_muted": N_("That artist isn't muted any more — see /settings."),
    "previews_off": N_("Previews are turned off here."),
    "previews_cooldown": lambda seconds: _("Previews were just sent here — try again in {seconds} s.").format(seconds=seconds),
    "no_words": N_("Tell me a mood in words after /mood — e.g. /mood rainy sunday morning — or send a photo."),
    "no_mood_in_words": lambda text: _("I couldn't find a mood in “{text}” — try words like calm, happy, rainy, party or "
                                       "nostalgic, or send a photo.").format(text=_short(text, 40)),
    "unknown_track": lambda track: _("No track with id {track} in the catalog.").format(track=_short(track, 40)),
    "not_in_list": lambda track, recommendation: _("List #{list} does not hold track {track}.").format(
        list=recommendation, track=_short(track, 40)),
    "bad_score": N_("A rating is +1 (liked) or -1 (not liked)."),
    "bad_mode": N_("Modes are match (songs that fit the photo) and shift (start there, move toward a mood)."),
    "unknown_mood": lambda name, labels: _("I don't know the mood '{name}'. Try one of: {moods}.").format(
        name=_short(name), moods=", ".join(mood_name(lab) for lab in labels)),
    "bad_length": lambda max: _("Lists can hold 1 to {max} songs — e.g. /settings 7.").format(max=max),
    "bad_explicit": N_("Explicit songs are on or off — e.g. /settings explicit off."),
    "bad_cards": N_("Mood pictures are on or off — e.g. /settings cards off."),
    "bad_language": lambda code, languages: _("I don't speak “{code}” yet. I speak: {languages}.").format(
        code=_short(code, 20), languages=languages),
    # keeping a list
    "spotify_not_configured": N_("Saving to Spotify isn't set up on this bot — 📄 Export gives you the list to take anywhere."),
    "nothing_to_save": N_("There's no list of yours here to save yet — send a photo first."),
    "bad_spotify": N_("Your Spotify sign-in can only be turned off here — e.g. /settings spotify off."),
    "sign_in_unknown": N_("That sign-in link isn't valid any more — press 💾 Save to Spotify again."),
    "sign_in_expired": N_("That sign-in took too long or was already used — press 💾 Save to Spotify again."),
    "sign_in_cancelled": N_("Spotify sign-in was cancelled — nothing was saved."),
    "spotify_busy": N_("Spotify is busy right now — nothing was saved; please try again in a minute."),
    "spotify_revoked": N_("Spotify no longer lets me use your account — press 💾 Save to Spotify to sign in again."),
    "spotify_refused": N_("Spotify refused that — nothing was saved."),
    # the error boundaries
    "database_busy": N_("I'm saving a lot right now — please try that again in a moment."),
    "database_away": N_("I can't reach my database right now — please try again in a minute."),
    "unexpected": N_("Something went wrong on my side — please try again in a moment."),
}


def error_text(exc: UserError | str) -> str:
    """The sentence for an expected refusal (a UserError, or a kind of our own), in the current language."""
    kind, params = (exc, {}) if isinstance(exc, str) else (exc.kind, exc.params)
    template = ERRORS.get(kind) or ERRORS["unexpected"]
    try:
        return template(**params) if callable(template) else _(template)
    except (TypeError, ValueError, KeyError):  # a fact missing: still one clear sentence (a test checks every kind)
        log.warning("no wording for %s with %s", kind, params)
        return _(ERRORS["bad_image"] if isinstance(exc, ImageError) else ERRORS["unexpected"])


def _mode_words(mode: str, target: Optional[str]) -> str:
    if mode != "shift":
        return _("Mode: match.")
    if target:
        return _("Mode: shift toward {mood}.").format(mood=mood_name(target))
    return _("Mode: shift toward calm or happy (I pick from the photo).")


def _explicit_words(allowed: bool, group: bool, platform: str) -> str:
    if not group:
        return _("Explicit songs: allowed for you.") if allowed else _("Explicit songs: left out for you.")
    key = "explicit_allowed" if allowed else "explicit_left_out"
    return _platform(platform)[key]()


def _wait(seconds: float) -> str:
    """An expected wait as a person says it: 'about 20 s', 'about 2 minutes'."""
    if seconds < 90:
        return _("about {seconds} s").format(seconds=number(seconds, 0))
    minutes = round(seconds / 60)
    return ngettext("about {n} minute", "about {n} minutes", minutes).format(n=minutes)


TEXTS: dict[str, Any] = {
    "queued": lambda seconds, ahead: ngettext(
        "📥 Lots of photos right now: yours is queued behind {n}, {wait}. I'll answer here.",
        "📥 Lots of photos right now: yours is queued behind {n}, {wait}. I'll answer here.", ahead).format(n=ahead, wait=_wait(seconds)),
    "nothing_liked": N_("Nothing liked yet: rate songs with the thumbs-up buttons."),
    "no_sender": N_("I can only answer people in a chat — send it from your account in a chat with me."),
    "not_a_photo": N_("Stickers don't work for me — send a photo, GIF or video and I'll find songs for its mood."),
    "old_button": N_("That button is from an older version — send a new photo."),
    "buttons_in_chat_only": N_("These buttons work in the chat where the list was shown."),
    "rated": lambda score, title: (_("👍 saved: {title}") if score > 0 else _("👎 saved: {title}")).format(title=_short(title, 80)),
    "soundtrack_title": lambda count: ngettext("🎬 Soundtrack of {n} photo", "🎬 Soundtrack of {n} photos", count).format(n=count),
    "soundtrack_building": N_("🎬 Building a soundtrack from this chat's recent photos…"),
    "shift_title": lambda mood, target: _("🧭 From {mood} toward {target}").format(mood=mood_name(mood), target=mood_name(target)),
    "more_title": lambda mood: _("➕ More for a {mood} mood").format(mood=mood_name(mood)),
    "mode_is": lambda mode, target, platform: _("{mode} Change it with {example}").format(
        mode=_mode_words(mode, target), example=_platform(platform)["mode_example"]),
    "mode_set": lambda mode, target, group: (
        (_("Mode set: songs that match the photo — for everyone here.") if group else _("Mode set: songs that match the photo."))
        if mode == "match" else
        (_("Mode set: shift toward {mood} — for everyone here.") if group else _("Mode set: shift toward {mood}.")).format(
            mood=mood_name(target) if target else _("calm or happy (I pick from the photo)"))),
    "settings_are": lambda songs, mode, target, explicit, cards, group, platform, language="en": " ".join([
        _("Songs per list: {n}.").format(n=songs or 5), _mode_words(mode, target), _explicit_words(explicit, group, platform),
        _("Mood pictures: on.") if cards else _("Mood pictures: off."),
        _("Language: {language}.").format(language=language_name(language)),
        _("Change with {example}").format(example=_platform(platform)["settings_example"])]),
    "forgotten": lambda ratings=0, recommendations=0, settings=0, photos=0, corrections=0, muted=0, spotify=0, sign_ins=0: _(
        "Done — I deleted everything I stored about you: ratings ({ratings}), lists ({lists}), photo readings ({photos}), "
        "mood corrections ({corrections}), muted artists ({muted}) and your settings.").format(
        ratings=ratings, lists=recommendations, photos=photos, corrections=corrections, muted=muted)
        + (" " + _("Your Spotify sign-in is gone too.") if spotify else ""),
    "corrected": lambda mood: _("Thanks — noted as {mood}.").format(mood=mood_name(mood)),
    "previews_coming": lambda n: ngettext("▶ Sending {n} preview…", "▶ Sending {n} previews…", n).format(n=n),
    "inline_hint": N_("Type a mood: calm, happy, rainy sunday…"),
    "stale_command": N_("My commands changed — use /mood with a photo (or /mood text:…); Discord may take a few minutes "
                        "to show the new ones."),
    "corrected_title": lambda mood: _("{emoji} You said {mood} — songs for a {mood} mood").format(
        emoji=EMOJI.get(mood, ""), mood=mood_name(mood)),
    "muted": lambda name: _("🔇 Muted {artist} — not in your lists any more (/settings to unmute).").format(artist=_short(name, 60)),
    "muted_group": lambda name: _("🔇 Muted {artist} for this group — not in its lists any more (/settings to unmute).").format(
        artist=_short(name, 60)),
    "admins_only": N_("Only the group's admins can change that."),
    "unmuted": lambda name: _("🔊 {artist} can come up in your lists again.").format(artist=_short(name, 60)),
    "saved_toast": N_("💾 Saved to Spotify"),
    "saved_playlist": lambda url: _("💾 Saved as a private playlist in your Spotify: {url}").format(url=url),
    "sign_in_toast": N_("💾 I sent you a sign-in link"),
    "sign_in": lambda url: _("💾 To save lists to your Spotify, sign in once (only the permission to make private "
                             "playlists is asked; the link works for 10 minutes): {url}").format(url=url),
    "open_private_chat": N_("I can't message you privately yet: open a chat with me (tap my name → Message → Start), then "
                            "press 💾 again."),
    "signed_in": N_("💾 You're signed in to Spotify: 💾 saves lists straight away from now on."),
    "sign_in_page_done": N_("Done — you can close this page and go back to the chat."),
    "exported": N_("📄 Here is the list as a file"),
    "export_note": N_("📄 The list as text (artist — title — Spotify link): playlist-transfer services read it."),
    "spotify_off": N_("Done — I forgot your Spotify sign-in."),
    "spotify_was_off": N_("You weren't signed in to Spotify."),
    "language_set": lambda language, group: (
        _("This group's shared messages are in {language} now.") if group else _("I'll speak {language} with you now.")).format(
        language=language_name(language)),
}


def text(key: str, **params: Any) -> str:
    t = TEXTS[key]
    return t(**params) if callable(t) else _(t)


def _help_common() -> str:
    return _("Rate songs with 👍/👎 under my answer, or react to it (👍❤🔥🥰👏 / 👎💩😢; on Discord also 1️⃣–🔟 for one "
             "song): I learn what you like.")


def _telegram_help() -> str:
    return "\n\n".join([
        _("Send me a photo and I'll read its mood — faces, the scene, colour and light — and suggest songs that fit, with "
          "Spotify and YouTube Music links."),
        _help_common(),
        "\n".join([
            _("/mode match — songs that fit the photo (default)"),
            _("/mode shift [calm|happy|…] — start at the photo's mood and move step by step toward another"),
            _("/soundtrack — one playlist for the photos of the last hour in this chat (or reply it to a photo)"),
            _("/settings [1-10] — how many songs a list has; /settings explicit on|off — explicit songs (off in groups by "
              "default); /settings cards on|off — the picture of the mood; /settings language en|ru|es|de|pt — my language"),
            _("/history — your last 30 moods as a picture (in a group: the group's)"),
            _("/save — your last list as a private Spotify playlist (💾 under a list saves that one, 📄 exports it as a "
              "file); /settings spotify off — forget your Spotify sign-in"),
            _("/forget — delete everything I stored about you"),
        ]),
        _("In groups, mention me in the photo's caption or reply to one of my messages; /mode and /settings there apply to "
          "the whole group. Reactions reach me only where I am an admin."),
    ])


def _discord_help() -> str:
    return "\n\n".join([
        _("Use /mood with a photo, mention me in a message with a photo, or right-click a message → Apps → Soundtrack this. "
          "I read its mood — faces, the scene, colour and light — and suggest songs with Spotify and YouTube Music links."),
        _help_common(),
        "\n".join([
            _("/mode — match the photo (default) or shift toward a mood"),
            _("/soundtrack — one playlist for the photos of the last hour in this channel"),
            _("/settings songs:1-10 explicit:on|off cards:on|off language:… — list length, explicit songs (off in servers by "
              "default), mood pictures, my language"),
            _("/history — your last 30 moods as a picture (in a server channel: the channel's)"),
            _("/save — your last list as a private Spotify playlist (💾 under a list saves that one, 📄 exports it as a "
              "file); /settings spotify:off — forget your Spotify sign-in"),
            _("/forget — delete everything I stored about you"),
        ]),
        _("In a server, /mode and /settings apply to the whole channel."),
    ])


# What differs between the platforms, as data: each one's command syntax and its own sentences
# (whole sentences, never pieces of one). Sentences are functions, so they are said in the language
# of the moment.
PLATFORMS: dict[str, dict[str, Any]] = {
    "telegram": {
        "mode_example": "/mode match, /mode shift calm.",
        "settings_example": "/settings 7, /settings explicit on|off, /settings cards on|off, /settings language ru.",
        "file_too_big": lambda: _("That file is {size}; Telegram lets bots download files up to {max} MB."),
        "download_failed": lambda: _("I couldn't download that photo from Telegram — please send it again."),
        "explicit_allowed": lambda: _("Explicit songs: allowed in this group."),
        "explicit_left_out": lambda: _("Explicit songs: left out in this group."),
        "help": _telegram_help,
    },
    "discord": {
        "mode_example": "/mode mode:match, /mode mode:shift target:calm.",
        "settings_example": "/settings songs:7 explicit:on|off cards:on|off language:…",
        "file_too_big": lambda: _("That file is {size}; I can read files up to {max} MB."),
        "download_failed": lambda: _("I couldn't download that photo from Discord — please send it again."),
        "explicit_allowed": lambda: _("Explicit songs: allowed in this channel."),
        "explicit_left_out": lambda: _("Explicit songs: left out in this channel."),
        "help": _discord_help,
    },
}


def _platform(platform: str) -> dict[str, Any]:
    return PLATFORMS.get(platform, PLATFORMS["telegram"])


def help_text(platform: str) -> str:
    """How to use the bot, with the platform's own command syntax."""
    return _platform(platform)["help"]()


# --- pictures: what the cards say -------------------------------------------------------------

def history_title(count: int, group: bool) -> str:
    if group:
        return ngettext("This group's last {n} mood", "This group's last {n} moods", count).format(n=count)
    return ngettext("Your last {n} mood", "Your last {n} moods", count).format(n=count)


def history_text(history, group: bool) -> str:
    """The words beside a history picture: the moods counted, the songs liked most."""
    if not history.readings:
        return (_("No readings here yet — send a photo and I'll start your mood history.") if not group
                else _("No readings in this group yet — send a photo (mention me) and I'll start its mood history."))
    shown = history.readings[-8:]
    path = " → ".join(_("{mood} (corrected from {said})").format(mood=mood_name(r.corrected), said=mood_name(r.label))
                      if r.corrected else mood_name(r.label) for r in shown)
    title = history_title(len(history.readings), group)
    lines = [(_("{title}, oldest to newest (the last 8): {moods}") if len(history.readings) > 8
              else _("{title}, oldest to newest: {moods}")).format(title=title, moods=path)]
    lines.append(_("Moods: {counts}.").format(counts=", ".join(f"{EMOJI.get(label, '')} {mood_name(label)} × {n}"
                                                                for label, n in history.counts)))
    if history.liked:
        lines.append(_("Liked most: {songs}.").format(songs="; ".join(f"{t.artist} — {t.title}" for t in history.liked[:5])))
    return "\n".join(lines)


def card_words() -> dict[str, str]:
    """The words drawn on the pictures (bot.cards), in the language of the moment."""
    return {"pleasant": _("pleasant"), "unpleasant": _("unpleasant"), "energetic": pgettext("axis", "energetic"),
            "calm": pgettext("axis", "calm"), "songs": _("Songs"), "liked": _("Liked most")}
