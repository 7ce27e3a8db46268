"""One label set with VA points; fusion weights signals by reliability and explains itself."""

from __future__ import annotations

import numpy as np
import pytest

from bot.replies import explain, signal_words
from core.emotions import FACE_LABELS, LABELS, VA_POINTS, UnknownLabel, distribution_near, normalize_label, va_of
from core.reading.fusion import (
    FaceReading,
    calibrate_face_confidence,
    color_signal,
    face_signal,
    fuse,
    scene_signal,
)
from models.color import color_features


def test_every_label_has_a_point_inside_the_circumplex():
    assert set(VA_POINTS) == set(LABELS) and len(LABELS) == 11
    for point in VA_POINTS.values():
        assert -1 <= point.valence <= 1 and -1 <= point.arousal <= 1


def test_circumplex_quadrants_are_right():
    assert VA_POINTS["happy"].valence > 0.5 and VA_POINTS["sad"].valence < -0.5
    assert VA_POINTS["calm"].arousal < 0 < VA_POINTS["energetic"].arousal
    assert VA_POINTS["angry"].arousal > 0.5 and VA_POINTS["angry"].valence < 0


@pytest.mark.parametrize("name, label", [("Fearful", "fear"), ("joy", "happy"), (" SAD ", "sad"), ("nostalgia", "nostalgic")])
def test_aliases_map_to_one_label(name, label):
    assert normalize_label(name) == label


def test_unknown_label_lists_the_valid_ones():
    with pytest.raises(UnknownLabel) as err:
        normalize_label("hangry")
    assert "hangry" in str(err.value) and "nostalgic" in str(err.value)


def test_distribution_near_peaks_at_the_nearest_label():
    d = distribution_near(VA_POINTS["calm"])
    assert max(d, key=d.get) == "calm" and sum(d.values()) == pytest.approx(1)


def face(label: str, box=(0, 0, 100, 100), p=0.9, conf=0.95) -> FaceReading:
    probs = {lab: (p if lab == label else (1 - p) / 6) for lab in FACE_LABELS}
    return FaceReading(box=box, label=label, probs=probs, detector_confidence=conf)


def test_faces_are_weighted_by_size():
    big_sad, small_happy = face("sad", (0, 0, 300, 300)), face("happy", (400, 0, 40, 40))
    sig = face_signal([big_sad, small_happy], image_area=800 * 600)
    assert sig.top == "sad" and sig.distribution["sad"] > 0.6
    assert sig.detail["count"] == 2 and signal_words(sig) == "2 faces"


def test_missing_signal_is_dropped_not_faked():
    sig = scene_signal(None, reason="OpenCLIP weights not downloaded")
    reading = fuse([face_signal([], 1.0), sig, color_signal(0.1, 0.0, {})])
    used = [s for s in reading.signals if s.weight > 0]
    assert [s.name for s in used] == ["color"]
    assert "OpenCLIP weights not downloaded" in explain(reading) and "no face found" in explain(reading)


def test_colour_alone_is_honestly_unsure():
    reading = fuse([face_signal([], 1.0), scene_signal(None, reason="off"), color_signal(0.8, 0.5, {})])
    assert reading.confidence < 0.3


def test_a_clear_face_dominates_colour_and_is_confident():
    faces = [face("happy", (100, 100, 300, 300), p=0.97)]
    reading = fuse([face_signal(faces, 640 * 480), scene_signal(None, reason="off"), color_signal(-0.6, -0.5, {})], faces)
    assert reading.label == "happy" and reading.confidence > 0.7
    assert reading.valence > 0.3
    shares = {s.name: s.weight for s in reading.signals}
    assert shares["faces"] > 0.75 and sum(shares.values()) == pytest.approx(1, abs=1e-3)
    assert "1 face says happy" in explain(reading)


def test_disagreeing_signals_lower_confidence():
    faces = [face("happy", (100, 100, 300, 300), p=0.97)]
    agree = fuse([face_signal(faces, 640 * 480), scene_signal({"happy": 0.9, "calm": 0.1}, margin=0.8)], faces)
    clash = fuse([face_signal(faces, 640 * 480), scene_signal({"sad": 0.9, "calm": 0.1}, margin=0.8)], faces)
    assert clash.confidence < agree.confidence


def test_unreliable_scene_weighs_less():
    strong = scene_signal({"calm": 0.7, "sad": 0.3}, margin=0.4)
    weak = scene_signal({"calm": 0.4, "sad": 0.35}, margin=0.05)
    assert strong.reliability == 1.0 and weak.reliability < 0.3


def test_calibration_is_monotonic_and_bounded():
    xs = np.linspace(0.05, 0.99, 30)
    ys = [calibrate_face_confidence(x) for x in xs]
    assert all(b > a for a, b in zip(ys, ys[1:])) and 0 < ys[0] and ys[-1] < 1


def test_fused_va_is_between_signals():
    faces = [face("sad", (0, 0, 200, 200))]
    r = fuse([face_signal(faces, 400 * 400), scene_signal({"energetic": 1.0}, margin=1.0)], faces)
    assert VA_POINTS["sad"].valence < r.valence < VA_POINTS["energetic"].valence


def test_va_of_is_expectation():
    v = va_of({"happy": 0.5, "sad": 0.5})
    assert v.valence == pytest.approx((0.8 - 0.75) / 2)


def test_colour_cues_follow_light_and_saturation():
    bright = np.full((200, 300, 3), (250, 210, 80), np.uint8)
    dark = np.full((200, 300, 3), (25, 25, 35), np.uint8)
    grey = np.full((200, 300, 3), 128, np.uint8)
    b, d, g = color_features(bright), color_features(dark), color_features(grey)
    assert b.valence > g.valence > d.valence
    assert b.arousal > g.arousal and g.saturation == 0 and b.warmth > 0.5
    assert b.dominant == ["#fad250"]
