"""The lists already shown: who may act on them, ratings, mood corrections, follow-ups, muting.

A button or reaction can only act on lists shown in the chat it comes from: a person on their own
lists, a group's members on the group's. Any other list — someone else's, or one that does not
exist — gets the same answer ('list_gone'), so nothing about it leaks. `chat=None` is the command
line, which may act on any.
"""

from __future__ import annotations

from typing import Optional

from core.emotions import LABELS, VA, VA_POINTS
from core.errors import UserError
from core.music.catalog import Catalog, Track, credit_key, credits
from core.music.recommender import Recommendation
from core.service.people import parse_mood
from core.service.songs import Songs
from core.store import Store


class Lists:
    """What a person may do with a list the bot showed (by the list's id)."""

    def __init__(self, store: Store, catalog: Catalog, songs: Songs):
        self._store = store
        self._catalog = catalog
        self._songs = songs

    async def own_list(self, recommendation: int, chat: Optional[str]):
        """The stored list (core.store.records.StoredRecommendation), if it was shown in `chat`;
        UserError('list_gone') otherwise."""
        stored = await self._store.lists.get_recommendation(recommendation)
        if stored is None or (chat is not None and stored.chat != chat):
            raise UserError("list_gone")
        return stored

    async def check(self, recommendation: int, *, chat: Optional[str] = None) -> None:
        """Raise UserError('list_gone') unless the list exists and was shown in `chat`."""
        await self.own_list(recommendation, chat)

    async def last(self, *, user: str, chat: Optional[str]) -> Optional[int]:
        """The person's last list in this chat (`/save`), or None."""
        return await self._store.lists.latest(user=user, chat=chat)

    async def link_message(self, platform: str, chat: str, message_id: str, recommendation: int) -> None:
        """A list was sent as this message: reactions on it now rate the list."""
        await self._store.lists.link_message(platform, chat, message_id, recommendation)

    async def of_message(self, platform: str, chat: str, message_id: str) -> Optional[int]:
        """The list a message of ours shows, if any."""
        return await self._store.lists.message_recommendation(platform, chat, message_id)

    async def rate_song(self, *, user: str, recommendation: int, position: int, score: int, chat: Optional[str] = None) -> Track:
        """A 👍/👎 on one song of a list the bot showed in `chat`."""
        stored = await self.own_list(recommendation, chat)
        if not 0 <= position < len(stored.tracks):
            raise UserError("list_gone")
        track_id = stored.tracks[position]
        await self._store.ratings.rate(user, track_id, score, recommendation)
        track = self._catalog.get(track_id)
        if track is None:  # the catalog was replaced since; the rating is kept all the same
            raise UserError("saved_song_gone")
        return track

    async def rate_list(self, *, user: str, recommendation: int, score: int, chat: Optional[str] = None) -> int:
        """A reaction on the whole list (shown in `chat`): every song in it gets the score. Returns how many."""
        try:
            stored = await self.own_list(recommendation, chat)
        except UserError:
            return 0
        for track_id in stored.tracks:
            await self._store.ratings.rate(user, track_id, score, recommendation)
        return len(stored.tracks)

    async def rate_track(self, *, user: str, track: str, score: int, recommendation: Optional[int] = None) -> Track:
        """A rating by track id (the command line): the track must be in the catalog, and in the list
        when a list is named. Raises UserError('unknown_track' / 'not_in_list')."""
        found = self._catalog.get(track)
        if found is None:
            raise UserError("unknown_track", track=track)
        if recommendation is not None and track not in await self._store.lists.recommendation_tracks(recommendation):
            raise UserError("not_in_list", track=track, recommendation=recommendation)
        if score not in (1, -1):
            raise UserError("bad_score")
        await self._store.ratings.rate(user, track, score, recommendation)
        return found

    async def follow_up(
        self, recommendation: int, *, user: str, chat: str, mode: str, target: Optional[str] = None, group: bool = False,
    ) -> Recommendation:
        """'More like this' (mode match) or 'shift toward X' for the mood of an earlier list shown in `chat`."""
        stored = await self.own_list(recommendation, chat)
        return await self._songs.for_label(stored.mood, VA(stored.valence, stored.arousal), user=user, chat=chat, mode=mode,
                                         target=parse_mood(target) if target else None, n=None, group=group)

    async def _own_photo(self, recommendation: int, user: str, chat: Optional[str]):
        """The list and the photo reading it answered, when `user` sent that photo (only they may
        correct its mood); UserError otherwise."""
        stored = await self.own_list(recommendation, chat)
        if stored.reading is None:
            raise UserError("no_reading_to_correct")
        if stored.user != user:
            raise UserError("not_your_photo")
        reading = await self._store.readings.photo_reading(stored.reading)
        if reading is None:
            raise UserError("list_gone")
        return stored, reading

    async def mood_choices(self, recommendation: int, *, user: str, chat: Optional[str] = None) -> tuple[str, list[str]]:
        """'Not this mood?': the mood said and every other mood to choose from, the reading's next
        moods first (the ones it nearly said), then the rest in label order."""
        _, reading = await self._own_photo(recommendation, user, chat)
        said = reading.corrected or reading.label
        first = [lab for lab in reading.alternatives if lab in LABELS and lab != said]
        return said, first + [lab for lab in LABELS if lab != said and lab not in first]

    async def correct_mood(self, recommendation: int, *, user: str, chat: Optional[str], label: str,
                           group: bool = False) -> Recommendation:
        """The photo's sender says its mood is `label`: the correction is kept (the reading shows it
        in /history; `python -m evaluation corrections` counts them) and a list for that mood follows,
        under the same rules as any list in this chat."""
        stored, reading = await self._own_photo(recommendation, user, chat)
        label = parse_mood(label)
        await self._store.readings.add_correction(reading=stored.reading, user=user, chat=chat, said=reading.corrected or reading.label,
                                         chosen=label)
        return await self._songs.for_label(label, VA_POINTS[label], user=user, chat=chat, mode="match", target=None, n=None,
                                         group=group)

    async def song_credits(self, recommendation: int, position: int, *, chat: Optional[str] = None) -> list[str]:
        """The artists credited on one song of a list shown in `chat` (what 'Mute …' offers)."""
        stored = await self.own_list(recommendation, chat)
        if not 0 <= position < len(stored.tracks):
            raise UserError("list_gone")
        track = self._catalog.get(stored.tracks[position])
        return credits(track.artist)[:3] if track is not None else []

    async def mute_credit(self, recommendation: int, position: int, credit: int, *, user: str, chat: Optional[str] = None,
                          for_group: bool = False) -> str:
        """Mute one credited artist of a song of a list shown in `chat`: for `user`, or (an admin's
        choice, `for_group`) for every list in that group. Returns the name."""
        names = await self.song_credits(recommendation, position, chat=chat)
        if not 0 <= credit < len(names):
            raise UserError("list_gone")
        await self._store.people.mute_artist(chat if for_group and chat else user, credit_key(names[credit]), names[credit])
        return names[credit]

