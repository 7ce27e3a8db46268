"""What a person actually meets: the top of the whole catalog for every mood (`python -m evaluation top`).

Held-out ranking numbers (`evaluation.eval mapping`) rank labelled songs among labelled songs; a person
meets the first songs of the whole catalog, where songs unlike any labelled one can float up. This
report ranks the real catalog for every label with no history, as `python -m bot recommend --emotion
LABEL` does, and for the first `n` songs (and the first `head`) says:
- the genre-family mix beside the mix of that label's labelled positives: one total-variation
  distance (0 = the same mix, 1 = nothing in common) and the largest family's share;
- mean valence / energy / acousticness and median tempo, beside the positives' interquartile ranges,
  and whether each lies inside;
- the share of artefacts (children's, Disney, show tunes, soundtracks, holiday, comedy, sleep noise,
  karaoke / tribute / "piano version" covers: core.music.genres.is_artefact);
- how many distinct songs the lesser-known slot offers over `readings` readings in one chat;
- where the seed paper's examples rank (never special-cased anywhere in the ranking).
Labels without labelled positives (the rule labels neutral, disgust, surprise) get the catalog-level
numbers only.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from pathlib import Path
from typing import Optional, Sequence

import numpy as np

from core.music.catalog import Catalog, CatalogError, dedupe_key
from core.emotions import LABELS, VA, VA_POINTS
from core.music.genres import is_artefact, main_family
from core.music.targets import feel_of, target_for_label, target_for_va

FEATURES = ("valence", "energy", "acousticness", "tempo")
# The audio features that define a label, and which side of its positives' range a list must not
# leave (what `evaluation.eval top` checks for the first 30 songs).
DEFINING: dict[str, tuple[str, ...]] = {
    "happy": ("valence",), "sad": ("valence", "energy"), "calm": ("energy", "tempo"),
    "energetic": ("energy",), "angry": ("energy",), "romantic": ("valence", "energy"),
}
SEED_EXAMPLES = (  # the seed paper's own examples, as a user's sanity check (never special-cased)
    ("happy", "Happy", "Pharrell Williams"), ("happy", "Good Life", "OneRepublic"), ("happy", "Uptown Funk", "Mark Ronson"),
    ("romantic", "Perfect", "Ed Sheeran"), ("romantic", "All of Me", "John Legend"), ("sad", "Someone Like You", "Adele"),
)


def _value(track, feature: str) -> float:
    return float(getattr(track, feature))


def summary(tracks: Sequence) -> dict:
    """Mean valence / energy / acousticness and median tempo of some tracks."""
    if not tracks:
        return {}
    out = {f: round(float(np.mean([_value(t, f) for t in tracks])), 3) for f in FEATURES if f != "tempo"}
    out["tempo"] = round(float(np.median([t.tempo for t in tracks])), 1)
    return out


def family_mix(tracks: Sequence) -> dict[str, float]:
    """Share of each main genre family among the tracks whose genre is known."""
    fams = Counter(f for f in (main_family(t.genres) for t in tracks) if f)
    total = sum(fams.values())
    return {f: round(c / total, 3) for f, c in fams.most_common()} if total else {}


def mix_distance(a: dict[str, float], b: dict[str, float]) -> Optional[float]:
    """Total-variation distance between two family mixes (0 same, 1 disjoint)."""
    if not a or not b:
        return None
    return round(0.5 * sum(abs(a.get(k, 0.0) - b.get(k, 0.0)) for k in set(a) | set(b)), 3)


def positives_profile(examples: Sequence, label: str) -> Optional[dict]:
    """The labelled positives of a label: interquartile and 10-90 % ranges of each feature, family mix."""
    tracks = [e.track for e in examples if label in e.labels]
    if len(tracks) < 20:
        return None
    iqr = {f: [round(float(q), 3) for q in np.percentile([_value(t, f) for t in tracks], [25, 75])] for f in FEATURES}
    feels = Counter(feel_of(t.valence, t.energy) for t in tracks)
    return {"n": len(tracks), "iqr": iqr, "families": family_mix(tracks),
            "feels": {k: round(v / len(tracks), 3) for k, v in feels.most_common()}}


RARE_FEEL = 0.05


def contradicting_reasons(songs: Sequence, profile: Optional[dict], label: str) -> list[str]:
    """Songs whose reason says 'matches <label>' with a feel word ('bright', 'upbeat', ...) that
    fewer than RARE_FEEL of that label's positives have, and gives no other reason for the song."""
    if not profile:
        return []
    bad = []
    for s in songs:
        r = s.reason
        if r.matches == label and not (r.main_mood or r.liked_artist or r.your_taste or r.others_liked) \
                and profile["feels"].get(r.feel, 0.0) < RARE_FEEL:
            bad.append(f"{s.track.artist} — {s.track.title} ({r.feel})")
    return bad


