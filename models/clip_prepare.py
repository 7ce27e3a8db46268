"""Preparing the scene model (OpenCLIP): finding the weights, exporting the image tower to ONNX (and
its int8 copy), embedding the prompts — and `load_clip`, which loads the prepared files or prepares
them first.

Weights: `pretrained` is an OpenCLIP tag (downloaded on first use into the cache dir, through
OpenCLIP's own download code) or a local file. When neither works, `load_clip` raises
WeightsUnavailable with one sentence saying what to do, after one quick connection attempt rather
than the hub client's minute of retries.

First start: preparing takes PyTorch and the full weights — 1.33–1.44 GB at its peak for ViT-B-32 (2.9 GB
before the weights were memory-mapped and the export streamed them: `create_model`, `export_tower`;
the int8 copy is made by a second child without PyTorch, 1.2 GB). It runs in child processes
(`python -m models.clip_prepare`, which prints its progress on stderr), so the bot's own process only
ever loads the prepared files (≈ 1 GB less).
"""

from __future__ import annotations

import argparse
import ctypes
import functools
import gc
import hashlib
import json
import logging
import os
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable, Mapping, Optional, Sequence

import numpy as np

from models.clip import INT8_RECIPE, ClipScorer, load_prepared, manifest_path, numpy_preprocess
from models.clip_prompts import prompt_set
from models.download import WeightsUnavailable, unreachable_reason
from models.onnx import session as onnx_session

log = logging.getLogger(__name__)


def class_embeddings(model, tokenizer, cache_dir: Optional[Path]) -> tuple[np.ndarray, Optional[Path]]:
    """One unit vector per class of models.clip_prompts (the normalised mean of its normalised prompt
    embeddings), cached as `<cache>/text-<key>.npy` keyed by the weights and the prompts; and that file."""
    classes = prompt_set()
    key = hashlib.sha256(json.dumps([fingerprint(model), classes], sort_keys=True).encode()).hexdigest()[:16]
    path = cache_dir / f"text-{key}.npy" if cache_dir else None
    if path is not None and path.is_file():
        try:
            cached = np.load(path)
            if cached.shape[0] == len(classes):
                return cached, path
        except (OSError, ValueError) as exc:
            log.warning("ignoring unreadable text-embedding cache %s: %s", path, exc)
    embeddings = encode_text_classes(model, tokenizer, classes)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        with open(tmp, "wb") as fh:
            np.save(fh, embeddings)
        os.replace(tmp, path)  # atomic: a concurrent reader sees the old file or the new one
    return embeddings, path


def encode_text_classes(model, tokenizer, classes: Mapping[str, Sequence[str]]) -> np.ndarray:
    """One unit vector per class: the normalised mean of its normalised prompt embeddings."""
    import torch

    out = []
    with torch.inference_mode():
        for prompts in classes.values():
            emb = encode_text_short(model, tokenizer(list(prompts))).float()
            emb = emb / emb.norm(dim=-1, keepdim=True)
            mean = emb.mean(dim=0)
            out.append((mean / mean.norm()).numpy())
    return np.stack(out).astype(np.float32)


def encode_text_short(model, tokens):
    """`model.encode_text(tokens)` computed on only the token positions the prompts use.

    The text tower's attention is causal and the embedding is read at each prompt's end token, so
    the padding after the longest prompt (a mood prompt uses ~12 of CLIP's 77 positions) never
    changes the result — skipping it makes embedding the prompts ~5x faster on a first start
    (tests/test_clip.py checks the two agree). Models without a causal mask or end-token pooling
    take OpenCLIP's own path."""
    import torch
    from open_clip.transformer import text_global_pool

    mask = getattr(model, "attn_mask", None)
    pool = getattr(model, "text_pool_type", None)
    if mask is None or pool not in ("argmax", "eos") or not hasattr(model, "positional_embedding"):
        return model.encode_text(tokens)
    used = int((tokens != 0).any(dim=0).nonzero().max()) + 1
    short = tokens[:, :used]
    cast = model.transformer.get_cast_dtype()
    x = model.token_embedding(short).to(cast) + model.positional_embedding[:used].to(cast)
    x = model.ln_final(model.transformer(x, attn_mask=mask[:used, :used]))
    x = text_global_pool(x, short, pool, eos_token_id=getattr(model, "text_eos_id", None))
    if model.text_projection is not None:
        x = model.text_projection(x) if isinstance(model.text_projection, torch.nn.Linear) else x @ model.text_projection
    return x



