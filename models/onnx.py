"""Every ONNX Runtime session of Moodtune's own models is built here, with one thread policy (the
face nets, BlazeFace, O-Net, the scene model's image tower; DeepFace's optional emotion model
builds its own session inside DeepFace).

A session runs on `threads` intra-op threads and one inter-op thread; idle pool threads do not
spin (on 2 cores a spinning pool steals the core the next model needs — measured first on the scene
model, and the same holds for the face models and the detector that run right after it); warnings
below errors are not logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Union


def session(model: Union[Path, str, bytes], threads: int):
    """An onnxruntime InferenceSession on the CPU for a model file (path) or its bytes."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = max(1, int(threads))
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
    source = model if isinstance(model, bytes) else str(model)
    return ort.InferenceSession(source, sess_options=opts, providers=["CPUExecutionProvider"])
