"""`python -m bot analyze` and `python -m evaluation` end to end, as a person runs them."""

from __future__ import annotations

import json
import subprocess

import numpy as np
import pytest

from evaluation.eval import score
from tests.conftest import DEMO, ROOT

KEYS = {"file", "label", "confidence", "valence", "arousal", "top", "faces", "signals", "timings_ms", "error"}


def run(python, *args, timeout=300):
    return subprocess.run([python, *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def analyzed(python, tmp_path_factory):
    bad = tmp_path_factory.mktemp("bad") / "notes.pdf"
    bad.write_bytes(b"%PDF-1.4\n%%EOF\n")
    files = [DEMO / "astronaut.jpg", bad, DEMO / "coffee.jpg", ROOT / "missing.jpg"]
    proc = run(python, "-m", "bot", "analyze", *map(str, files), "--json")
    return files, proc


def test_json_lines_one_per_photo_bad_files_do_not_stop_the_rest(analyzed):
    files, proc = analyzed
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [l["file"] for l in lines] == [str(f) for f in files]
    for line in lines:
        assert KEYS <= set(line)
    portrait, pdf, coffee, missing = lines
    assert portrait["error"] is None and portrait["label"] == "happy"
    assert 0 <= portrait["confidence"] <= 1 and -1 <= portrait["valence"] <= 1 and -1 <= portrait["arousal"] <= 1
    assert portrait["faces"][0]["label"] == "happy" and len(portrait["faces"][0]["box"]) == 4
    assert set(portrait["faces"][0]["probs"]) == {"angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"}
    assert portrait["signals"]["scene"]["available"] is False and portrait["signals"]["scene"]["reason"]
    assert portrait["signals"]["faces"]["weight"] > 0.5
    assert pdf["error"] == "That file isn't an image I can read (PDF)." and pdf["label"] is None
    assert coffee["error"] is None and coffee["faces"] == []
    assert "Can't open that file" in missing["error"]


def test_human_output_names_the_mood_and_the_problem(python):
    proc = run(python, "-m", "bot", "analyze", str(DEMO / "astronaut.jpg"), str(ROOT / "pyproject.toml"))
    assert proc.returncode == 0, proc.stderr
    assert "astronaut.jpg: happy (" in proc.stdout and "face 1 at" in proc.stdout
    assert "pyproject.toml: ✗ That file isn't an image I can read (text file)." in proc.stdout


def test_all_files_bad_exits_non_zero(python):
    proc = run(python, "-m", "bot", "analyze", str(ROOT / "pyproject.toml"))
    assert proc.returncode == 1 and "text file" in proc.stdout


def test_run_without_tokens_explains_and_runs_the_demo(python):
    import os

    env = {k: v for k, v in os.environ.items() if k not in ("TELEGRAM_BOT_TOKEN", "DISCORD_BOT_TOKEN")}
    proc = subprocess.run([python, "-m", "bot"], cwd=ROOT / "tests", capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert "No bot token is set" in proc.stderr and "TELEGRAM_BOT_TOKEN" in proc.stderr
    assert "astronaut.jpg: happy" in proc.stdout


def test_eval_on_fixture_faces_reports_metrics(python, face_files, tmp_path):
    import shutil

    for path in face_files.values():
        shutil.copy(path, tmp_path / path.name)
    (tmp_path / "labels.csv").write_text("file,label\n" + "".join(f"{p.name},{lab}\n" for lab, p in face_files.items()))
    proc = run(python, "-m", "evaluation", "faces", str(tmp_path), "--face-crops", "--json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert {"n", "skipped", "accuracy", "macro_f1", "per_class", "confusion"} <= set(report)
    assert report["n"] == 5 and report["accuracy"] == 1.0
    assert report["per_class"]["happy"]["support"] == 1


def test_eval_skips_and_counts_labels_outside_the_seven(python, tmp_path, face_files):
    import shutil

    for label in ("happy", "surprise"):
        shutil.copy(face_files[label], tmp_path / face_files[label].name)
    (tmp_path / "labels.csv").write_text("file,label\nHoward_Dean_0006.jpg,happy\nBo_Ryan_0001.jpg,contempt\n")
    proc = run(python, "-m", "evaluation.eval", "faces", str(tmp_path), "--json")
    report = json.loads(proc.stdout)
    assert report["n"] == 1 and report["skipped"] == 1


def test_eval_without_labels_file_is_a_clear_error(python, tmp_path):
    proc = run(python, "-m", "evaluation.eval", "faces", str(tmp_path))
    assert proc.returncode == 2 and "labels.csv not found" in proc.stderr


def test_metrics_match_a_hand_computed_example():
    truth = ["happy", "happy", "sad", "sad", "angry", "angry"]
    pred = ["happy", "sad", "sad", "sad", "angry", None]
    r = score(truth, pred)
    assert r.n == 6 and r.accuracy == pytest.approx(4 / 6, abs=1e-4) and r.no_face == 1
    assert r.per_class["sad"].precision == pytest.approx(2 / 3, abs=1e-4) and r.per_class["sad"].recall == 1.0
    assert r.per_class["angry"].recall == 0.5 and r.per_class["angry"].precision == 1.0
    assert r.macro_f1 == pytest.approx((2 / 3 + 0.8 + 2 / 3) / 3, abs=1e-3)
    assert r.confusion["angry"]["no_face"] == 1


def test_calibration_report_finds_overconfidence_and_refits_it():
    from evaluation.eval import calibration

    rng = np.random.default_rng(0)
    p = rng.uniform(0.3, 1.0, 4000)
    correct = rng.uniform(size=p.size) < (p - 0.25)  # right 25 points less often than it claims
    report = calibration(p, correct)
    assert report["n"] == 4000 and report["ece_raw"] > 0.2
    assert report["refit"]["ece_cv"] < 0.06


def test_analyze_reads_gifs_and_videos_and_names_a_broken_one(python, tmp_path):
    from tests.conftest import make_clip

    gif, video, broken = tmp_path / "party.gif", tmp_path / "clip.mp4", tmp_path / "cut.mp4"
    gif.write_bytes(make_clip("gif"))
    video.write_bytes(make_clip("mp4"))
    broken.write_bytes(make_clip("mp4")[:1500])
    proc = run(python, "-m", "bot", "analyze", str(gif), str(video), str(broken), "--json")
    assert proc.returncode == 0, proc.stderr
    g, v, b = (json.loads(line) for line in proc.stdout.splitlines())
    assert g["kind"] == v["kind"] == "video" and len(g["parts"]) == len(v["parts"]) == 8
    assert g["songs"] and v["songs"]
    assert b["label"] is None and "couldn't play that clip" in b["error"]
