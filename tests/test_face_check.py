"""Faces only where there are people (issue 24): pets, food and scenery get no face, people still do,
and a crowd is read from its most prominent faces with the count said.

Real photos only: the bundled demo cat (scikit-image's "Chelsea", CC0) and, where the shared folder is
beside the checkout, the everyday photos of shared/data/no-faces (read at test time, never shipped)
and faces-dev. Each test names what it would see without the check or the crowd search."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from bot.replies import explain, photo_reply, signal_words
from core.reading.fusion import SignalReading
from core.reading.images import decode_image
from models.faces import BlazeFaceDetector
from tests.conftest import DEMO, shared_data


def rgb(path: Path) -> np.ndarray:
    return decode_image(path.read_bytes()).rgb


@pytest.fixture(scope="module")
def checked():
    return BlazeFaceDetector()


@pytest.fixture(scope="module")
def unchecked():
    return BlazeFaceDetector(check=False)


@pytest.fixture(scope="session")
def no_faces() -> Path:
    return shared_data("no-faces", "labels.csv", "everyday photos without faces")


def people_column(folder: Path) -> dict[str, str]:
    with open(folder / "labels.csv", newline="", encoding="utf-8") as f:
        return {r["file"]: r["people"] for r in csv.DictReader(f)}


def test_the_demo_cat_has_no_face(checked, unchecked):
    photo = rgb(DEMO / "cat.jpg")
    assert unchecked.detect(photo), "BlazeFace alone proposes a face on the cat (what the check is for)"
    assert checked.find(photo, 8).faces == [] and checked.find(photo, 8).found == 0


def test_a_cat_photo_rests_on_colour_and_never_claims_a_face(pipeline):
    reading = pipeline.analyze((DEMO / "cat.jpg").read_bytes())
    faces = next(s for s in reading.signals if s.name == "faces")
    assert reading.faces == [] and not faces.available
    assert reading.confidence < 0.35  # colour alone is a weak prior, and the confidence says so
    reply = photo_reply(reading, _no_songs())
    assert "face" not in " ".join([reply.headline, *reply.details]).lower()
    assert reply.note.startswith("I found no face")
    assert "face" not in explain(reading).split("Not used")[0]


def _no_songs():
    from types import SimpleNamespace

    return SimpleNamespace(songs=[], id=None, mode="match", mood="calm", target=None)


def test_pets_food_and_scenery_get_no_face(no_faces, checked, unchecked):
    """Every third faceless photo (176 of 529: dogs, cats, other animals, food, scenery, objects)."""
    faceless = sorted(f for f, p in people_column(no_faces).items() if p == "no")[::3]
    photos = [rgb(no_faces / f) for f in faceless]
    with_check = [f for f, p in zip(faceless, photos) if checked.find(p, 8).faces]
    without = [f for f, p in zip(faceless, photos) if unchecked.find(p, 8).faces]
    assert len(without) / len(faceless) > 0.2  # BlazeFace alone: about a third (mostly pets)
    assert len(with_check) / len(faceless) <= 0.02, with_check


def test_people_are_still_found_in_face_photos(faces_dev, checked):
    """Every fifth photo of faces-dev (385 portraits and face crops, some 40 px small)."""
    paths = sorted((faces_dev / "images").iterdir())[::5]
    found = sum(bool(checked.find(rgb(p), 8).faces) for p in paths)
    assert found / len(paths) >= 0.98


def test_a_portrait_is_read_from_its_subject_without_searching_tiles_for_a_background(checked, monkeypatch):
    """A large photo whose face is a fifth of its short side or more (the demo astronaut as a phone's
    12-megapixel shot is decoded at 1008 px) is read from that face; the tiles that look for a crowd's
    small faces — half the faces stage here — are not searched. A photo without such a face still is."""
    from PIL import Image

    portrait = np.asarray(Image.open(DEMO / "astronaut.jpg").convert("RGB").resize((1008, 756)))
    tiled = []
    search = BlazeFaceDetector._on_tiles
    monkeypatch.setattr(BlazeFaceDetector, "_on_tiles", lambda self, rgb: (tiled.append(rgb.shape), search(self, rgb))[1])
    read = checked.find(portrait, 8)
    assert len(read.faces) == 1 and read.faces[0].box[3] > 0.2 * 756
    assert tiled == []
    checked.find(np.asarray(Image.open(DEMO / "coffee.jpg").convert("RGB").resize((1008, 672))), 8)
    assert tiled == [(672, 1008, 3)]


def test_a_class_photo_is_read_from_its_most_prominent_faces(no_faces, checked):
    """A 70-person class photo: the coarse search found 36 faces and none of the front row."""
    photo = rgb(no_faces / "ulfd_imgs_26.jpg")
    h, w = photo.shape[:2]
    crowd = checked.find(photo, 8)
    assert crowd.found >= 60 and len(crowd.faces) == 8
    everyone = checked.find(photo)
    assert len(everyone.faces) >= 60
    front_row = [f for f in everyone.faces if f.box[1] > 0.5 * h]
    assert len(front_row) >= 10, "the seated front row is found"
    # the faces read are the front rows' (all faces here are about one size; nearest the camera wins)
    assert sum(f.box[1] > 0.45 * h for f in crowd.faces) >= 6
    assert all(f.box[2] >= 20 for f in crowd.faces)


def test_the_answer_says_how_many_faces_were_read_of_how_many():
    crowd = SignalReading("faces", available=True, distribution={"happy": 1.0}, detail={"count": 8, "found": 40})
    assert signal_words(crowd) == "8 of 40 faces"
    one = SignalReading("faces", available=True, distribution={"happy": 1.0}, detail={"count": 1, "found": 1})
    assert signal_words(one) == "1 face"
