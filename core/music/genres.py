"""Genre families: the hundreds of Spotify genre names ('dance pop', 'k-pop', 'deep house',
'singer-songwriter') folded into a few families the mood models and list diversity can use.

Spotify's genre strings are open-ended, so a family is found by keywords, in the order below: the
first family one of whose keywords is in the genre name wins. Order matters where names overlap:
'metalcore' is metal before it is anything else, 'pop punk' is punk, 'hip hop' and 'k-pop' are not
rock, 'indie pop' is indie. A genre no keyword matches counts as 'other'.
"""

from __future__ import annotations

import re
from collections import Counter
from functools import lru_cache
from typing import Iterable, Optional

FAMILY_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("children", ("children", "kids", "disney", "lullaby", "nursery")),
    ("classical", ("classical", "opera", "orchestra", "baroque", "choral", "chamber", "piano", "soundtrack",
                   "score", "show tune", "show-tune", "broadway", "musical", "pop-film", "film")),
    ("ambient", ("ambient", "new age", "new-age", "sleep", "meditation", "lo-fi", "lofi", "study", "chill",
                 "drone", "relax")),
    ("metal", ("metal", "grindcore", "deathcore", "djent", "thrash")),
    ("punk", ("punk", "emo", "hardcore", "screamo", "grunge")),
    ("hip hop", ("hip hop", "hip-hop", "rap", "trap", "drill", "grime")),
    ("latin", ("latin", "reggaeton", "salsa", "samba", "tango", "bachata", "cumbia", "mpb", "pagode",
               "sertanejo", "forro", "brazil", "spanish", "flamenco", "mariachi", "bossa", "banda")),
    ("reggae", ("reggae", "dub", "dancehall", "ska")),
    ("electronic", ("house", "techno", "trance", "edm", "electro", "dubstep", "drum and bass", "drum-and-bass",
                    "breakbeat", "club", "garage", "idm", "big beat", "hardstyle", "disco", "dance")),
    ("r&b", ("r&b", "r-n-b", "rnb", "soul", "funk", "motown", "gospel", "quiet storm", "new jack")),
    ("jazz", ("jazz", "blues", "swing", "bebop", "big band", "boogie")),
    ("country", ("country", "bluegrass", "honky", "americana", "rockabilly")),
    ("folk", ("folk", "acoustic", "singer-songwriter", "songwriter", "troubadour")),
    ("indie", ("indie", "alternative", "shoegaze", "dream pop", "lo fi")),
    ("rock", ("rock", "psych", "british invasion", "merseybeat")),
    ("pop", ("pop", "idol", "boy band", "girl group", "adult standards", "easy listening", "crooner", "british")),
    ("world", ("world", "afro", "indian", "turkish", "malay", "iranian", "arab", "bollywood", "j-", "k-",
               "cantopop", "mandopop", "swedish", "french", "german", "celtic")),
)
FAMILIES: tuple[str, ...] = tuple(name for name, _ in FAMILY_KEYWORDS) + ("other",)


@lru_cache(maxsize=8192)
def family_of(genre: str) -> str:
    """The family of one genre name ('deep house' → 'electronic'); 'other' when nothing matches."""
    g = genre.strip().lower()
    for name, keywords in FAMILY_KEYWORDS:
        if any(k in g for k in keywords):
            return name
    return "other"


def split_genres(raw: Optional[str]) -> list[str]:
    """The genres of a catalog cell: 'dance pop|pop' (our format) or 'dance pop; pop'."""
    if not raw:
        return []
    sep = "|" if "|" in raw else ";"
    return [g.strip() for g in raw.split(sep) if g.strip()]


def families(genres: Iterable[str]) -> Counter:
    """How many of the genres fall in each family."""
    return Counter(family_of(g) for g in genres)


@lru_cache(maxsize=65536)
def main_family(raw: Optional[str]) -> Optional[str]:
    """The family most of a track's genres fall in (the first listed breaks ties); None if no genre."""
    names = split_genres(raw)
    if not names:
        return None
    counts = families(names)
    best = max(counts.values())
    return next(family_of(g) for g in names if counts[family_of(g)] == best)


# Tracks a listener does not file under a mood whatever their sound: music for children and films,
# stage shows, holidays and comedy, sleep noise, and karaoke / tribute / "piano version" covers.
# Matched on the track's own genre (the first listed) or on most of its genres, and on its title
# and artist for covers. The ranking keeps them below real songs unless a person's own ratings ask
# for them (core.music.recommender), and `python -m evaluation top` counts them in every list.
ARTEFACT_GENRES: tuple[str, ...] = (
    "children", "kids", "disney", "lullaby", "nursery", "show tune", "show-tune", "broadway", "soundtrack",
    "movie tunes", "musical", "christmas", "holiday", "comedy", "comic", "preschool", "sleep", "white noise",
    "sound effect", "karaoke", "tribute",
)
ARTEFACT_TITLE_WORDS: tuple[str, ...] = (
    "karaoke", "tribute to", "piano version", "instrumental version", "made famous by", "in the style of",
    "originally performed", "lullaby version", "white noise", "rain sounds", "sleep sounds", "from the motion picture",
    "from the film", "soundtrack version", "lullaby rendition", "music box version",
    # holiday songs whose artists' genres do not say so
    "christmas", "xmas", "santa claus", "jingle bell", "rudolph", "sleigh ride", "mistletoe", "silent night",
    "deck the halls", "fairytale of new york", "feliz navidad", "winter wonderland", "little drummer boy", "o holy night",
    "silver bells", "let it snow", "frosty the snowman", "santa baby", "holly jolly", "joy to the world", "auld lang syne",
    "chestnuts roasting", "the first noel", "hark the herald", "o come all ye faithful", "away in a manger",
    "carol of the bells", "have yourself a merry", "happy holiday", "blue christmas", "baby, it's cold outside",
)


_ARTEFACT_GENRE = re.compile("|".join(map(re.escape, ARTEFACT_GENRES)))
_ARTEFACT_TITLE = re.compile("|".join(map(re.escape, ARTEFACT_TITLE_WORDS)))


@lru_cache(maxsize=1 << 16)
def _artefact_genres(raw_genres: Optional[str]) -> bool:
    names = split_genres(raw_genres)
    if not names:
        return False
    hits = [bool(_ARTEFACT_GENRE.search(g.lower())) for g in names]
    return hits[0] or sum(hits) * 2 > len(hits)


def is_artefact(raw_genres: Optional[str], title: str = "", artist: str = "") -> bool:
    """True for a children's / soundtrack / holiday / comedy / sleep-noise track or a cover version."""
    return _artefact_genres(raw_genres) or bool(_ARTEFACT_TITLE.search(f"{title} {artist}".lower()))
