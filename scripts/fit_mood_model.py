"""Fit the mood models (core/music/data/mood_model.json) on human mood labels.

    python scripts/fit_mood_model.py SHARED/data/music [--out core/music/data/mood_model.json]

Reads the labelled datasets in the folder (mood_mapper, spotify_mood_playlists, gracie_4mood,
playmood, deezer_mood; the label table is in evaluation/mood_fit.py), joins them to the bundled catalog
for genres, fits one logistic regression per learned label and the two valence/arousal
regressions on *all* labelled rows, and writes only the fitted numbers. How well the procedure
carries to artists it has not seen is measured by `python -m evaluation mapping DIR`, which fits the
same way on 4 artists in 5 and reports on the fifth. Deterministic: the same data gives the same file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.music.catalog import Catalog, bundled_version  # noqa: E402
from evaluation.mood_fit import fit, load_examples, load_va_examples  # noqa: E402
from core.music.mood_model import MODEL_PATH  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="the music data folder (mood_mapper/, playmood/, deezer_mood/, ...)")
    parser.add_argument("--out", type=Path, default=MODEL_PATH)
    parser.add_argument("--no-genre", action="store_true", help="fit on audio features only")
    args = parser.parse_args()
    catalog = Catalog.bundled()
    examples = load_examples(args.folder, catalog)
    va_examples = load_va_examples(args.folder, catalog)
    model = fit(examples, va_examples, catalog, use_genre=not args.no_genre,
                info={"fitted_by": "scripts/fit_mood_model.py", "catalog": bundled_version(), "rows": len(examples)})
    args.out.write_text(json.dumps(model.to_dict(), indent=1) + "\n", encoding="utf-8")
    counts = ", ".join(f"{k} {v['positive']}+/{v['negative']}-" for k, v in model.info["examples"].items())
    print(f"fitted on {len(examples)} labelled rows ({counts}) and {len(va_examples)} valence/arousal rows "
          f"→ {args.out} ({args.out.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