def _transform_settings(model, cfg: Mapping) -> dict:
    """What OpenCLIP's evaluation transform for this model does: the input side, the normalisation
    (the pretrained tag's, else what OpenCLIP set on the model) and the resampling filter."""
    size = model.visual.image_size
    mean = cfg.get("mean") or getattr(model.visual, "image_mean", None) or (0.48145466, 0.4578275, 0.40821073)
    std = cfg.get("std") or getattr(model.visual, "image_std", None) or (0.26862954, 0.26130258, 0.27577711)
    return {"image_size": int(size[0] if isinstance(size, (tuple, list)) else size), "mean": list(mean), "std": list(std),
            "interpolation": cfg.get("interpolation", "bicubic")}


def quantize_prepared(float_manifest: Path, manifest: Path) -> None:
    """The int8 scene model's files from the float one's (the same prompts and transform, the tower
    quantized): needs onnxruntime only, never PyTorch."""
    info = json.loads(float_manifest.read_text())
    info["onnx"] = quantized(float_manifest.parent / info["onnx"]).name
    _write_atomically(manifest, json.dumps(info).encode())


def _write_prepared(manifest: Path, logit_scale: float, onnx_file: Path, text_file: Path, transform: Mapping) -> None:
    info = {"onnx": onnx_file.name, "text": text_file.name, "logit_scale": logit_scale, **transform}
    _write_atomically(manifest, json.dumps(info).encode())


def fingerprint(model) -> str:
    """A short id of a model's weights: the hash of the first values of every parameter.

    Keys the on-disk caches, so changed weights (another tag, another file, another random init)
    never reuse embeddings or graphs computed for different ones.
    """
    import torch

    with torch.no_grad():
        head = torch.cat([p.detach().flatten()[:64].float().cpu() for p in model.parameters()])
    return hashlib.sha256(head.numpy().tobytes()).hexdigest()[:16]


def image_session(model, cache_dir: Optional[Path], threads: int, int8: bool = False):
    """The image tower as an onnxruntime session (about 1.8x faster than eager PyTorch on 2 cores;
    with `int8`, its matrix products' weights in 8 bits (`quantized`) — 2.7x faster again on 2 threads,
    3.7x on one, 96 MB instead of 350 MB;
    docs/PERFORMANCE.md reports how closely its embeddings follow the float ones).

    The graph is exported once per weights and cached as `<cache>/visual-<fingerprint>.onnx` (and
    `…-int8-matmuls.onnx`). Returns (session, cached file), or (None, None) — eager PyTorch is used — if the
    export fails: slower, never wrong.
    """
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = exported_tower(model, cache_dir or Path(tmp))
            if int8:
                path = quantized(path)
            return onnx_session(path, threads), (path if cache_dir else None)
    except Exception as exc:  # exporter and runtime raise many types; all mean "use torch"
        log.warning("running the OpenCLIP image tower on PyTorch (ONNX export failed: %s)", exc)
        return None, None


def exported_tower(model, cache_dir: Path) -> Path:
    """`<cache>/visual-<fingerprint>-<torch version>.onnx`, exported by `export_tower` unless there."""
    import torch

    path = cache_dir / f"visual-{fingerprint(model)}-{torch.__version__}.onnx"
    if not path.is_file():
        size = model.visual.image_size
        export_tower(model.visual.eval(), size if isinstance(size, (tuple, list)) else (size, size), path)
    return path


