"""The pipeline end to end on real photos, with and without scene analysis; bounded async."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest

from bot.replies import error_text, explain
from core.reading.images import NotAnImage
from core.reading.pipeline import Models, Pipeline, PipelineBusy, load_models
from tests.conftest import DEMO, GatedFaces


def test_smiling_portrait_reads_happy_with_its_face(pipeline):
    reading = pipeline.analyze((DEMO / "astronaut.jpg").read_bytes())
    assert reading.label == "happy" and reading.confidence > 0.5 and reading.valence > 0.3
    assert len(reading.faces) == 1
    x, y, w, h = reading.faces[0].box
    assert 150 < x + w / 2 < 300 and 60 < y + h / 2 < 200  # Eileen Collins' face in the 512x512 photo
    signals = {s.name: s for s in reading.signals}
    assert signals["faces"].available and not signals["scene"].available
    assert "turned off" in signals["scene"].reason
    assert set(reading.timings_ms) == {"decode", "faces", "scene", "color", "fusion", "total"}


def test_photo_without_faces_rests_on_colour_and_says_so(pipeline):
    reading = pipeline.analyze((DEMO / "coffee.jpg").read_bytes())
    assert reading.faces == []
    assert reading.confidence < 0.35
    assert "no face found" in explain(reading)


def test_face_boxes_are_in_original_pixels(settings):
    from PIL import Image
    import io

    big = Image.open(DEMO / "astronaut.jpg").resize((2048, 2048))
    buf = io.BytesIO()
    big.save(buf, "JPEG")
    p = Pipeline(load_models(settings.model_copy(update={"deepface_emotion": False})), settings)
    reading = p.analyze(buf.getvalue())
    x, y, w, h = reading.faces[0].box
    assert 600 < x + w / 2 < 1200 and w > 250  # 4x the 512-pixel coordinates


def test_bad_bytes_raise_a_user_readable_error(pipeline):
    with pytest.raises(NotAnImage) as err:
        pipeline.analyze(b"%PDF-1.5 not a photo")
    assert "PDF" in error_text(err.value)


def test_concurrent_calls_give_the_same_readings(pipeline):
    photos = [(DEMO / n).read_bytes() for n in ("astronaut.jpg", "rocket.jpg", "cat.jpg", "coffee.jpg")] * 2
    sequential = [pipeline.analyze(b).distribution for b in photos]
    with ThreadPoolExecutor(4) as pool:
        parallel = list(pool.map(lambda b: pipeline.analyze(b).distribution, photos))
    assert parallel == sequential


async def test_full_queue_answers_busy_instead_of_piling_up(settings):
    from models.color import color_features

    gate = GatedFaces()
    s = settings.model_copy(update={"analysis_threads": 1, "analysis_queue": 1})
    p = Pipeline(Models(faces=gate, scene=None, color=color_features, scene_reason="off"), s)
    data = (DEMO / "cat.jpg").read_bytes()
    running = [asyncio.create_task(p.analyze_async(data)) for _ in range(3)]  # two turns, one waiting
    await asyncio.sleep(0.05)
    with pytest.raises(PipelineBusy) as err:
        await p.analyze_async(data)
    assert "try again" in error_text(err.value)
    gate.release.set()
    readings = await asyncio.gather(*running)
    assert all(r.label for r in readings)
    assert (await p.analyze_async(data)).faces == []  # slots are given back
    p.close()


async def test_async_analysis_does_not_block_the_event_loop(pipeline):
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.005)
            ticks += 1

    t = asyncio.create_task(ticker())
    await pipeline.analyze_async((DEMO / "astronaut.jpg").read_bytes())
    t.cancel()
    assert ticks >= 2


def test_scene_signal_joins_when_a_clip_model_is_loaded(settings, tmp_path):
    import open_clip
    import torch

    from models.clip_prepare import load_clip
    from models.color import color_features
    from tests.conftest import ROOT

    open_clip.add_model_config(ROOT / "tests" / "fixtures" / "clip" / "moodtune-tiny-clip.json")
    torch.manual_seed(0)
    scene = load_clip("moodtune-tiny-clip", None, tmp_path)
    p = Pipeline(Models(faces=None, scene=scene, color=color_features), settings)
    reading = p.analyze((DEMO / "rocket.jpg").read_bytes())
    sig = {s.name: s for s in reading.signals}["scene"]
    assert sig.available and sig.weight > 0 and sig.detail["scenes"]
    assert sum(reading.distribution.values()) == pytest.approx(1, abs=1e-3)


def test_missing_clip_weights_degrade_the_reading_and_warn_once(settings, caplog):
    s = settings.model_copy(update={"clip_enabled": True, "allow_downloads": False, "deepface_emotion": False})
    with caplog.at_level("WARNING"):
        models = load_models(s)
    assert models.scene is None and "downloads are off" in models.scene_reason
    assert sum("Scene analysis unavailable" in r.message for r in caplog.records) == 1
    p = Pipeline(models, s)
    reading = p.analyze((DEMO / "astronaut.jpg").read_bytes())
    scene = {sig.name: sig for sig in reading.signals}["scene"]
    assert not scene.available and scene.weight == 0
    assert "OpenCLIP weights not downloaded" in explain(reading)
    assert reading.label == "happy"
    p.close()
