"""OpenCLIP's real code on a tiny random-initialised config: shapes, caching, batching, loading.

Random weights say nothing about accuracy; these tests check the plumbing only.
"""

from __future__ import annotations

import numpy as np
import onnx
import pytest
import torch

from core.emotions import LABELS
from models import clip as C
from models import clip_prepare as P
from models import clip_prompts
from models.download import WeightsUnavailable
from tests.conftest import DEMO, ROOT

TINY = "moodtune-tiny-clip"


@pytest.fixture(scope="module", autouse=True)
def tiny_config():
    import open_clip

    open_clip.add_model_config(ROOT / "tests" / "fixtures" / "clip" / f"{TINY}.json")


@pytest.fixture(scope="module")
def scorer(tmp_path_factory):
    torch.manual_seed(0)
    return P.load_clip(TINY, None, tmp_path_factory.mktemp("clip"), threads=1)


def photo(name="coffee.jpg"):
    from core.reading.images import decode_image

    return decode_image((DEMO / name).read_bytes()).rgb


def test_prompts_and_scene_moods_use_only_known_labels():
    assert set(clip_prompts.MOOD_PROMPTS) <= set(LABELS)
    for _, moods in clip_prompts.SCENES.values():
        assert set(moods) <= set(LABELS) and sum(moods.values()) == pytest.approx(1)


def test_class_embeddings_are_unit_vectors_one_per_class(scorer):
    n = len(clip_prompts.MOOD_PROMPTS) + len(clip_prompts.SCENES)
    assert scorer.text_embeddings.shape == (n, 32)
    assert np.allclose(np.linalg.norm(scorer.text_embeddings, axis=1), 1, atol=1e-5)


def test_score_gives_a_distribution_over_known_labels(scorer):
    res = scorer.score(photo())
    assert set(res.moods) <= set(LABELS)
    assert sum(res.moods.values()) == pytest.approx(1, abs=1e-5)
    assert len(res.scenes) == 3 and res.scenes[0][1] >= res.scenes[1][1]
    assert 0 <= res.margin <= 1


def test_batch_equals_one_by_one(scorer):
    images = [photo("coffee.jpg"), photo("cat.jpg"), photo("rocket.jpg")]
    batch = scorer.embed_images(images)
    single = np.stack([scorer.embed_images([im])[0] for im in images])
    assert batch.shape == (3, 32) and np.allclose(batch, single, atol=1e-5)


def test_text_embeddings_are_cached_on_disk_and_reused(tmp_path, monkeypatch):
    torch.manual_seed(1)
    first = P.load_clip(TINY, None, tmp_path)
    files = list(tmp_path.glob("text-*.npy"))
    assert len(files) == 1
    monkeypatch.setattr(P, "encode_text_classes", lambda *a: pytest.fail("cache not used"))
    torch.manual_seed(1)  # the same weights again
    second = P.load_clip(TINY, None, tmp_path)
    assert np.array_equal(first.text_embeddings, second.text_embeddings)


def test_prompt_change_invalidates_the_cache(tmp_path, monkeypatch):
    torch.manual_seed(5)
    P.load_clip(TINY, None, tmp_path)
    monkeypatch.setitem(clip_prompts.MOOD_PROMPTS, "calm", ("calm", "quiet"))
    torch.manual_seed(5)
    P.load_clip(TINY, None, tmp_path)
    assert len(list(tmp_path.glob("text-*.npy"))) == 2


def test_local_weights_file_is_loaded(tmp_path, scorer):
    import open_clip

    torch.manual_seed(7)
    model = open_clip.create_model(TINY)
    path = tmp_path / "tiny.pt"
    torch.save(model.state_dict(), path)
    loaded = P.load_clip(TINY, str(path), tmp_path, onnx=False)
    assert P.fingerprint(loaded.model) == P.fingerprint(model)
    fast = P.load_clip(TINY, str(path), tmp_path)
    assert np.allclose(fast.score(photo()).moods["calm"], loaded.score(photo()).moods["calm"], atol=1e-5)


def test_unknown_tag_lists_the_valid_ones(tmp_path):
    with pytest.raises(WeightsUnavailable) as err:
        P.resolve_weights("ViT-B-32", "no-such-tag", tmp_path, allow_download=True, connect_timeout=1)
    assert "laion2b_s34b_b79k" in str(err.value) and "no-such-tag" in str(err.value)


def test_downloads_off_fails_without_connecting(tmp_path, monkeypatch):
    monkeypatch.setattr(P, "unreachable_reason", lambda *a: pytest.fail("must not connect"))
    with pytest.raises(WeightsUnavailable, match="downloads are off"):
        P.resolve_weights("ViT-B-32", "laion2b_s34b_b79k", tmp_path, allow_download=False, connect_timeout=1)