def export_tower(visual, size: Sequence[int], path: Path) -> None:
    """Write the image tower as ONNX: the graph from PyTorch's exporter *without* its weights, and the
    weights streamed one tensor at a time into `<file>.data` beside it (ONNX's external-data format).

    Why not `torch.onnx.export(..., export_params=True)`: it holds the weights' folded copies, the
    model proto and its serialized bytes at once — 1.1 GB over the model for ViT-B-32's 351 MB tower,
    most of the first start's 2.9 GB peak. Here the exporter traces the graph only (the weights are
    its inputs), the weights' transposes (and identities), which its constant folding used to bake
    in, are folded while writing — so the quantizer still sees every MatMul's weight as a constant —
    and no second copy of the weights is ever whole in memory. The data is written first, then the
    graph, each under a temporary name until whole: whoever finds the graph finds its data complete."""
    import onnx
    import torch
    from onnx import helper

    with tempfile.TemporaryDirectory() as tmp:
        graph_file = Path(tmp) / "graph.onnx"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the TorchScript exporter's deprecation notices
            torch.onnx.export(visual, (torch.zeros(1, 3, *size),), str(graph_file), input_names=["image"],
                              output_names=["embedding"], dynamic_axes={"image": {0: "n"}, "embedding": {0: "n"}},
                              opset_version=17, dynamo=False, export_params=False, do_constant_folding=False)
        proto = onnx.load(str(graph_file))
    tensors = {**dict(visual.named_parameters()), **dict(visual.named_buffers())}
    graph = proto.graph
    # a weight, or (source, perm) for a weight seen through Identity / Transpose
    sources: dict[str, tuple[str, Optional[list[int]]]] = {i.name: (i.name, None) for i in graph.input if i.name in tensors}
    kept = []
    for node in graph.node:
        if node.op_type in ("Identity", "Transpose") and node.input[0] in sources and sources[node.input[0]][1] is None:
            root = sources[node.input[0]][0]  # the weight itself, through any identities
            perm = next((list(a.ints) for a in node.attribute if a.name == "perm"), None)
            if node.op_type == "Transpose" and perm is None:  # ONNX's default: the axes reversed
                perm = list(range(tensors[root].dim() - 1, -1, -1))
            sources[node.output[0]] = (root, perm)
        else:
            kept.append(node)
    used = {name for node in kept for name in node.input} | {o.name for o in graph.output}
    del graph.node[:]
    graph.node.extend(kept)
    inputs = [i for i in graph.input if i.name not in sources]
    del graph.input[:]
    graph.input.extend(inputs)
    data = path.with_name(path.name + ".data")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_data = data.with_name(f"{data.name}.{os.getpid()}.tmp")
    offset = 0
    with open(tmp_data, "wb") as fh, torch.no_grad():
        for name, (source, perm) in sources.items():
            if name not in used:
                continue
            array = tensors[source].detach().cpu().numpy()
            array = np.ascontiguousarray(array.transpose(perm) if perm is not None else array)
            raw = array.tobytes()
            fh.write(raw)
            tensor = onnx.TensorProto(name=name, data_type=helper.np_dtype_to_tensor_dtype(array.dtype), dims=array.shape)
            tensor.data_location = onnx.TensorProto.EXTERNAL
            for key, value in (("location", data.name), ("offset", str(offset)), ("length", str(len(raw)))):
                tensor.external_data.add(key=key, value=value)
            graph.initializer.append(tensor)
            offset += len(raw)
            del raw, array
    os.replace(tmp_data, data)
    _write_atomically(path, proto.SerializeToString())


