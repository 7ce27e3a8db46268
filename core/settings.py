"""Every setting, read from the environment or `.env` (see `.env.example` for each one).

pydantic-settings does the parsing and validation, so a wrong value fails at start with the name of
the setting, never later in a handler.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Optional, Union

from platformdirs import user_cache_dir, user_data_dir
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_CACHE = Path(user_cache_dir("moodtune"))
POSTGRES_SCHEMES = ("postgresql://", "postgres://")


class Settings(BaseSettings):
    """Moodtune's settings; environment variables are MOODTUNE_<NAME> unless an alias says so."""

    model_config = SettingsConfigDict(
        env_prefix="MOODTUNE_", env_file=".env", extra="ignore", populate_by_name=True
    )

    # images
    max_image_bytes: int = Field(20 * 1024 * 1024, gt=0, description="largest photo accepted")
    max_image_pixels: int = Field(40_000_000, gt=0, description="largest width*height accepted")
    working_side: int = Field(1024, ge=224, description="photos are downscaled to this longest side")
    # GIFs, videos, video notes: frames read like photos
    video_frames: int = Field(8, ge=1, le=16, description="frames read from a GIF or video, evenly across it")
    video_max_seconds: float = Field(60.0, gt=0, description="longest GIF or video accepted")
    album_max_photos: int = Field(10, ge=1, le=10, description="photos of an album read together (Telegram sends at most 10)")

    # faces
    face_detector: str = Field(
        "blazeface",
        description="'blazeface' (MediaPipe's BlazeFace, both ranges, bundled), 'blazeface-short', 'blazeface-full', "
        "or a DeepFace detector backend: 'opencv' (Haar), 'yunet' (downloads its weights), 'ssd', 'mtcnn', ...",
    )
    face_models: list[Path] = Field(
        default_factory=list, description="ONNX FER2013-style face-emotion models; default: the two bundled"
    )
    face_tta: bool = Field(True, description="average the face model over a mirrored copy")
    face_int8: bool = Field(True, description="run the int8 copies of the bundled face nets face_ensemble.json names "
                            "(about 3 times as fast, same readings within a fraction of a point); false: the float originals")
    deepface_emotion: bool = Field(True, description="ensemble DeepFace's emotion model when available")
    max_faces: int = Field(8, ge=1, description="most prominent faces read per photo (the answer says 'of N faces')")
    face_check: bool = Field(True, description="confirm every BlazeFace face with MTCNN's O-Net (pets are not people)")
    face_detect_side: int = Field(480, ge=160, description="longest side faces are searched at (DeepFace detectors)")
    face_align: bool = Field(True, description="turn faces upright by their eyes before reading them")

    # scene (OpenCLIP)
    # ViT-B-32-256 / DataComp: 72.8 % ImageNet zero-shot against the earlier ViT-B-32/laion2b's
    # 66.6 %, at the same speed on 2 CPU cores, MIT-licensed weights; MobileCLIP is slower here and its
    # weights are now licensed for research only (docs/EVALUATION.md, "Scene model").
    clip_model: str = Field("ViT-B-32-256", description="OpenCLIP architecture name")
    clip_pretrained: str = Field(
        "datacomp_s34b_b86k", description="OpenCLIP pretrained tag, a local weights file, or 'none'"
    )
    clip_enabled: bool = Field(True, description="set false to skip scene analysis entirely")

    # downloads and caches
    cache_dir: Path = Field(_CACHE, description="model weights and text-embedding cache")
    allow_downloads: bool = Field(True, description="download missing weights on first use")
    download_connect_timeout: float = Field(4.0, gt=0, description="seconds to reach a model host")

    # concurrency
    analysis_threads: int = Field(2, ge=1, description="photos analysed at the same time")
    analysis_queue: int = Field(
        200, ge=1, description="photos waiting for a worker at most (each holds its message, never its bytes)"
    )
    max_queue_wait: float = Field(
        60.0, gt=0, description="'busy' is answered only when a new photo would wait longer than this many seconds"
    )
    queue_note_after: float = Field(
        10.0, ge=0, description="a photo expected to wait longer than this many seconds gets a 'queued' note"
    )
    scene_threads: int = Field(2, ge=1, description="threads one OpenCLIP image forward pass may use")
    scene_beside_faces: bool = Field(
        True, description="read the scene in a second thread while the faces are read (one photo on both cores)"
    )
    scene_int8: bool = Field(
        True, description="read photos with the 8-bit copy of the scene model's image tower (≈2.7x faster; false: float32)"
    )

    # fairness in chats
    photos_per_minute: int = Field(6, ge=1, description="photos one person may send a minute")
    photos_in_flight_per_chat: int = Field(8, ge=1, description="photos of one chat waiting or being read at once")
    shutdown_grace: float = Field(
        20.0, ge=0, description="seconds a stopping bot waits for photos in flight; later ones are told to send again"
    )

    # chat platforms (names as their docs use them, without the MOODTUNE_ prefix)
    telegram_token: Optional[SecretStr] = Field(None, alias="TELEGRAM_BOT_TOKEN")
    discord_token: Optional[SecretStr] = Field(None, alias="DISCORD_BOT_TOKEN")
    telegram_api_base_url: Optional[str] = Field(
        None, alias="TELEGRAM_API_BASE_URL", description="self-hosted Bot API, e.g. http://127.0.0.1:8081/bot"
    )
    # webhook mode (several workers behind a load balancer; docs/SCALING.md): all three, or none
    telegram_webhook_url: Optional[str] = Field(
        None, alias="TELEGRAM_WEBHOOK_URL", description="public https URL Telegram posts updates to, e.g. https://bot.example.org/telegram"
    )
    telegram_webhook_secret: Optional[SecretStr] = Field(
        None, alias="TELEGRAM_WEBHOOK_SECRET", description="1-256 of A-Z a-z 0-9 _ -; requests without it are refused"
    )
    listen: Optional[str] = Field(None, description="host:port this worker's webhook server listens on, e.g. 0.0.0.0:8080")
    discord_shards: Optional[int] = Field(None, ge=1, description="total Discord shards (all processes together)")
    discord_api_base_url: Optional[str] = Field(None, alias="DISCORD_API_BASE_URL",
                                                description="Discord's REST API base (…/api/v10), for tests and proxies; the gateway comes from it")
    discord_shard_ids: Optional[str] = Field(None, description="the shards this process runs, e.g. 0,1 (default: all)")

    # Spotify (optional enrichment: album art, name check; links work without it)
    spotify_client_id: Optional[str] = Field(None, alias="SPOTIFY_CLIENT_ID")
    spotify_client_secret: Optional[SecretStr] = Field(None, alias="SPOTIFY_CLIENT_SECRET")
    spotify_api_url: str = Field("https://api.spotify.com", description="Spotify Web API base")
    # "Save to Spotify" (a person's own account: PKCE sign-in; README says what to register)
    spotify_redirect_uri: Optional[str] = Field(
        None, alias="SPOTIFY_REDIRECT_URI",
        description="public https URL Spotify sends a sign-in back to; its path is served on MOODTUNE_LISTEN, "
                    "e.g. https://bot.example.org/spotify/callback")
    token_key: Optional[SecretStr] = Field(
        None, description="Fernet key that encrypts people's Spotify tokens at rest "
                          "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')")
    spotify_accounts_base_url: str = Field("https://accounts.spotify.com", alias="SPOTIFY_ACCOUNTS_BASE_URL",
                                           description="Spotify accounts service: /authorize, /api/token")
    spotify_api_base_url: str = Field("https://api.spotify.com/v1", alias="SPOTIFY_API_BASE_URL",
                                      description="Spotify Web API for playlists: /me, /me/playlists, /playlists/{id}/items")
    previews: bool = Field(True, description="the ▶ button: 30-second previews from Deezer's keyless public API (off: no button)")
    deezer_api_base_url: str = Field("https://api.deezer.com", alias="DEEZER_API_BASE_URL",
                                     description="Deezer's public API (tests point it at a fake)")
    preview_cooldown: float = Field(20.0, ge=0, description="seconds between two ▶ presses in one chat")
    spotify_token_url: str = Field("https://accounts.spotify.com/api/token", description="token endpoint")

    # storage: a SQLite file (the default, one machine) or postgresql://user:pass@host:port/db (shared by workers)
    db_path: Union[Path, str] = Field(Path(user_data_dir("moodtune")) / "moodtune.sqlite3", alias="MOODTUNE_DB")

    @field_validator("db_path", mode="after")
    @classmethod
    def _file_or_url(cls, value: Union[Path, str]) -> Union[Path, str]:
        return value if isinstance(value, str) and value.startswith(POSTGRES_SCHEMES) else Path(value)

    @property
    def uses_postgres(self) -> bool:
        return isinstance(self.db_path, str)

    @field_validator("telegram_webhook_secret", mode="after")
    @classmethod
    def _secret_chars(cls, value: Optional[SecretStr]) -> Optional[SecretStr]:
        if value is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value.get_secret_value()):
            raise ValueError("TELEGRAM_WEBHOOK_SECRET takes 1-256 characters A-Z, a-z, 0-9, _ and - (Telegram's rule)")
        return value

    @model_validator(mode="after")
    def _webhook_and_shards(self) -> "Settings":
        given = [self.telegram_webhook_url is not None, self.telegram_webhook_secret is not None]
        if any(given) and not (all(given) and self.listen is not None):
            raise ValueError("webhook mode needs TELEGRAM_WEBHOOK_URL, TELEGRAM_WEBHOOK_SECRET and MOODTUNE_LISTEN together")
        if self.spotify_redirect_uri is not None and self.listen is None:
            raise ValueError("SPOTIFY_REDIRECT_URI needs MOODTUNE_LISTEN: the sign-in comes back to this bot's web server")
        if self.token_key is not None:
            from cryptography.fernet import Fernet

            try:
                Fernet(self.token_key.get_secret_value().encode())
            except (ValueError, TypeError):
                raise ValueError("MOODTUNE_TOKEN_KEY must be a Fernet key (32 url-safe base64 bytes; the README shows how to "
                                 "make one)") from None
        if self.listen is not None:
            self.listen_address  # noqa: B018 — validates host:port
        if self.discord_shard_ids is not None:
            if self.discord_shards is None:
                raise ValueError("MOODTUNE_DISCORD_SHARD_IDS needs MOODTUNE_DISCORD_SHARDS (the total)")
            if any(not 0 <= i < self.discord_shards for i in self.shard_ids):
                raise ValueError(f"MOODTUNE_DISCORD_SHARD_IDS must be between 0 and {self.discord_shards - 1}")
        return self

    @property
    def webhook(self) -> bool:
        return self.telegram_webhook_url is not None

    @property
    def spotify_saving(self) -> bool:
        """Whether "Save to Spotify" is configured (client id, redirect URI and the encryption key)."""
        return bool(self.spotify_client_id and self.spotify_redirect_uri and self.token_key)

    @property
    def listen_address(self) -> tuple[str, int]:
        host, sep, port = (self.listen or "").rpartition(":")
        if not sep or not port.isdigit() or not 0 < int(port) < 65536:
            raise ValueError(f"MOODTUNE_LISTEN must be host:port, e.g. 0.0.0.0:8080 (got {self.listen!r})")
        return host or "0.0.0.0", int(port)

    @property
    def shard_ids(self) -> Optional[list[int]]:
        if self.discord_shard_ids is None:
            return None
        try:
            return sorted({int(x) for x in self.discord_shard_ids.split(",") if x.strip()})
        except ValueError:
            raise ValueError("MOODTUNE_DISCORD_SHARD_IDS is a list of numbers, e.g. 0,1") from None

    @property
    def clip_cache_dir(self) -> Path:
        return self.cache_dir / "clip"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
