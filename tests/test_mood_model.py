"""The learned emotion → music mapping: shipped parameters, held-out evaluation, rules."""

from __future__ import annotations

import json

import numpy as np
import pytest

from core.emotions import LABELS
from core.music.mood_model import FEATURE_NAMES, LEARNED, RULES, MoodModel, ModelMissing, shipped_model


def test_every_label_is_learned_or_a_documented_rule():
    assert set(LEARNED) | set(RULES) == set(LABELS) and not set(LEARNED) & set(RULES)
    model = shipped_model()
    assert set(model.weights) == set(LEARNED)
    assert all(len(w) == len(FEATURE_NAMES) + 1 for w in model.weights.values())


def test_a_model_fitted_on_other_features_is_refused_with_the_fix(tmp_path):
    data = shipped_model().to_dict()
    data["features"] = data["features"][:-1]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ModelMissing, match="fit_mood_model.py"):
        MoodModel.load(path)
    with pytest.raises(ModelMissing, match="fit_mood_model.py"):
        MoodModel.load(tmp_path / "missing.json")


def test_rule_labels_follow_their_rules(catalog):
    from core.music.mood_model import era_factor, features

    model = shipped_model()
    x = features(catalog.tracks[:2000])
    era = catalog.era[:2000]
    scores = model.label_scores(x, era)
    learned = model.learned(x)
    nostalgic = scores[:, LABELS.index("nostalgic")]
    blend = 0.4 * learned["sad"] + 0.3 * learned["calm"] + 0.3 * learned["romantic"]
    assert np.allclose(nostalgic, blend * era_factor(era), atol=1e-5)
    # the same song scores higher for nostalgic when it is from the 70s than from the 2010s
    assert (era_factor(np.array([1970])) > era_factor(np.array([2010]))).all()


@pytest.mark.slow
def test_shipped_parameters_are_what_the_script_fits(music_data, catalog):
    """core/music/data/mood_model.json is reproducible from the datasets by the committed code."""
    from evaluation.mood_fit import fit, load_examples, load_va_examples

    refit = fit(load_examples(music_data, catalog), load_va_examples(music_data, catalog), catalog)
    shipped = shipped_model()
    for label in LEARNED:
        assert np.allclose(refit.weights[label], shipped.weights[label], atol=2e-3), label
    assert np.allclose(refit.va_weights, shipped.va_weights, atol=2e-3)


@pytest.mark.slow
def test_mapping_eval_holds_out_whole_artists_and_reports_both_mappings(music_data, capsys):
    from evaluation.eval import main

    assert main(["mapping", str(music_data), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["shared_artists"] == 0 and report["rows"]["test"] > 1000
    assert {"gracie_4mood", "mood_mapper", "playmood", "spotify_mood_playlists", "all"} <= set(report["datasets"])
    overall = report["datasets"]["all"]
    for label in ("calm", "sad", "romantic", "angry"):  # where the hand-written mapping was weakest
        assert overall[label]["learned"]["auc"] > overall[label]["handwritten"]["auc"], label
    assert overall["calm"]["learned"]["p_at_10"] >= 0.8
    assert report["valence_arousal"]["learned"]["valence_r"] > report["valence_arousal"]["raw_features"]["valence_r"]
    assert {s["mood"] for s in report["seed_examples"]} == {"happy", "romantic", "sad"}