def quantized(path: Path) -> Path:
    """The int8 copy of an exported tower (onnxruntime's dynamic quantization: weights stored as
    8-bit integers, activations quantized per call), cached beside the float file, in one file.

    Only the matrix products are quantized; the patch embedding (one 32×32-stride convolution) stays
    float: onnxruntime's ConvInteger took 9.4 ms of a 35 ms forward pass on one thread for 3 % of the
    multiply-adds, the float convolution about a millisecond (docs/PERFORMANCE.md)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target = path.with_name(f"{path.stem}-{INT8_RECIPE}.onnx")
    if target.is_file():
        return target
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.ERROR))  # the quantizer's "consider pre-processing" notice, on the root logger
    try:
        quantize_dynamic(str(path), str(tmp), weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
    finally:
        root.setLevel(level)
    os.replace(tmp, target)
    for older in path.parent.glob(f"{path.stem}-int8*.onnx"):  # an earlier recipe's copy (~90 MB) nobody reads now
        if older != target:
            older.unlink(missing_ok=True)
    return target


def _write_atomically(path: Path, data: bytes) -> None:
    """A concurrent reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def _hub_cached_file(cfg: Mapping, cache_dir: Path) -> Optional[str]:
    """The weights file of a pretrained config if a previous download left it in the cache."""
    if cfg.get("hf_hub"):
        from huggingface_hub import try_to_load_from_cache

        repo, filename = os.path.split(cfg["hf_hub"])
        for name in ([filename] if filename else ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"]):
            found = try_to_load_from_cache(repo.rstrip("/"), name, cache_dir=str(cache_dir))
            if isinstance(found, str):
                return found
    if cfg.get("url"):
        candidate = cache_dir / os.path.basename(cfg["url"])
        if candidate.is_file():
            return str(candidate)
    return None


def resolve_weights(model_name: str, pretrained: str, cache_dir: Path, *, allow_download: bool, connect_timeout: float) -> tuple[str, Mapping]:
    """A local weights path for `pretrained` (tag or file) and the tag's config ({} for files)."""
    if os.path.isfile(pretrained):
        return pretrained, {}
    import open_clip

    cfg = open_clip.get_pretrained_cfg(model_name, pretrained)
    if not cfg:
        tags = open_clip.list_pretrained_tags_by_model(model_name)
        if not tags and model_name not in open_clip.list_models():
            raise WeightsUnavailable(f"Unknown OpenCLIP model '{model_name}'. Known models include: {', '.join(open_clip.list_models()[:12])}, ...")
        raise WeightsUnavailable(
            f"'{pretrained}' is neither a file nor a pretrained tag of {model_name}; its tags are: {', '.join(tags)}."
        )
    cached = _hub_cached_file(cfg, cache_dir)
    if cached:
        return cached, cfg
    source = f"https://huggingface.co/{cfg['hf_hub']}" if cfg.get("hf_hub") else cfg.get("url", "")
    if not allow_download:
        raise WeightsUnavailable(
            f"OpenCLIP weights {model_name}/{pretrained} are not in {cache_dir} and downloads are off.",
            short="OpenCLIP weights not downloaded (downloads are off)",
        )
    reason = unreachable_reason(source, connect_timeout)
    if reason:
        raise WeightsUnavailable(
            f"OpenCLIP weights {model_name}/{pretrained} are not in {cache_dir} and cannot be downloaded: {reason}. "
            f"Connect once to download them, or set MOODTUNE_CLIP_PRETRAINED to a local weights file.",
            short=f"OpenCLIP weights not downloaded ({reason})",
        )
    cache_dir.mkdir(parents=True, exist_ok=True)
    try:
        path = open_clip.download_pretrained(dict(cfg), cache_dir=str(cache_dir))
    except Exception as exc:  # hub client errors are many; each means "no weights"
        raise WeightsUnavailable(f"Downloading OpenCLIP weights {model_name}/{pretrained} failed: {exc}") from exc
    if not path:
        raise WeightsUnavailable(f"OpenCLIP has no download source for {model_name}/{pretrained}.")
    return path, cfg


def load_clip(
    model_name: str,
    pretrained: Optional[str],
    cache_dir: Path,
    *,
    allow_download: bool = True,
    connect_timeout: float = 4.0,
    threads: Optional[int] = None,
    onnx: bool = True,
    int8: bool = False,
    prepare_in_child: bool = True,
    progress: Callable[[str], None] = lambda message: None,
    files_only: bool = False,
) -> Optional[ClipScorer]:
    """Build a ClipScorer. `pretrained=None` gives random weights: for tests and timing only.

    With `onnx`, images go through an onnxruntime copy of the image tower (text stays on torch:
    it runs once per prompt set), with `int8` its 8-bit copy (see `image_session`). The prepared
    pieces are cached; when they are missing and `prepare_in_child`, a child process prepares them
    (see the module's docstring) and this process loads only what it wrote. `files_only` (that
    child): write the pieces and return None, without a session nobody would use.
    """
    if pretrained is not None and onnx and cache_dir is not None:
        manifest = manifest_path(cache_dir, model_name, pretrained, int8)
        if not manifest.is_file() and prepare_in_child:
            _prepare_in_child(model_name, pretrained, cache_dir, allow_download=allow_download,
                              connect_timeout=connect_timeout, int8=int8)
        float_manifest = manifest_path(cache_dir, model_name, pretrained, False)
        if not manifest.is_file() and int8 and float_manifest.is_file():
            progress("quantizing the image tower to int8")  # from the float files: no PyTorch
            quantize_prepared(float_manifest, manifest)
        if manifest.is_file() and files_only:
            return None
        if manifest.is_file():  # prepared by an earlier start: no PyTorch, no weights in memory
            prepared = load_prepared(manifest, threads or os.cpu_count() or 1)
            if prepared is not None:
                return prepared
    path, cfg = None, {}
    if pretrained is not None:
        progress(f"finding the weights of {model_name} ({pretrained})")
        path, cfg = resolve_weights(model_name, pretrained, cache_dir, allow_download=allow_download, connect_timeout=connect_timeout)
    progress(f"loading {model_name} in PyTorch")
    import open_clip
    import torch

    if threads:
        torch.set_num_threads(threads)
    kwargs: dict = {}
    if path is not None:
        kwargs["pretrained"] = path
        if cfg.get("quick_gelu"):
            kwargs["force_quick_gelu"] = True
        if cfg.get("mean"):
            kwargs.update(image_mean=cfg["mean"], image_std=cfg["std"])
    try:
        model, _, preprocess = create_model(model_name, cache_dir, kwargs)
    except RuntimeError as exc:
        raise WeightsUnavailable(f"OpenCLIP could not load {model_name} from {kwargs.get('pretrained')}: {exc}") from exc
    tokenizer = open_clip.get_tokenizer(model_name)
    scale = min(float(model.logit_scale.exp().item()), 100.0)  # CLIP's learned temperature (≤ 100 by training)
    transform = _transform_settings(model, cfg)
    manifest = manifest_path(cache_dir, model_name, pretrained, int8) if pretrained is not None else None
    if files_only:  # the preparing child: the float files (then the int8 tower), nothing loaded for use
        if not onnx or manifest is None:
            return None
        # the tower first: the weights are memory-mapped, and each page read stays resident until the
        # model is gone, so the text tower's pages must not be in yet while the exporter's trace is
        progress("exporting the image tower to ONNX")
        tower = exported_tower(model, cache_dir)
        _give_back_freed_memory()
        progress(f"embedding {len(prompt_set())} classes of prompts")
        _, text_file = class_embeddings(model, tokenizer, cache_dir)
        del model, preprocess, tokenizer
        gc.collect()
        float_manifest = manifest_path(cache_dir, model_name, pretrained, False)
        if text_file is not None:
            _write_prepared(float_manifest, scale, tower, text_file, transform)
        if int8 and text_file is not None:
            progress("quantizing the image tower to int8")
            quantize_prepared(float_manifest, manifest)
        return None
    progress(f"embedding {len(prompt_set())} classes of prompts")
    text, text_file = class_embeddings(model, tokenizer, cache_dir)
    if onnx:
        progress("exporting the image tower to ONNX" + (" and quantizing it to int8" if int8 else ""))
    session, onnx_file = image_session(model, cache_dir, threads or torch.get_num_threads(), int8) if onnx else (None, None)
    if session is not None:  # images go through onnxruntime from now on: the same transform, without PyTorch tensors
        preprocess = numpy_preprocess(**transform)
    scorer = ClipScorer(model, preprocess, tokenizer, text_embeddings=text, logit_scale=scale, image_session=session)
    if manifest is not None and onnx_file is not None and text_file is not None:
        # next start: straight from these files (models.clip.load_prepared)
        _write_prepared(manifest, scale, onnx_file, text_file, transform)
    return scorer


def _give_back_freed_memory() -> None:
    """Hand what the exporter freed back to the system before the text tower's pages come in. glibc
    keeps freed heap for reuse, so the tracer's ~300 MB stayed counted while the prompts were embedded,
    and that step, not the export, made the child's peak in the outlier run sampled (1.51 GB against ~1.42;
    runs at 1.54 and 1.65 GB were not sampled)."""
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc: nothing to trim
        pass


def create_model(model_name: str, cache_dir: Path, kwargs: Mapping):
    """OpenCLIP's `create_model_and_transforms`, with a weights file memory-mapped and its tensors
    taken as they are (`load_state_dict(assign=True)`) instead of copied into the model's own:
    loading ViT-B-32 peaks at 1.3 GB instead of 1.9 GB (the random initial weights and the file's
    tensors were side by side). OpenCLIP's own checkpoint handling (format conversions, resized
    position embeddings) still does the loading."""
    import open_clip
    from torch.utils.serialization import config as serialization

    checkpoint = kwargs.get("pretrained")
    if checkpoint is None or not os.path.isfile(checkpoint) or Path(checkpoint).suffix in (".npz", ".npy"):
        return open_clip.create_model_and_transforms(model_name, cache_dir=str(cache_dir), **kwargs)
    model, train, preprocess = open_clip.create_model_and_transforms(model_name, cache_dir=str(cache_dir), load_weights=False, **kwargs)
    model.load_state_dict = functools.partial(type(model).load_state_dict, model, assign=True)
    mmap = serialization.load.mmap
    serialization.load.mmap = True  # torch.load's default, for OpenCLIP's call (safetensors maps by itself)
    try:
        open_clip.load_checkpoint(model, checkpoint)
    finally:
        serialization.load.mmap = mmap
        del model.load_state_dict
    gc.collect()
    return model.eval(), train, preprocess


def _prepare_in_child(model_name: str, pretrained: str, cache_dir: Path, *, allow_download: bool, connect_timeout: float,
                      int8: bool) -> None:
    """Prepare the scene model's cached pieces in child processes, their progress on this stderr: one
    with PyTorch for the text embeddings and the float tower, then (for `int8`) one without it that
    quantizes the tower — quantizing beside PyTorch's own 0.9 GB would make it the first start's peak.
    Raises WeightsUnavailable with the child's sentence when the weights are missing; any other
    failure is logged, and the caller prepares in this process instead (slower to start, same answers)."""
    config = None
    if "open_clip" in sys.modules:  # a model config registered in this process (open_clip.add_model_config) goes along
        config = sys.modules["open_clip"].get_model_config(model_name)
    root = str(Path(__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    log.info("preparing the scene model %s in a child process (first start only)", model_name)
    for step_int8 in (False, True) if int8 else (False,):
        if manifest_path(cache_dir, model_name, pretrained, step_int8).is_file():
            continue
        cmd = [sys.executable, "-m", "models.clip_prepare", "--model", model_name, "--pretrained", pretrained,
               "--cache-dir", str(cache_dir), "--connect-timeout", str(connect_timeout)]
        cmd += ([] if allow_download else ["--no-downloads"]) + (["--int8"] if step_int8 else [])
        cmd += ["--model-config", json.dumps({model_name: config})] if config else []
        try:
            done = subprocess.run(cmd, stdout=subprocess.PIPE, env=env, timeout=1800, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("could not prepare the scene model in a child process (%s); preparing it here", exc)
            return
        try:
            result = json.loads(done.stdout.decode().strip().splitlines()[-1])
        except (ValueError, IndexError):
            result = {}
        if "unavailable" in result:
            raise WeightsUnavailable(result["unavailable"], short=result.get("short", ""))
        if done.returncode != 0:
            log.warning("preparing the scene model in a child process failed (exit %s); preparing it here", done.returncode)
            return


def main(argv: Optional[list[str]] = None) -> int:
    """`python -m models.clip_prepare --model M --pretrained P --cache-dir D`: prepare the cached scene model
    (what a first start needs), printing progress on stderr and one JSON line on stdout."""
    parser = argparse.ArgumentParser(description="Prepare the OpenCLIP scene model's cached ONNX tower and prompt embeddings.")
    parser.add_argument("--model", required=True)
    parser.add_argument("--pretrained", required=True)
    parser.add_argument("--cache-dir", type=Path, required=True)
    parser.add_argument("--connect-timeout", type=float, default=4.0)
    parser.add_argument("--no-downloads", action="store_true")
    parser.add_argument("--int8", action="store_true", help="also the 8-bit image tower, which the bot then uses")
    parser.add_argument("--model-config", help="JSON {name: OpenCLIP model config} of a model OpenCLIP does not ship")
    args = parser.parse_args(argv)
    if args.model_config:
        import tempfile

        import open_clip

        with tempfile.TemporaryDirectory() as folder:
            for name, config in json.loads(args.model_config).items():
                (Path(folder) / f"{name}.json").write_text(json.dumps(config))
            open_clip.add_model_config(folder)
    start = time.perf_counter()

    def say(message: str) -> None:
        print(f"scene model, first start: {message}… ({time.perf_counter() - start:.0f} s)", file=sys.stderr, flush=True)

    try:
        load_clip(args.model, args.pretrained, args.cache_dir, allow_download=not args.no_downloads,
                  connect_timeout=args.connect_timeout, int8=args.int8, prepare_in_child=False, progress=say, files_only=True)
    except WeightsUnavailable as exc:
        print(json.dumps({"unavailable": str(exc), "short": exc.short}))
        return 3
    print(f"scene model, first start: ready in {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True)
    print(json.dumps({"prepared": str(manifest_path(args.cache_dir, args.model, args.pretrained, args.int8))}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
