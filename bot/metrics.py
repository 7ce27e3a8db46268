"""What the operator sees: Prometheus metrics (the official `prometheus_client`), served at
`/metrics` on MOODTUNE_LISTEN by every worker — polling or webhook — for its own process.

Several workers: each exposes its own endpoint and Prometheus scrapes each (a job with one target
per worker); sums and quantiles are taken across them in PromQL (docs/SCALING.md has the queries).
Only counts, durations and gauges: no ids, no text a person wrote, no secret.
"""

from __future__ import annotations

from typing import Callable, Mapping, Optional

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

PREFIX = "moodtune"
STAGES = ("decode", "faces", "scene", "color", "fusion", "total", "ranking")  # the pipeline's timings_ms keys

PHOTOS = Counter(f"{PREFIX}_photos_total", "Photos, GIFs, clips and albums by outcome (answered, refused, failed)", ["outcome"])
REFUSALS = Counter(f"{PREFIX}_refusals_total", "Expected refusals told to a person, by reason (a UserError kind)", ["reason"])
STAGE_SECONDS = Histogram(f"{PREFIX}_stage_seconds", "Time per stage of reading a photo (and ranking its songs)", ["stage"],
                          buckets=(0.005, 0.01, 0.02, 0.04, 0.08, 0.15, 0.3, 0.6, 1.2, 2.5, 5.0))
QUEUE_WAIT = Histogram(f"{PREFIX}_queue_wait_seconds", "Expected wait of a photo for its turn when admitted",
                       buckets=(0.0, 0.5, 1, 2, 5, 10, 20, 40, 60))
QUEUE_DEPTH = Gauge(f"{PREFIX}_queue_depth", "Photos waiting for their turn in this worker")
IN_FLIGHT = Gauge(f"{PREFIX}_photos_in_flight", "Photos admitted and not answered yet in this worker")
LISTS = Counter(f"{PREFIX}_lists_sent_total", "Song lists sent, by what asked for them", ["kind"])
RATINGS = Counter(f"{PREFIX}_ratings_total", "Songs rated, by how (button, reaction)", ["via"])
PREVIEWS = Counter(f"{PREFIX}_previews_total", "▶ presses, by outcome (sent, none, refused)", ["outcome"])
ERRORS = Counter(f"{PREFIX}_errors_total", "Errors at the boundaries, by where (database, platform, bug) and kind", ["where", "kind"])


def record_reading(timings_ms: Optional[Mapping[str, float]]) -> None:
    """A reading's stage durations (core.reading.fusion.MoodReading.timings_ms) into the histogram."""
    for stage, ms in (timings_ms or {}).items():
        if stage in STAGES:
            STAGE_SECONDS.labels(stage).observe(ms / 1000.0)


def watch_queue(depth: Callable[[], float], in_flight: Callable[[], float]) -> None:
    """The gauges read the queue when scraped (no bookkeeping on the photo's way)."""
    QUEUE_DEPTH.set_function(depth)
    IN_FLIGHT.set_function(in_flight)


def exposition() -> tuple[bytes, str]:
    """The text Prometheus scrapes, and its content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
