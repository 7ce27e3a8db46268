"""Moodtune's use cases: what every surface (CLI, Telegram, Discord) can ask of the core, one module
each, over the store, the catalog, the reading pipeline and the recommender.

- `app`: `Moodtune` — opens and closes the pieces, holds the use cases below (bot.root composes it);
- `photos`: a photo, album or clip admitted to the queue, read, and answered with songs;
- `songs`: songs for a reading, a named mood, some words, a group's recent photos, an inline query;
- `lists`: the lists already shown — who may act on them, ratings, corrections, follow-ups, muting;
- `people`: what a person or chat has set, what they muted, their history, forgetting them;
- `previews`: the ▶ button's 30-second previews, their cooldown and the platforms' cached files;
- `workers`: what several workers sharing one store coordinate (deliveries, registrations, rates);
- `saving`: a list saved to the person's own Spotify (PKCE sign-in, encrypted token) or exported;
- `catalog`: the catalog loaded from and imported into the store, and Spotify's cache over it;
- `offline`: the command line's operations that need the store only (forget, catalog import, stats).
"""

from core.service.app import Moodtune

__all__ = ["Moodtune"]
