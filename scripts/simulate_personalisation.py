"""How much do ratings improve the lists? A simulation with synthetic people.

    python scripts/simulate_personalisation.py [--people 100] [--rounds 30] [--seed 0]

Each synthetic person has a hidden taste the ranker never sees: leanings in audio-feature space
(e.g. likes acoustic, dislikes fast), three favourite and three disliked artists, and a favourite
and a disliked decade. Their utility for a track is the sum of those plus noise; they like a track
when its utility is in their top 30 % of the catalog. Every round they send a photo of a random
mood, get 5 songs, and rate all 5 (+1 liked, -1 not).

Two rankers see the same people and moods: the personalised one (ratings feed its taste) and the
same ranker without feedback. Per round we report hit-rate@5 (share of the 5 songs the person
likes) and NDCG@5, averaged over people, and the relative lift. Both avoid repeating songs.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.music.catalog import Catalog  # noqa: E402
from core.emotions import LABELS  # noqa: E402
from core.music.targets import target_for_label  # noqa: E402
from core.music.recommender import RankWeights, Recommender, build_taste  # noqa: E402
from core.store import Rating  # noqa: E402

LIST = 5


@dataclass
class Person:
    likes: np.ndarray  # bool per catalog track


def make_person(catalog: Catalog, rng: np.random.Generator) -> Person:
    x = catalog.matrix - catalog.matrix.mean(axis=0)
    x = x / (x.std(axis=0) + 1e-6)
    w = rng.normal(0, 1, size=x.shape[1]) * np.array([1, 1, 0.6, 0.3, 1, 1, 0.6])
    utility = x @ w * 0.5
    artists, counts = np.unique(catalog.artists.astype(str), return_counts=True)
    prolific = artists[counts >= 5]
    fav, bad = rng.choice(prolific, 3, replace=False), rng.choice(prolific, 3, replace=False)
    utility += np.isin(catalog.artists.astype(str), fav) * 2.0 - np.isin(catalog.artists.astype(str), bad) * 2.0
    decades = np.unique(catalog.era[catalog.era > 0])
    good_era, bad_era = rng.choice(decades, 2, replace=False)
    utility += (catalog.era == good_era) * 0.8 - (catalog.era == bad_era) * 0.8
    utility += rng.normal(0, 0.3, size=len(utility))
    return Person(likes=utility >= np.quantile(utility, 0.7))


def ndcg(rel: list[bool]) -> float:
    gains = sum(r / np.log2(i + 2) for i, r in enumerate(rel))
    ideal = sum(1 / np.log2(i + 2) for i in range(LIST))
    return gains / ideal


def simulate(catalog: Catalog, people: int, rounds: int, seed: int, weights: RankWeights = RankWeights()) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    ranker = Recommender(catalog, weights)
    hits = {"personal": np.zeros((people, rounds)), "plain": np.zeros((people, rounds))}
    gains = {"personal": np.zeros((people, rounds)), "plain": np.zeros((people, rounds))}
    fit = {"personal": np.zeros((people, rounds)), "plain": np.zeros((people, rounds))}
    for p in range(people):
        person = make_person(catalog, rng)
        moods = rng.choice(LABELS, rounds)
        ratings: list[Rating] = []
        recent = {"personal": {}, "plain": {}}
        for r, mood in enumerate(moods):
            target = target_for_label(str(mood))
            for kind in ("personal", "plain"):
                taste = build_taste(ratings, catalog) if kind == "personal" else None
                songs = ranker.match(target, LIST, taste=taste, recent=recent[kind])
                rel = [bool(person.likes[catalog.index[s.track.id]]) for s in songs]
                hits[kind][p, r] = np.mean(rel)
                gains[kind][p, r] = ndcg(rel)
                match = ranker.match_scores(target)
                fit[kind][p, r] = np.mean([match[catalog.index[s.track.id]] for s in songs])
                for s in songs:
                    recent[kind][s.track.id] = recent[kind].get(s.track.id, 0) + 1
                if kind == "personal":
                    ratings += [Rating("sim", s.track.id, 1 if ok else -1, None, 0) for s, ok in zip(songs, rel)]
    return {"hit_personal": hits["personal"], "hit_plain": hits["plain"], "ndcg_personal": gains["personal"],
            "ndcg_plain": gains["plain"], "fit_personal": fit["personal"], "fit_plain": fit["plain"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    catalog = Catalog.bundled()
    res = simulate(catalog, args.people, args.rounds, args.seed)
    print(f"{args.people} synthetic people, {args.rounds} rounds, {LIST} songs a round, all rated")
    print(f"{'round':>5}{'ratings':>9}{'hit@5 plain':>13}{'hit@5 pers.':>13}{'lift':>8}{'ndcg plain':>12}{'ndcg pers.':>12}{'lift':>8}")
    for r in range(args.rounds):
        hp, hq = res["hit_plain"][:, r].mean(), res["hit_personal"][:, r].mean()
        gp, gq = res["ndcg_plain"][:, r].mean(), res["ndcg_personal"][:, r].mean()
        print(f"{r + 1:>5}{r * LIST:>9}{hp:>13.3f}{hq:>13.3f}{(hq / hp - 1) if hp else 0:>+8.0%}{gp:>12.3f}{gq:>12.3f}{(gq / gp - 1) if gp else 0:>+8.0%}")
    for after in (10, 20):
        r = after // LIST  # the round whose list was ranked with `after` ratings behind it
        if r >= args.rounds:
            continue
        hp, hq = res["hit_plain"][:, r].mean(), res["hit_personal"][:, r].mean()
        print(f"after {after} ratings: hit@5 {hp:.3f} → {hq:.3f} ({hq / hp - 1:+.0%})")
    if args.rounds > 20:
        late_p, late_q = res["hit_plain"][:, 20:].mean(), res["hit_personal"][:, 20:].mean()
        print(f"rounds 21-{args.rounds}: hit@5 {late_p:.3f} → {late_q:.3f} ({late_q / late_p - 1:+.0%})")
    print(f"mood fit (mean match score 0..1 of the songs shown): plain {res['fit_plain'].mean():.3f}, "
          f"personalised {res['fit_personal'].mean():.3f}")


if __name__ == "__main__":
    main()