def test_unreachable_host_fails_after_one_attempt(tmp_path, monkeypatch):
    import open_clip

    monkeypatch.setattr(open_clip, "get_pretrained_cfg", lambda m, t: {"url": "https://weights.invalid/clip.pt"})
    monkeypatch.setattr(open_clip, "download_pretrained", lambda *a, **k: pytest.fail("must not start the client"))
    with pytest.raises(WeightsUnavailable) as err:
        P.resolve_weights("ViT-B-32", "some-tag", tmp_path, allow_download=True, connect_timeout=2)
    assert "cannot connect to weights.invalid" in str(err.value)
    assert "MOODTUNE_CLIP_PRETRAINED" in str(err.value) and err.value.short.startswith("OpenCLIP weights not downloaded")


def test_previously_downloaded_url_weights_are_found_in_the_cache(tmp_path, monkeypatch):
    import open_clip

    (tmp_path / "clip.pt").write_bytes(b"x")
    monkeypatch.setattr(open_clip, "get_pretrained_cfg", lambda m, t: {"url": "https://weights.invalid/clip.pt"})
    path, cfg = P.resolve_weights("ViT-B-32", "some-tag", tmp_path, allow_download=True, connect_timeout=1)
    assert path == str(tmp_path / "clip.pt") and cfg["url"].endswith("clip.pt")


def test_onnx_image_tower_matches_pytorch_and_is_cached(tmp_path):
    torch.manual_seed(2)
    fast = P.load_clip(TINY, None, tmp_path, onnx=True)
    assert fast.image_session is not None and fast.model is None  # the torch copy is released
    assert len(list(tmp_path.glob("visual-*.onnx"))) == 1
    torch.manual_seed(2)
    eager = P.load_clip(TINY, None, tmp_path, onnx=False)
    assert eager.image_session is None
    images = [photo("coffee.jpg"), photo("cat.jpg")]
    assert np.allclose(fast.embed_images(images), eager.embed_images(images), atol=1e-5)


def test_different_weights_never_share_caches(tmp_path):
    torch.manual_seed(3)
    a = P.load_clip(TINY, None, tmp_path)
    torch.manual_seed(4)
    b = P.load_clip(TINY, None, tmp_path)
    assert not np.allclose(a.text_embeddings, b.text_embeddings)
    assert len(list(tmp_path.glob("text-*.npy"))) == 2 and len(list(tmp_path.glob("visual-*.onnx"))) == 2


def test_the_default_scene_model_names_its_weights_and_fails_fast_offline(tmp_path):
    """ViT-B-32-256/datacomp_s34b_b86k resolves to its OpenCLIP checkpoint; offline it says what to do."""
    from core.settings import Settings

    s = Settings()
    assert (s.clip_model, s.clip_pretrained) == ("ViT-B-32-256", "datacomp_s34b_b86k")
    with pytest.raises(P.WeightsUnavailable, match="downloads are off"):
        P.resolve_weights(s.clip_model, s.clip_pretrained, tmp_path, allow_download=False, connect_timeout=1)


def test_a_second_start_needs_neither_pytorch_nor_the_weights_in_memory(tmp_path):
    """After one start with a weights file, the next builds the scorer from its cached ONNX tower
    and text embeddings alone, and reads photos exactly as the first did."""
    import open_clip

    torch.manual_seed(3)
    path = tmp_path / "tiny.pt"
    torch.save(open_clip.create_model(TINY).state_dict(), path)
    first = P.load_clip(TINY, str(path), tmp_path)
    assert list(tmp_path.glob("scene-*.json"))
    second = P.load_clip(TINY, str(path), tmp_path)
    assert second.model is None and second.tokenizer is None  # nothing of PyTorch kept
    for name in ("coffee.jpg", "astronaut.jpg"):
        a, b = first.score(photo(name)), second.score(photo(name))
        assert a.moods == pytest.approx(b.moods, abs=1e-6) and a.scenes[0][0] == b.scenes[0][0]
    # a changed weights file is a different model: nothing is reused
    torch.manual_seed(4)
    torch.save(open_clip.create_model(TINY).state_dict(), path)
    third = P.load_clip(TINY, str(path), tmp_path)
    assert len(list(tmp_path.glob("scene-*.json"))) == 2  # prepared anew, beside the first one's files
    assert third.model is None  # and loaded from its own prepared files
    assert third.score(photo()).moods != pytest.approx(first.score(photo()).moods, abs=1e-6)


