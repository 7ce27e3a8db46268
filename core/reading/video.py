"""Frames from a GIF, a video or a video note, for reading like photos (PyAV: FFmpeg's decoders).

Why this way: a chat clip is short, but a hostile one can be long, huge or broken, so every limit
is checked before the work it guards — bytes, then the stream's duration and size from the
container's header, then the frames actually decoded (a clip that lies about its length is cut
off). Up to `max_frames` frames are taken evenly across the clip (the middle of each of n equal
parts), each scaled on decode to the pipeline's working size. Anything FFmpeg cannot read becomes
a VideoError kind that bot.replies words ("damaged_video", "no_video_stream", …).
"""

from __future__ import annotations

import io
import logging
from typing import Optional

import numpy as np

from core.errors import UserError

log = logging.getLogger(__name__)

MAX_DECODED_FRAMES = 3000  # frames decoded at most while sampling (a 60 s clip at 50 fps)

# container signatures we read as clips (core.reading.images names them when refusing a photo)
_SIGNATURES = ((b"\x1aE\xdf\xa3", 0), (b"ftyp", 4), (b"GIF8", 0))


class VideoError(UserError):
    kind = "damaged_video"


def looks_like_video(data: bytes) -> bool:
    """MP4 / QuickTime / WebM / MKV, or a GIF (an animated one is read as a clip)."""
    return any(data[offset:offset + len(magic)] == magic for magic, offset in _SIGNATURES)


def sample_frames(data: bytes, *, max_frames: int = 8, max_seconds: float = 60.0, max_bytes: int = 20 * 2**20,
                  max_side: int = 4096, working_side: int = 1024) -> list[np.ndarray]:
    """Up to `max_frames` RGB frames (uint8, longest side ≤ working_side), evenly across the clip."""
    import av  # PyAV: imported here, photos never need it

    if not data:
        raise VideoError("empty_video")
    if len(data) > max_bytes:
        raise VideoError("video_too_big", mb=len(data) / 2**20, max_mb=max_bytes / 2**20)
    try:
        container = av.open(io.BytesIO(data), mode="r", metadata_errors="ignore")
    except (av.FFmpegError, ValueError, OSError) as exc:
        raise VideoError("damaged_video", detail=str(exc)) from None
    with container:
        if not container.streams.video:
            raise VideoError("no_video_stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        width, height = stream.codec_context.width or 0, stream.codec_context.height or 0
        if max(width, height) > max_side:
            raise VideoError("video_too_large", width=width, height=height, max_side=max_side)
        seconds = _duration(container, stream)
        if seconds is not None and seconds > max_seconds:
            raise VideoError("video_too_long", seconds=seconds, max_seconds=max_seconds)
        scale = min(1.0, working_side / max(width, height, 1))
        size = (max(2, round(width * scale)), max(2, round(height * scale))) if width and height else None
        frames = _decode(container, stream, size, max_frames)
    if not frames:
        raise VideoError("damaged_video", detail="no frame could be decoded")
    if len(frames) <= max_frames:
        return frames
    n = len(frames)
    return [frames[min(n - 1, int((i + 0.5) * n / max_frames))] for i in range(max_frames)]


def _duration(container, stream) -> Optional[float]:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def _decode(container, stream, size, max_frames: int) -> list[np.ndarray]:
    """Frames spread over the whole clip, holding at most 2 × max_frames at any time: every
    `stride`-th frame is kept, and when the kept ones reach 2 × max_frames every other one is
    dropped and the stride doubles — memory stays bounded however long the clip really is. At most
    MAX_DECODED_FRAMES are decoded (a clip longer than its header said is cut there)."""
    import av

    kept: list[np.ndarray] = []
    stride = 1
    kwargs = {"width": size[0], "height": size[1]} if size else {}
    try:
        for k, frame in enumerate(container.decode(stream)):
            if k >= MAX_DECODED_FRAMES:
                log.info("clip cut at %d decoded frames", k)
                break
            if k % stride:
                continue
            kept.append(frame.to_ndarray(format="rgb24", **kwargs))
            if len(kept) >= 2 * max_frames:
                kept = kept[::2]
                stride *= 2
    except (av.FFmpegError, ValueError) as exc:
        if not kept:
            raise VideoError("damaged_video", detail=str(exc)) from None
        log.info("clip damaged after some frames, reading those: %s", exc)
    return kept