def _list_report(tracks: Sequence, profile: Optional[dict], label: str) -> dict:
    mix = family_mix(tracks)
    stats = summary(tracks)
    out = {"n": len(tracks), "features": stats, "artefacts": sum(is_artefact(t.genres, t.title, t.artist) for t in tracks),
           "top_family": max(mix.items(), key=lambda kv: kv[1]) if mix else None}
    if profile:
        out["family_distance"] = mix_distance(mix, profile["families"])
        out["inside_iqr"] = {f: profile["iqr"][f][0] <= stats[f] <= profile["iqr"][f][1] for f in FEATURES}
        out["defining_inside"] = all(out["inside_iqr"][f] for f in DEFINING.get(label, ()))
    return out


def seed_ranks(catalog: Catalog, ranker, labelled_ids: frozenset = frozenset()) -> list[dict]:
    """Where the seed examples rank for their mood in the whole catalog (no ratings)."""
    out = []
    for label, title, artist in SEED_EXAMPLES:
        total, _ = ranker.scores(target_for_va(VA_POINTS[label], label))
        hits = [i for i, t in enumerate(catalog.tracks)
                if dedupe_key(t.title, "")[0] == dedupe_key(title, "")[0] and artist.lower() in t.artist.lower()]
        for i in hits:
            rank = int((total > total[i]).sum()) + 1
            out.append({"mood": label, "song": f"{catalog.tracks[i].artist} — {catalog.tracks[i].title}", "rank": rank,
                        "of": len(catalog), "top_share": round(rank / len(catalog), 4),
                        "in_training_labels": catalog.tracks[i].id in labelled_ids})
        if not hits:
            out.append({"mood": label, "song": f"{artist} — {title}", "rank": None, "of": len(catalog)})
    return out


async def discovery_spread(ranker, readings: int = 20, seed: int = 0) -> dict:
    """Photos of the everyday moods in one chat (`readings` of them, each read with the modest
    confidence real photos get: 45 % on the top label, the rest spread over the others), answered
    as the bot answers them: how many distinct songs fill the lesser-known slot, and whether one
    repeats (a chat must not meet the same find twice within its last 50 lists)."""
    from core.service.songs import recommend
    from core.store import SqliteStore

    rng = np.random.default_rng(seed)
    everyday = ("happy", "neutral", "sad", "calm", "nostalgic")
    found: list[str] = []
    async with SqliteStore(":memory:") as store:
        for k in range(readings):
            label = everyday[k % len(everyday)]
            p = VA_POINTS[label]
            point = VA(float(np.clip(p.valence + rng.normal(0, 0.1), -1, 1)), float(np.clip(p.arousal + rng.normal(0, 0.1), -1, 1)))
            dist = {lab: 0.45 if lab == label else 0.55 / (len(LABELS) - 1) for lab in LABELS}
            rec = await recommend(store, ranker, point=point, label=label, chat="eval-chat", distribution=dist, n=5)
            found += [s.track.id for s in rec.songs if s.reason.lesser_known]
        fresh = []  # what a first-time user (or `make run`'s demo) meets: each mood, no history
        for label in LABELS:
            dist = {lab: 0.45 if lab == label else 0.55 / (len(LABELS) - 1) for lab in LABELS}
            rec = await recommend(store, ranker, point=VA_POINTS[label], label=label, distribution=dist, n=5, save=False)
            fresh += [s.track.id for s in rec.songs if s.reason.lesser_known]
    return {"readings": readings, "offered": len(found), "distinct": len(set(found)),
            "most_repeated": max(Counter(found).values()) if found else 0,
            "fresh_moods": len(LABELS), "fresh_distinct": len(set(fresh))}


SHIFTS = (("sad", "happy"), ("angry", "calm"), ("calm", "energetic"), ("happy", "calm"), ("fear", "calm"))


