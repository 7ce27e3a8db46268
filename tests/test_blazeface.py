"""BlazeFace, the default detector: faces found, faceless photos left alone, crops turned upright,
and the converted expression model behind the ensemble."""

from __future__ import annotations

import json
import math

import cv2
import numpy as np
import pytest
from PIL import Image

from core.emotions import FACE_LABELS
from core.reading.images import decode_image
from models.blazeface import BlazeFace, aligned_crop, anchors
from models.faces import ENSEMBLE_PATH, WEIGHTS, BlazeFaceDetector, FaceApiExpression
from tests.conftest import DEMO


def rgb(path):
    return decode_image(path.read_bytes()).rgb


def test_anchor_grids_match_mediapipe():
    assert anchors(128, (8, 16, 16, 16), True).shape == (896, 2)
    assert anchors(192, (4,), False).shape == (2304, 2)


def test_the_astronaut_has_one_face_with_eyes_where_eyes_are():
    photo = rgb(DEMO / "astronaut.jpg")
    faces = BlazeFaceDetector().detect(photo)
    assert len(faces) == 1
    x, y, w, h = faces[0].box
    assert 150 < x + w / 2 < 260 and 60 < y + h / 2 < 170 and faces[0].confidence > 0.7  # her face, upper middle
    (lx, ly), (rx, ry) = BlazeFace("short").detect(photo)[0].eyes
    assert abs(ly - ry) < 15 and 15 < abs(lx - rx) < 80  # two eyes side by side, upper half of the box


@pytest.mark.parametrize("name", ["coffee.jpg", "rocket.jpg"])
def test_faceless_photos_have_no_faces(name):
    assert BlazeFaceDetector().detect(rgb(DEMO / name)) == []


def test_small_faces_in_a_group_photo_are_found(face_files):
    """Four faces an eighth of the photo wide: the whole-photo passes miss some, the tiles find them."""
    canvas = Image.new("RGB", (1600, 1000), (70, 90, 110))
    for i, path in enumerate(list(face_files.values())[:4]):
        canvas.paste(Image.open(path).convert("RGB").resize((200, 200)), (60 + i * 390, 420))
    photo = np.asarray(canvas)
    assert len(BlazeFaceDetector(tile=False).detect(photo)) < 4
    found = BlazeFaceDetector().detect(photo)
    assert len(found) == 4 and sorted(round(f.box[0] / 390) for f in found) == [0, 1, 2, 3]


def test_a_tilted_face_is_turned_upright(face_files):
    """Rotate a face 25 degrees; the aligned crop's eyes are level again."""
    photo = rgb(face_files["happy"])
    h, w = photo.shape[:2]
    tilted = cv2.warpAffine(photo, cv2.getRotationMatrix2D((w / 2, h / 2), 25, 1.0), (w, h), borderMode=cv2.BORDER_REPLICATE)
    net = BlazeFace("short")
    (lx, ly), (rx, ry) = net.detect(tilted)[0].eyes
    before = abs(math.degrees(math.atan2(ry - ly, rx - lx)))
    crop = aligned_crop(tilted, net.detect(tilted)[0])
    (lx, ly), (rx, ry) = net.detect(crop)[0].eyes
    after = abs(math.degrees(math.atan2(ry - ly, rx - lx)))
    assert before > 25 and after < 8  # the keypoints of a tilted face are a few degrees off; the tilt is gone


def test_faceapi_expression_reads_real_faces_in_our_label_order(face_files):
    """On the detector's aligned crops (its real input), each unambiguous face reads as labelled."""
    model, detector = FaceApiExpression(WEIGHTS / "faceapi_expression.onnx"), BlazeFaceDetector()
    crops = [detector.detect(rgb(path))[0].crop for path in face_files.values()]
    probs = model.predict(crops)
    assert [FACE_LABELS[i] for i in probs.argmax(1)] == list(face_files)
    assert np.allclose(probs.sum(1), 1, atol=1e-4)


def test_the_confidence_calibration_in_use_is_the_one_fitted_for_the_ensemble():
    from core.reading import fusion

    fitted = json.loads(ENSEMBLE_PATH.read_text())["calibration"]
    assert (fusion.FACE_PLATT_A, fusion.FACE_PLATT_B) == (fitted["a"], fitted["b"])


def test_haar_through_deepface_stays_selectable():
    """MOODTUNE_FACE_DETECTOR=opencv still works offline (DeepFace's Haar cascades)."""
    from models.faces import make_detector

    faces = make_detector("opencv").detect(rgb(DEMO / "astronaut.jpg"))
    assert len(faces) >= 1 and faces[0].crop.ndim == 3
