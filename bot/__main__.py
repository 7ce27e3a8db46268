"""Moodtune's command line: `python -m bot [run|analyze|demo]`.

- `run` (the default): start the chat bots configured in `.env`; with no token, explain how to set
  one up and run the offline demo instead.
- `analyze PHOTO [PHOTO ...] [--json]`: read each photo's mood. A bad file is reported on its own
  line and never stops the others.
- `demo`: analyse the photos shipped with Moodtune.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path
from typing import Iterable, Optional

from bot.replies import reading_to_dict, reading_to_text
from core.images import ImageError
from core.settings import Settings

DEMO_DIR = Path(__file__).resolve().parent / "demo"
log = logging.getLogger("moodtune")

NO_TOKEN = """\
No bot token is set, so Moodtune is running its offline demo on the photos it ships with.
To start the bots, copy .env.example to .env and set TELEGRAM_BOT_TOKEN (from @BotFather in
Telegram) and/or DISCORD_BOT_TOKEN (from the Discord developer portal), then run `make run` again.
The README's "Create the bots" section walks through both.
"""


def _pipeline(settings: Settings):
    from core.pipeline import Pipeline

    return Pipeline.from_settings(settings)


def analyze_files(paths: Iterable[Path], settings: Settings, as_json: bool, out=sys.stdout) -> int:
    """Analyse each file and print its reading; returns how many files could not be read."""
    pipeline = _pipeline(settings)
    failures = 0
    try:
        for path in paths:
            try:
                reading = pipeline.analyze(path.read_bytes())
                error = None
            except ImageError as exc:
                reading, error = None, exc.user_message
                log.info("refused %s: %s", path, exc)
            except OSError as exc:
                reading, error = None, f"Can't open that file ({exc.strerror or exc})."
                log.info("cannot read %s: %s", path, exc)
            failures += error is not None
            if as_json:
                print(json.dumps(reading_to_dict(reading, file=str(path), error=error)), file=out, flush=True)
            else:
                print(reading_to_text(reading, file=str(path), error=error), file=out, flush=True)
    finally:
        pipeline.close()
    return failures


def demo_photos() -> list[Path]:
    return sorted(p for p in DEMO_DIR.iterdir() if p.suffix.lower() in (".jpg", ".jpeg", ".png"))


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot", description="Moodtune: songs for the mood of a photo.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log more")
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="start the bots from .env (default); the offline demo without tokens")
    an = sub.add_parser("analyze", help="read the mood of photos")
    an.add_argument("photos", nargs="+", type=Path)
    an.add_argument("--json", action="store_true", help="one JSON object per photo per line")
    demo = sub.add_parser("demo", help="analyse the photos shipped with Moodtune")
    demo.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)

    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    settings = Settings()
    if args.command == "analyze":
        failures = analyze_files(args.photos, settings, args.json)
        return 1 if failures == len(args.photos) else 0
    if args.command == "demo":
        analyze_files(demo_photos(), settings, args.json)
        return 0
    # run
    if not (settings.telegram_token or settings.discord_token):
        print(NO_TOKEN, file=sys.stderr)
        analyze_files(demo_photos(), settings, as_json=False)
        return 0
    print("The Telegram and Discord adapters are not built yet (see the open issues).", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
