"""Moodtune's command line: `python -m bot [COMMAND]`.

- `run` (the default): start the chat bots configured in `.env`; with no token, explain how to set
  one up and run the offline demo instead.
- `analyze FILE [FILE ...] [--json]`: read each photo's, GIF's or video's mood and suggest songs. A bad file is
  reported on its own line and never stops the others.
- `recommend --emotion LABEL | --va V A | --text WORDS`: songs for a mood without a photo.
- `rate`, `forget`: store a rating; delete everything about a person.
- `catalog import CSV [--replace]`, `catalog stats`: manage the track catalog.
- `demo`: analyse the photos shipped with Moodtune.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
from pathlib import Path
from typing import Optional

from bot import logs
from bot.cli_json import reading_to_dict, recommendation_to_dict
from bot.replies import error_text, reading_to_text, songs_to_text
from bot.root import open_services
from core.service.offline import catalog_stats, forget_person, import_catalog
from core.music.catalog import CatalogError
from core.emotions import LABELS, VA, UnknownLabel, normalize_label
from core.errors import UserError
from core.music.recommender import MAX_SONGS
from core.settings import Settings

DEMO_DIR = Path(__file__).resolve().parent / "demo"
log = logging.getLogger("bot.cli")

NO_TOKEN = """\
No bot token is set, so Moodtune is running its offline demo on the photos it ships with.
To start the bots, copy .env.example to .env and set TELEGRAM_BOT_TOKEN (from @BotFather in
Telegram) and/or DISCORD_BOT_TOKEN (from the Discord developer portal), then run `make run` again.
The README's "Create the bots" section walks through both.
"""


class UsageError(Exception):
    """A mistake in what the person asked for; printed as one line, exit code 2."""


async def analyze_files(paths: list[Path], settings: Settings, args, out=sys.stdout) -> int:
    """Analyse each file, suggest songs, print; returns how many files could not be read."""
    failures = 0
    async with open_services(settings) as services:
        app = services.moodtune
        for path in paths:
            reading = rec = error = None
            try:
                reading = await app.photos.read(path.read_bytes())
                rec = await app.songs.for_reading(reading, user=args.user, chat=args.chat, mode=args.mode, target=args.target,
                                                  n=args.n, group=args.group)
            except UserError as exc:  # a file we cannot read (photo or clip): its sentence, the others go on
                error = error_text(exc)
                log.info("refused %s: %s", path, exc)
            except OSError as exc:
                error = f"Can't open that file ({exc.strerror or exc})."
                log.info("cannot read %s: %s", path, exc)
            failures += error is not None
            if args.json:
                line = reading_to_dict(reading, file=str(path), error=error)
                line.update(recommendation_to_dict(rec, await _previews(app, rec, args)) if rec
                            else {"recommendation_id": None, "songs": []})
                print(json.dumps(line), file=out, flush=True)
            else:
                text = reading_to_text(reading, file=str(path), error=error)
                print(text + ("\n" + songs_to_text(rec) if rec else ""), file=out, flush=True)
    return failures


async def _previews(app, rec, args) -> Optional[dict]:
    """track id → preview URL (None: Deezer has none) when --previews was asked, else None."""
    return await app.previews.urls(rec) if getattr(args, "previews", False) else None


async def cmd_recommend(settings: Settings, args) -> int:
    if args.text is not None:
        return await _recommend_words(settings, args)
    async with open_services(settings, with_pipeline=False) as services:
        va = VA(*args.va) if args.va else None
        if va and not (-1 <= va.valence <= 1 and -1 <= va.arousal <= 1):
            raise UsageError("--va takes valence and arousal between -1 and 1.")
        rec = await services.moodtune.songs.for_mood(label=args.emotion, va=va, user=args.user, chat=args.chat, mode=args.mode,
                                                     target=args.target, n=args.n, group=args.group)
        previews = await _previews(services.moodtune, rec, args)
    if args.json:
        print(json.dumps(recommendation_to_dict(rec, previews)))
    else:
        print(songs_to_text(rec).lstrip())
    return 0


async def _recommend_words(settings: Settings, args) -> int:
    """recommend --text: the mood the words carry (said first), then the songs."""
    async with open_services(settings, with_pipeline=False) as services:
        try:
            reading, rec = await services.moodtune.songs.for_words(args.text, user=args.user, chat=args.chat, n=args.n,
                                                                   group=args.group)
        except UserError as exc:
            raise UsageError(error_text(exc)) from None
        previews = await _previews(services.moodtune, rec, args)
    if args.json:
        print(json.dumps({"words": {"label": reading.label, "distribution": {k: round(v, 4) for k, v in reading.distribution.items()},
                                    "words": list(reading.words), "source": reading.source}, **recommendation_to_dict(rec, previews)}))
    else:
        print(f"{reading.label} — from your words: {', '.join(reading.words)}")
        print(songs_to_text(rec).lstrip())
    return 0


async def cmd_rate(settings: Settings, args) -> int:
    async with open_services(settings, with_pipeline=False) as services:
        try:
            track = await services.moodtune.lists.rate_track(user=args.user, track=args.track, score=args.score,
                                                       recommendation=args.recommendation)
        except UserError as exc:
            raise UsageError(error_text(exc)) from None
    print(f"{'👍' if args.score > 0 else '👎'} saved: {track.artist} — {track.title} for {args.user}")
    return 0


async def cmd_forget(settings: Settings, args) -> int:
    counts = await forget_person(settings, args.user)
    print(f"Forgot {args.user}: {counts['ratings']} ratings, {counts['recommendations']} lists, {counts['settings']} settings deleted.")
    return 0


async def cmd_catalog(settings: Settings, args) -> int:
    if args.action == "import":
        report = await import_catalog(settings, args.csv, replace=args.replace)
        print(f"Imported {report.imported} tracks from {args.csv} ({report.skipped} rows skipped"
              + (f": {', '.join(f'{k} {v}' for k, v in report.skipped_reasons.items())}" if report.skipped else "")
              + f"). The catalog now holds {report.total} tracks.")
        if report.missing_optional:
            print(f"Missing optional columns, filled with neutral values: {', '.join(report.missing_optional)}.")
        return 0
    stats = await catalog_stats(settings)
    if args.json:
        print(json.dumps(stats))
    else:
        print(f"{stats['tracks']} tracks by {stats['artists']} artists; popularity known for {stats['with_popularity']} "
              f"({stats['popular']} popular), {stats['chart_hits']} chart hits, {stats['explicit']} explicit, "
              f"genres known for {stats['with_genres']}")
        print("by decade: " + ", ".join(f"{d}s {n}" for d, n in stats["by_decade"].items()))
        print("mean features: " + ", ".join(f"{k} {v}" for k, v in stats["mean"].items()))
    return 0


def demo_photos() -> list[Path]:
    return sorted(p for p in DEMO_DIR.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def _count(value: str) -> int:
    n = int(value)
    if not 1 <= n <= MAX_SONGS:
        raise argparse.ArgumentTypeError(f"choose between 1 and {MAX_SONGS} songs")
    return n


def _listing_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--mode", choices=("match", "shift"), help="match the mood (default) or shift it step by step")
    p.add_argument("--target", help=f"shift toward this mood (one of: {', '.join(LABELS)})")
    p.add_argument("--n", type=_count, help=f"how many songs (default 5, up to {MAX_SONGS})")
    p.add_argument("--user", help="whose taste to use and remember")
    p.add_argument("--chat", help="a chat whose members' ratings to blend in")
    p.add_argument("--group", action="store_true",
                   help="answer as in a group chat: explicit songs left out unless the chat allowed them")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--previews", action="store_true",
                   help="look up each song's 30-second preview on Deezer (a network call; off unless asked)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Moodtune: songs for the mood of a photo.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bots from .env (default); the offline demo without tokens")
    an = sub.add_parser("analyze", help="read the mood of photos and suggest songs")
    an.add_argument("photos", nargs="+", type=Path)
    _listing_options(an)
    rec = sub.add_parser("recommend", help="songs for a mood, without a photo")
    mood = rec.add_mutually_exclusive_group(required=True)
    mood.add_argument("--emotion", help=f"one of: {', '.join(LABELS)}")
    mood.add_argument("--va", nargs=2, type=float, metavar=("VALENCE", "AROUSAL"), help="a point, each -1..1")
    mood.add_argument("--text", help='a mood in words, e.g. "rainy sunday morning"')
    _listing_options(rec)
    rate = sub.add_parser("rate", help="rate a song for a person (re-rating replaces)")
    rate.add_argument("--user", required=True)
    rate.add_argument("--track", required=True, help="Spotify track id")
    rate.add_argument("--score", required=True, type=int, choices=(1, -1))
    rate.add_argument("--recommendation", type=int, help="the list the song was on")
    forget = sub.add_parser("forget", help="delete everything stored about a person")
    forget.add_argument("--user", required=True)
    cat = sub.add_parser("catalog", help="the track catalog")
    cat_sub = cat.add_subparsers(dest="action", required=True)
    imp = cat_sub.add_parser("import", help="import a Spotify-style CSV (idempotent)")
    imp.add_argument("csv", type=Path)
    imp.add_argument("--replace", action="store_true", help="make this file the whole catalog")
    stats = cat_sub.add_parser("stats", help="summarise the loaded catalog")
    stats.add_argument("--json", action="store_true")
    demo = sub.add_parser("demo", help="analyse the photos shipped with Moodtune")
    _listing_options(demo)
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = Settings()
    logs.configure(args.verbose, secrets=[s.get_secret_value() for s in (
        settings.telegram_token, settings.discord_token, settings.spotify_client_secret) if s is not None])
    try:
        for name in ("emotion", "target"):  # a mood's name is parsed here, where it comes in, before anything opens
            if getattr(args, name, None):
                setattr(args, name, normalize_label(getattr(args, name)))
        if args.command == "analyze":
            failures = asyncio.run(analyze_files(args.photos, settings, args))
            return 1 if failures == len(args.photos) else 0
        if args.command == "recommend":
            return asyncio.run(cmd_recommend(settings, args))
        if args.command == "rate":
            return asyncio.run(cmd_rate(settings, args))
        if args.command == "forget":
            return asyncio.run(cmd_forget(settings, args))
        if args.command == "catalog":
            return asyncio.run(cmd_catalog(settings, args))
        if args.command == "demo":
            asyncio.run(analyze_files(demo_photos(), settings, args))
            return 0
        # run (the default)
        if not (settings.telegram_token or settings.discord_token):
            print(NO_TOKEN, file=sys.stderr)
            args = parser.parse_args(["demo"])
            asyncio.run(analyze_files(demo_photos(), settings, args))
            return 0
        from bot.runner import StartupError, serve

        # a running bot logs what it does (refused photos, reactions stored) at INFO; libraries stay quiet
        for name in ("bot", "core", "models"):
            logging.getLogger(name).setLevel(logging.INFO)
        try:
            asyncio.run(serve(settings))
        except StartupError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        return 0
    except (UsageError, UnknownLabel, CatalogError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