def shift_report(ranker, n: int = 5) -> list[dict]:
    """Shift lists from one label's point to another: the largest step between consecutive songs
    on Spotify valence and energy (what is heard) and on the model's predicted valence/arousal,
    and the label the last song is on the list for."""
    out = []
    for start, end in SHIFTS:
        songs = ranker.shift(VA_POINTS[start], end, n)
        idx = [ranker.catalog.index[s.track.id] for s in songs]
        sound = np.array([(s.track.valence, s.track.energy) for s in songs])
        va = ranker.va[idx]
        steps = lambda a: float(np.abs(np.diff(a, axis=0)).max()) if len(a) > 1 else 0.0  # noqa: E731
        out.append({"from": start, "to": end, "songs": len(songs), "max_step_valence_energy": round(steps(sound), 3),
                    "max_step_model_va": round(steps(va), 3), "valence": [round(float(v), 2) for v in sound[:, 0]],
                    "energy": [round(float(v), 2) for v in sound[:, 1]],
                    "last_fits_target": bool(songs) and ranker.matched_label(idx[-1], target_for_label(end)) == end
                    and float(ranker.label_scores[idx[-1], LABELS.index(end)]) >= float(np.quantile(ranker.label_scores[:, LABELS.index(end)], 0.95))})
    return out


def pages(ranker, label: str, count: int = 3, n: int = 10) -> list:
    """A new person's first `count` pages of a mood as "More like this" pages them: each page ranked
    with what the pages before showed (core.music.recommender.recommend's `recent` and `avoid`)."""
    recent: Counter = Counter()
    tracks = []
    for _ in range(count):
        songs = ranker.match(target_for_label(label), n, avoid=list(recent), recent=dict(recent))
        recent.update(s.track.id for s in songs)
        tracks += [s.track for s in songs]
    return tracks


def listening_report(tracks: Sequence) -> dict:
    """What a listener notices over a few pages: mostly instrumental songs (Spotify instrumentalness
    > 0.5), the share in a major key, mean valence / energy / danceability, the artist met most often,
    and versions of one song met twice ('Silver Bells' / 'Silver Bells - Stereo', remasters, live)."""
    artists = Counter(t.artist for t in tracks)
    versions = Counter(dedupe_key(t.title, "")[0] for t in tracks)
    keyed = [t.mode for t in tracks if t.mode is not None]
    return {
        "n": len(tracks),
        "instrumental": sum(t.instrumentalness > 0.5 for t in tracks),
        "major": round(float(np.mean([m == 1 for m in keyed])), 3) if keyed else None,
        **{f: round(float(np.mean([getattr(t, f) for t in tracks])), 3) for f in ("valence", "energy", "danceability")},
        "top_artist": list(artists.most_common(1)[0]) if artists else None,
        "artists_over_2": [a for a, c in artists.items() if c > 2],
        "repeated_songs": [k for k, c in versions.items() if c > 1],
        "artefacts": [f"{t.artist} — {t.title}" for t in tracks if is_artefact(t.genres, t.title, t.artist)],
    }


def evaluate_top(catalog: Catalog, ranker, examples: Sequence = (), n: int = 50, head: int = 10) -> dict:
    """The report described in the module docstring; `examples` are evaluation.mood_fit examples (may be empty)."""
    out: dict = {"catalog": len(catalog), "n": n, "head": head, "labels": {}}
    for label in LABELS:
        songs = ranker.match(target_for_label(label), n)
        tracks = [s.track for s in songs]
        profile = positives_profile(examples, label) if examples else None
        share, ranker.genre_share = ranker.genre_share, 1.0  # what the model wants, without the cap
        uncapped = family_mix([s.track for s in ranker.match(target_for_label(label), 30)])
        ranker.genre_share = share
        out["labels"][label] = {
            "positives": profile,
            "top": _list_report(tracks, profile, label),
            "head": _list_report(tracks[:head], profile, label),
            "first30": _list_report(tracks[:30], profile, label),
            "uncapped_top_family_30": max(uncapped.items(), key=lambda kv: kv[1]) if uncapped else None,
            "contradicting_reasons_30": contradicting_reasons(songs[:30], profile, label),
            "songs": [f"{t.artist} — {t.title}" for t in tracks[:head]],
            "pages30": listening_report(pages(ranker, label)),
        }
    out["shift"] = shift_report(ranker)
    out["seed_examples"] = seed_ranks(catalog, ranker, frozenset(e.track.id for e in examples))
    out["discovery"] = asyncio.run(discovery_spread(ranker))
    return out


