"""A mood in words (`/mood rainy sunday morning`, `/mood грустный дождливый вечер`, `/mood un día feliz
en la playa`): which of our labels a short text carries, in English, Russian, Spanish, German and
Portuguese — the languages the bot speaks.

The project's own word tables: English here — each label's words and their common synonyms and
inflections (`MOOD_WORDS`), and words for places, weather and moments that lean to moods the way a
photo's scene does (`SCENE_WORDS`, the same leanings as models.clip_prompts.SCENES); the other
languages in core.reading.mood_words, matched by their Snowball stems so an adjective's every
ending counts. A text's reading is the weighted share of each label among the words found, in any
of the languages (people mix them); a word right after a negation ("not", "не", "no", "nicht",
"não", "n't") is left out rather than guessed. Text that carries none of these words gets no
reading — the bot says so instead of picking a random list.

When the scene model (OpenCLIP) still holds its text tower, core.reading.pipeline reads the words
against the same mood prompts as photos; this table is what is used otherwise (the default, where
only the image tower is kept in memory) and is always the fallback.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping, Optional

from core.emotions import LABELS, VA, va_of
from core.reading import mood_words

MAX_CHARS = 300  # what is read of a text: a mood fits in a sentence; a 10 KB paste is cut here
MAX_WORDS = 40

MOOD_WORDS: Mapping[str, tuple[str, ...]] = {
    "happy": ("happy", "happiness", "joy", "joyful", "glad", "cheerful", "cheery", "delighted", "sunny", "bright", "fun",
              "good", "great", "smile", "smiling", "laugh", "laughing", "celebrate", "yay", "content", "upbeat", "positive"),
    "sad": ("sad", "sadness", "unhappy", "down", "blue", "depressed", "gloomy", "melancholy", "melancholic", "heartbroken",
            "heartbreak", "lonely", "alone", "grief", "grieving", "cry", "crying", "tears", "miss", "missing", "lost", "breakup"),
    "angry": ("angry", "anger", "mad", "furious", "rage", "raging", "annoyed", "irritated", "pissed", "hate", "frustrated"),
    "fear": ("scared", "afraid", "fear", "frightened", "terrified", "anxious", "anxiety", "nervous", "worried", "panic",
             "spooky", "creepy", "eerie", "horror", "dark"),
    "disgust": ("disgust", "disgusted", "gross", "yuck", "nasty", "sick", "revolting"),
    "surprise": ("surprise", "surprised", "wow", "shocked", "amazed", "astonished", "unexpected", "omg"),
    "neutral": ("ok", "okay", "fine", "normal", "meh", "whatever", "ordinary", "plain"),
    "calm": ("calm", "relaxed", "relax", "relaxing", "chill", "chilled", "peaceful", "peace", "quiet", "serene", "tranquil",
             "mellow", "lazy", "cozy", "cosy", "slow", "sleepy", "soft", "gentle", "zen", "meditate", "unwind"),
    "romantic": ("romantic", "romance", "love", "loving", "lover", "date", "kiss", "crush", "tender", "sweetheart",
                 "valentine", "wedding", "honeymoon", "candlelight", "intimate", "sensual"),
    "energetic": ("energetic", "energy", "hype", "hyped", "pumped", "excited", "exciting", "party", "dance", "dancing",
                  "workout", "gym", "run", "running", "fast", "wild", "lit", "festival", "rave", "power"),
    "nostalgic": ("nostalgic", "nostalgia", "memories", "memory", "remember", "old", "childhood", "retro", "vintage",
                  "throwback", "bittersweet", "wistful", "yesterday", "reminisce"),
}
SCENE_WORDS: Mapping[str, Mapping[str, float]] = {
    "rain": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3}, "rainy": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3},
    "storm": {"fear": 0.5, "angry": 0.5}, "snow": {"calm": 0.6, "nostalgic": 0.4}, "winter": {"calm": 0.5, "nostalgic": 0.5},
    "sunday": {"calm": 1.0}, "morning": {"calm": 0.7, "happy": 0.3}, "coffee": {"calm": 1.0}, "night": {"calm": 0.6, "romantic": 0.4},
    "sunset": {"calm": 0.5, "romantic": 0.3, "nostalgic": 0.2}, "beach": {"happy": 0.5, "calm": 0.5},
    "summer": {"happy": 0.7, "energetic": 0.3}, "road": {"happy": 0.5, "energetic": 0.5}, "trip": {"happy": 0.6, "energetic": 0.4},
    "friday": {"energetic": 0.6, "happy": 0.4}, "club": {"energetic": 1.0}, "concert": {"energetic": 0.8, "happy": 0.2},
    "study": {"calm": 1.0}, "focus": {"calm": 1.0}, "reading": {"calm": 1.0}, "forest": {"calm": 1.0}, "ocean": {"calm": 1.0},
    "funeral": {"sad": 1.0}, "goodbye": {"sad": 0.7, "nostalgic": 0.3}, "birthday": {"happy": 0.7, "energetic": 0.3},
    "dinner": {"romantic": 0.6, "calm": 0.4}, "wine": {"romantic": 0.6, "calm": 0.4}, "home": {"calm": 0.6, "nostalgic": 0.4},
}
NEGATIONS = frozenset({"not", "no", "never", "nothing", "without", "dont", "don't", "isnt", "isn't", "aint", "ain't"})
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*")  # letters of any script, with English's apostrophes
_INDEX: dict[str, dict[str, float]] = {}
for _label, _words in MOOD_WORDS.items():
    for _w in _words:
        _INDEX.setdefault(_w, {})[_label] = 1.0
for _w, _leans in SCENE_WORDS.items():
    for _label, _share in _leans.items():
        _INDEX.setdefault(_w, {})[_label] = _INDEX.get(_w, {}).get(_label, 0.0) + 0.6 * _share  # a scene leans, a mood word says


NEGATIONS_ANY = NEGATIONS.union(*mood_words.NEGATIONS.values())


def _fold(word: str) -> str:
    """Lower case, 'ё' as 'е' (Russian writes either), other accents kept (Snowball expects them)."""
    return word.lower().replace("ё", "е")


@lru_cache(maxsize=None)
def _stemmers() -> dict:
    import snowballstemmer

    return {code: snowballstemmer.stemmer(name) for code, name in mood_words.STEMMERS.items()}


@lru_cache(maxsize=None)
def _stem_index() -> dict[str, dict[str, dict[str, float]]]:
    """language → stem → label → weight, built once from core.reading.mood_words."""
    out: dict[str, dict[str, dict[str, float]]] = {}
    for code, stemmer in _stemmers().items():
        index: dict[str, dict[str, float]] = {}
        for label, words in mood_words.MOODS[code].items():
            for w in words:
                index.setdefault(stemmer.stemWord(_fold(w)), {})[label] = 1.0
        for w, leans in mood_words.SCENES[code].items():
            stem = stemmer.stemWord(_fold(w))
            for label, share in leans.items():
                index.setdefault(stem, {})[label] = index.get(stem, {}).get(label, 0.0) + 0.6 * share
        out[code] = index
    return out


def _leans(word: str) -> tuple[Optional[dict[str, float]], str]:
    """What a word says and in which language: English's table first, then each other language's
    stems."""
    leans = _INDEX.get(word) or _INDEX.get(word[:-1] if word.endswith("s") else "")
    if leans:
        return leans, "en"
    folded = _fold(word)
    for code, stemmer in _stemmers().items():
        hit = _stem_index()[code].get(stemmer.stemWord(folded))
        if hit:
            return hit, code
    return None, ""


@dataclass(frozen=True)
class WordsReading:
    """What a text says: the label distribution, its top label and point, the words that carried it."""

    label: str
    distribution: Mapping[str, float]
    point: VA
    words: tuple[str, ...]
    source: str = "words"  # "words" (the table) or "clip" (the scene model's text tower)
    english: bool = True  # every mood word found was English's (the scene model reads English only)


def read_words(text: str) -> Optional[WordsReading]:
    """The mood a short text carries, or None when none of its words carries one."""
    text = unicodedata.normalize("NFC", (text or "")[:MAX_CHARS])
    tokens = _WORD.findall(text.lower().replace("’", "'"))[:MAX_WORDS]
    scores = {label: 0.0 for label in LABELS}
    found: list[str] = []
    languages: set[str] = set()
    for i, token in enumerate(tokens):
        word = token.strip("'")
        if word.endswith("n't") or any(t in NEGATIONS_ANY for t in tokens[max(0, i - 2):i]):
            continue
        leans, language = _leans(word)
        if not leans:
            continue
        found.append(word)
        languages.add(language)
        for label, weight in leans.items():
            scores[label] += weight
    total = sum(scores.values())
    if total <= 0:
        return None
    distribution = {label: s / total for label, s in scores.items() if s > 0}
    label = max(distribution, key=lambda lab: (distribution[lab], -LABELS.index(lab)))
    return WordsReading(label, distribution, va_of(distribution), tuple(dict.fromkeys(found)), english=languages == {"en"})
