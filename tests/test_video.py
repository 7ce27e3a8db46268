"""GIFs and videos: frames sampled evenly within limits, refusals by kind, readings combined honestly."""

from __future__ import annotations

import pytest

from bot.replies import ERRORS, error_text
from core.reading.aggregate import combine, movement
from core.reading.fusion import MoodReading
from core.reading.video import VideoError, sample_frames
from tests.conftest import make_clip


def test_frames_are_spread_over_the_whole_clip_and_scaled():
    frames = sample_frames(make_clip("mp4", frames=300, size=(640, 480)), max_frames=4, working_side=320)
    assert len(frames) == 4 and frames[0].shape == (240, 320, 3)
    assert frames[0][0, 0, 2] > 60 and frames[-1][0, 0, 0] > 200  # dark blue first half, yellow second


@pytest.mark.parametrize("make, kind", [
    (lambda: b"", "empty_video"),
    (lambda: make_clip("mp4")[:800], "damaged_video"),
    (lambda: make_clip("mp4", frames=100, fps=1), "video_too_long"),  # 100 s
    (lambda: make_clip("mp4", frames=2, size=(4200, 240)), "video_too_large"),
])
def test_limits_and_broken_clips_are_refused_with_a_sentence(make, kind):
    with pytest.raises(VideoError) as err:
        sample_frames(make(), max_seconds=60, max_side=4096)
    assert err.value.kind == kind and kind in ERRORS and error_text(err.value)[0].isupper()


def reading(label, valence, arousal, confidence, dist):
    return MoodReading(label, confidence, valence, arousal, dist, [], [])


def test_combined_reading_weighs_by_confidence_and_disagreement_lowers_confidence():
    sure_happy = reading("happy", 0.8, 0.4, 0.9, {"happy": 0.9, "sad": 0.1})
    unsure_sad = reading("sad", -0.7, -0.4, 0.2, {"sad": 0.5, "happy": 0.5})
    both = combine([sure_happy, unsure_sad], kind="album")
    assert both.label == "happy" and both.valence > 0.3
    assert both.confidence < sure_happy.confidence
    agree = combine([sure_happy, sure_happy], kind="album")
    assert agree.confidence == pytest.approx(0.9, abs=1e-3)


def test_movement_is_named_only_when_the_mood_really_moves():
    calm = reading("calm", 0.55, -0.6, 0.7, {"calm": 0.8})
    energetic = reading("energetic", 0.55, 0.75, 0.7, {"energetic": 0.8})
    moving = combine([calm] * 3 + [energetic] * 3, kind="video")
    assert movement(moving) == ("calm", "energetic")
    assert movement(combine([calm] * 6, kind="video")) is None
    assert movement(combine([calm] * 3 + [energetic] * 3, kind="album")) is None  # an album has no order
