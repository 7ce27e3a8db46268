"""The bundled face models on real faces, detection in a scene, and DeepFace's optional model."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from core.emotions import FACE_LABELS
from core.reading.images import decode_image
from models import faces as F


@pytest.mark.parametrize("label", ["happy", "surprise", "sad", "angry", "neutral"])
def test_bundled_models_read_unambiguous_faces(face_analyzer, face_files, label):
    rgb = decode_image(face_files[label].read_bytes()).rgb
    probs = face_analyzer.classify([rgb])[0]
    assert FACE_LABELS[int(np.argmax(probs))] == label
    assert probs.sum() == pytest.approx(1, abs=1e-4)


def _scene_with_faces(paths, size=(900, 600)):
    """Real face photos pasted onto a plain background, as faces appear in a wider photo."""
    canvas = Image.new("RGB", size, (70, 90, 110))
    for i, (path, side) in enumerate(paths):
        canvas.paste(Image.open(path).convert("RGB").resize((side, side)), (40 + i * 420, 120))
    return np.asarray(canvas)


def test_faces_are_detected_in_a_wider_photo_with_boxes(face_analyzer, face_files):
    rgb = _scene_with_faces([(face_files["happy"], 300)])
    results = face_analyzer.analyze(rgb).faces
    assert len(results) == 1
    x, y, w, h = results[0].box
    assert abs(x + w / 2 - 190) < 60 and abs(y + h / 2 - 270) < 60  # centre of the pasted face
    assert results[0].label == "happy"
    assert results[0].models == ("fer2013_student48-int8+flip",)  # face_ensemble.json: one net, mirrored


def test_several_faces_are_each_read_largest_first(face_analyzer, face_files):
    rgb = _scene_with_faces([(face_files["surprise"], 340), (face_files["happy"], 260)], size=(1000, 600))
    results = face_analyzer.analyze(rgb).faces
    assert [r.label for r in results] == ["surprise", "happy"]
    assert results[0].box[2] > results[1].box[2]


def test_a_group_is_read_once_a_face_and_a_portrait_mirrored(face_analyzer, face_files):
    """Three faces or more: the one net once a face (face_ensemble.json's "crowd"); fewer: the same net
    and its mirror image."""
    group = _scene_with_faces([(face_files[k], 240) for k in ("happy", "sad", "surprise")], size=(1400, 600))
    read = face_analyzer.analyze(group)
    assert len(read.faces) == 3 and read.found == 3
    assert all(r.models == ("fer2013_student48-int8",) for r in read.faces)
    assert [r.label for r in sorted(read.faces, key=lambda r: r.box[0])] == ["happy", "sad", "surprise"]
    two = face_analyzer.analyze(_scene_with_faces([(face_files["happy"], 240), (face_files["sad"], 240)], size=(1000, 600)))
    assert len(two.faces) == 2 and two.faces[0].models == ("fer2013_student48-int8+flip",)


def test_no_face_gives_no_results(face_analyzer):
    assert face_analyzer.analyze(np.full((300, 400, 3), 128, np.uint8)).faces == []


def _write_deepface_shaped_model(path, favourite: int):
    """An ONNX graph with DeepFace's emotion I/O: (n, 48, 48, 1) grey in, (n, 7) softmax out."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper, numpy_helper

    weights = np.zeros((48 * 48, 7), np.float32)
    bias = np.zeros(7, np.float32)
    bias[favourite] = 5.0  # always favours one class, so the ensemble's pull is visible
    graph = helper.make_graph(
        [
            helper.make_node("Flatten", ["x"], ["flat"], axis=1),
            helper.make_node("Gemm", ["flat", "w", "b"], ["logits"]),
            helper.make_node("Softmax", ["logits"], ["y"], axis=1),
        ],
        "deepface_emotion_stub",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [None, 48, 48, 1])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [None, 7])],
        [numpy_helper.from_array(weights, "w"), numpy_helper.from_array(bias, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


@pytest.fixture
def fresh_deepface(monkeypatch, tmp_path):
    """A temporary DEEPFACE_HOME and an empty DeepFace model cache."""
    from deepface.modules import modeling

    monkeypatch.setenv("DEEPFACE_HOME", str(tmp_path))
    monkeypatch.setattr(modeling, "cached_models", {t: {} for t in modeling.AVAILABLE_MODELS}, raising=False)
    return tmp_path / ".deepface" / "weights" / "facial_expression_model_weights.onnx"


def test_deepface_emotion_weights_on_disk_join_the_ensemble(fresh_deepface, settings, face_files):
    _write_deepface_shaped_model(fresh_deepface, favourite=FACE_LABELS.index("fear"))
    analyzer, notes = F.build_face_analyzer(settings.model_copy(update={"deepface_emotion": True}))
    assert notes == []
    assert [m.name for m in analyzer.models][-1] == "deepface_emotion"
    # unmeasured here, so it never outvotes the measured net: a quarter of the vote, not half of it
    assert analyzer.weights[-1] / sum(analyzer.weights) == pytest.approx(0.25)
    rgb = decode_image(face_files["neutral"].read_bytes()).rgb
    alone = analyzer.models[-1].predict([rgb])[0]
    assert alone.shape == (7,) and FACE_LABELS[int(np.argmax(alone))] == "fear"
    ensemble = analyzer.classify([rgb])[0]
    bundled = np.mean([m.predict([rgb])[0] for m in analyzer.models[:-1]], axis=0)
    assert ensemble[FACE_LABELS.index("fear")] > bundled[FACE_LABELS.index("fear")] + 0.2


def test_unreachable_weights_fail_once_fast_with_a_clear_reason(fresh_deepface, monkeypatch, caplog):
    from deepface.models.demography.onnx import Emotion

    calls = []
    real = F.unreachable_reason
    monkeypatch.setattr(F, "unreachable_reason", lambda url, t: calls.append(url) or real(url, t))
    monkeypatch.setattr(Emotion, "WEIGHTS_URL", ["https://weights.invalid/facial_expression_model_weights.onnx"])
    from core.settings import Settings

    with caplog.at_level("WARNING"):
        analyzer, notes = F.build_face_analyzer(Settings(allow_downloads=True, download_connect_timeout=2))
    assert len(calls) == 1  # one attempt, no retry loop
    assert [m.name for m in analyzer.models] == ["fer2013_student48-int8+flip"]
    assert "cannot connect to weights.invalid" in notes[0] and str(fresh_deepface) in notes[0]
    assert sum("DeepFace emotion model unavailable" in r.message for r in caplog.records) == 1


def test_downloads_off_means_no_connection_attempt(fresh_deepface, monkeypatch):
    monkeypatch.setattr(F, "unreachable_reason", lambda *a: pytest.fail("must not connect"))
    model, reason = F.DeepFaceEmotion.load(allow_download=False, connect_timeout=1)
    assert model is None and "downloads are off" in reason


def test_missing_bundled_model_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="face-emotion model not found"):
        F.XceptionEmotion(tmp_path / "nope.onnx")