def format_top(report: dict) -> str:
    lines = [f"first {report['n']} songs per label of {report['catalog']:,} (no history); "
             "family distance = total variation to the labelled positives' genre-family mix", ""]
    lines.append(f"{'label':<10}{'fam.dist':>9}{'top family':>22}{'uncapped/30':>17}{'artef/30':>9}{'artef/50':>9}{'contra/30':>10}  "
                 f"{'valence':>14}{'energy':>14}{'acoustic':>14}{'tempo':>16}")
    for label, r in report["labels"].items():
        top, first30, prof = r["top"], r["first30"], r["positives"]

        def cell(f: str) -> str:
            v = top["features"][f]
            if not prof:
                return f"{v:>14}"
            lo, hi = prof["iqr"][f]
            mark = "" if lo <= v <= hi else "!"
            return f"{v}{mark} [{lo:g}-{hi:g}]".rjust(14 if f != "tempo" else 16)

        fam, unc = top["top_family"], r["uncapped_top_family_30"]
        lines.append(f"{label:<10}{'-' if top.get('family_distance') is None else top['family_distance']:>9}"
                     f"{(f'{fam[0]} {fam[1]:.0%}' if fam else '-'):>22}{(f'{unc[0]} {unc[1]:.0%}' if unc else '-'):>17}"
                     f"{first30['artefacts']:>9}{top['artefacts']:>9}{len(r['contradicting_reasons_30']):>10}  "
                     + "".join(cell(f) for f in FEATURES))
    lines += ["", "three pages of 10 as a new person meets them (More like this): mostly instrumental songs, major key, "
                  "means, artist met most, versions of one song met twice, artefacts",
              f"{'label':<10}{'instr':>6}{'major':>7}{'valence':>8}{'energy':>7}{'dance':>6}  {'top artist':<28}{'repeats':>8}{'artef':>6}"]
    for label, r in report["labels"].items():
        pg = r["pages30"]
        top_artist = f"{pg['top_artist'][0][:20]} ×{pg['top_artist'][1]}" if pg["top_artist"] else "-"
        major = "-" if pg["major"] is None else pg["major"]
        lines.append(f"{label:<10}{pg['instrumental']:>6}{major:>7}{pg['valence']:>8}{pg['energy']:>7}{pg['danceability']:>6}  "
                     f"{top_artist:<28}{len(pg['repeated_songs']):>8}{len(pg['artefacts']):>6}")
    d = report["discovery"]
    lines += ["", f"lesser-known slot over {d['readings']} readings in one chat: {d['distinct']} distinct of {d['offered']} offered "
                  f"(most repeated {d['most_repeated']}×); over the {d['fresh_moods']} moods with no history: "
                  f"{d['fresh_distinct']} distinct", "", "shift lists (5 songs asked; largest step between consecutive songs):"]
    for sh in report["shift"]:
        lines.append(f"  {sh['from']:>6} → {sh['to']:<10}{sh['songs']:>3} songs, valence/energy step ≤ {sh['max_step_valence_energy']}, "
                     f"model VA step ≤ {sh['max_step_model_va']}, ends on {sh['to']}: {'yes' if sh['last_fits_target'] else 'no'}; "
                     f"valence {sh['valence']}")
    lines += ["", "seed examples (rank in the whole catalog):"]
    for s in report["seed_examples"]:
        where = "not in the catalog" if s["rank"] is None else f"{s['rank']:,} of {s['of']:,} (top {s['top_share']:.1%})"
        lines.append(f"  {s['mood']:<9}{s['song']}: {where}" + (" (in training labels)" if s.get("in_training_labels") else ""))
    lines += ["", "first songs per label:"]
    for label, r in report["labels"].items():
        lines.append(f"  {label}:")
        lines += [f"    {i}. {s}" for i, s in enumerate(r["songs"], 1)]
    return "\n".join(lines)


def load_catalog(csv_path: Optional[Path]) -> Catalog:
    """The bundled catalog, or one read from a CSV in the import format (`python -m bot catalog import`)."""
    if csv_path is None:
        return Catalog.bundled()
    from core.music.catalog import read_csv

    opener = __import__("gzip").open if csv_path.suffix == ".gz" else open
    with opener(csv_path, "rt", encoding="utf-8") as fh:
        tracks, skipped, _ = read_csv(fh.read())
    if not tracks:
        raise CatalogError(f"{csv_path} holds no usable track ({dict(skipped) or 'no rows'}).")
    return Catalog.from_tracks(tracks)