def test_numpy_preprocessing_matches_openclips_transform():
    import open_clip
    from PIL import Image

    _, _, preprocess = open_clip.create_model_and_transforms(TINY)
    img = Image.fromarray(photo("rocket.jpg"))
    ours = C.numpy_preprocess(224, open_clip.OPENAI_DATASET_MEAN, open_clip.OPENAI_DATASET_STD)(img)
    assert ours.shape == (3, 224, 224) and np.abs(ours - preprocess(img).numpy()).max() < 1e-4


def test_a_first_start_prepares_the_scene_model_in_a_child_process(tmp_path, capfd):
    """With a weights file and an empty cache, the tower export and the prompt embeddings happen in
    a child process that says what it is doing; this process only loads what the child wrote (no
    tokenizer, no PyTorch model here) and reads photos as the in-process preparation does."""
    import open_clip

    torch.manual_seed(5)
    path = tmp_path / "tiny.pt"
    torch.save(open_clip.create_model(TINY).state_dict(), path)
    child = P.load_clip(TINY, str(path), tmp_path / "a")
    progress = capfd.readouterr().err
    assert "exporting the image tower" in progress and "ready in" in progress
    assert child.model is None and child.tokenizer is None
    here = P.load_clip(TINY, str(path), tmp_path / "b", prepare_in_child=False)
    assert here.tokenizer is not None  # prepared in this process
    assert child.score(photo()).moods == pytest.approx(here.score(photo()).moods, abs=1e-5)
    # the int8 tower comes from the float files by a child without PyTorch (quantizing beside
    # PyTorch's own memory was the first start's peak)
    small = P.load_clip(TINY, str(path), tmp_path / "a", int8=True)
    progress = capfd.readouterr().err
    assert "quantizing the image tower to int8" in progress and "PyTorch" not in progress
    assert small.score(photo()).moods == pytest.approx(here.score(photo()).moods, abs=0.05)


def test_a_child_that_finds_no_weights_says_so_in_one_sentence(tmp_path):
    with pytest.raises(WeightsUnavailable, match="downloads are off"):
        P.load_clip("ViT-B-32", "laion2b_s34b_b79k", tmp_path, allow_download=False)


def test_prompts_are_embedded_on_the_positions_they_use_with_the_same_result(scorer):
    """encode_text_short skips the padding after the longest prompt: same embeddings as OpenCLIP's
    own encode_text on all 77 positions (the tiny model has CLIP's causal text tower)."""
    import open_clip

    torch.manual_seed(11)
    model = open_clip.create_model(TINY).eval()
    tokens = open_clip.get_tokenizer(TINY)(["a calm photo.", "an image with a melancholic mood.", "snow."])
    with torch.inference_mode():
        full, short = model.encode_text(tokens), P.encode_text_short(model, tokens)
    assert (tokens != 0).sum(1).max() < tokens.shape[1] / 3  # most positions are padding
    assert torch.allclose(full, short, atol=1e-5)


def test_the_int8_image_tower_follows_the_float_one_and_is_cached_beside_it(tmp_path):
    torch.manual_seed(2)
    exact = P.load_clip(TINY, None, tmp_path, onnx=True)
    (exported,) = tmp_path.glob("visual-*.onnx")
    earlier_recipe = exported.with_name(exported.stem + "-int8.onnx")  # what the first recipe left in caches
    earlier_recipe.write_bytes(b"an int8 tower of the earlier recipe")
    torch.manual_seed(2)
    small = P.load_clip(TINY, None, tmp_path, onnx=True, int8=True)
    assert not earlier_recipe.exists()  # made again by this recipe, the old copy deleted
    (float_file,) = [p for p in tmp_path.glob("visual-*.onnx") if not p.stem.endswith("-int8-matmuls")]
    (int8_file,) = tmp_path.glob("visual-*-int8-matmuls.onnx")
    weights = float_file.with_name(float_file.name + ".data")  # the float tower's weights, beside its graph
    # smaller though the patch embedding stays float (this tiny tower's largest weight; 3 % of ViT-B-32's)
    assert int8_file.stat().st_size < 0.9 * (float_file.stat().st_size + weights.stat().st_size)
    # the matrix products in 8 bits, the patch embedding in float: onnxruntime's ConvInteger was a
    # quarter of the tower's time for 3 % of its work
    ops = {node.op_type for node in onnx.load(str(int8_file)).graph.node}
    assert {"DynamicQuantizeLinear", "MatMulInteger"} & ops and "Conv" in ops and "ConvInteger" not in ops, ops
    images = [photo(n) for n in ("coffee.jpg", "cat.jpg", "astronaut.jpg", "rocket.jpg")]
    cosine = (exact.embed_images(images) * small.embed_images(images)).sum(1)
    assert cosine.min() > 0.98 and not np.allclose(cosine, 1.0, atol=1e-6)  # close, and really the 8-bit copy
