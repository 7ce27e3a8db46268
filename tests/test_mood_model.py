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


def test_the_trees_experiment_learns_what_the_labels_say_and_keeps_the_rest_of_the_model(catalog):
    """`python -m evaluation mapping --learner trees` (evaluation.mood_trees): the learned labels come
    from trees fitted on the labelled rows; rules, VA and typicality stay the shipped model's."""
    pytest.importorskip("sklearn", reason="the trees experiment needs scikit-learn (pip install -e '.[experiments]')")
    from core.music.mood_model import era_factor, features
    from evaluation.mood_fit import Example, roc_auc
    from evaluation.mood_trees import with_learner

    # labels the shipped model does not hold (acoustic songs "happy"), so only a fitted learner ranks them
    def labels(t):
        return frozenset({"happy" if t.acousticness > 0.6 else "sad" if t.valence < 0.3 else "calm" if t.energy < 0.3
                          else "energetic" if t.energy > 0.8 else "angry" if t.loudness > -5 else "romantic"})
    examples = [Example(t, labels(t), f"set{i % 2}", frozenset(LEARNED), f"a{i}") for i, t in enumerate(catalog.tracks[:2000])]
    held = catalog.tracks[2000:3000]
    x, truth = features(held), np.array(["happy" in labels(t) for t in held])
    shipped = shipped_model()
    assert roc_auc(shipped.learned(x)["happy"], truth) < 0.6
    for learner, least in (("trees", 0.95), ("blend", 0.8)):
        model = with_learner(shipped, examples, learner)
        learned = model.learned(x)
        assert roc_auc(learned["happy"], truth) > least, learner
        assert np.allclose(model.va(x), shipped.va(x)) and model.typical is shipped.typical
        nostalgic = (0.4 * learned["sad"] + 0.3 * learned["calm"] + 0.3 * learned["romantic"]) * era_factor(np.zeros(len(x), np.int32))
        assert np.allclose(model.label_scores(x)[:, LABELS.index("nostalgic")], nostalgic, atol=1e-5)
    assert with_learner(shipped, examples, "logistic") is shipped
