"""What the scene model is asked: each mood and scene described by several synonyms, each put into
several templates (a prompt ensemble, as in the CLIP paper). models.clip_prepare embeds them once per
model; models.clip scores a photo against them. Changing them changes the prepared files' key, so a
bot prepares its scene model again on its next start."""

from __future__ import annotations

from typing import Mapping

TEMPLATES: tuple[str, ...] = (
    "a photo that feels {}.",
    "a {} photo.",
    "an image with a {} mood.",
    "a picture with a {} atmosphere.",
    "a {} moment.",
)

# Mood label -> words that describe a photo with that mood. Face-only labels (disgust) are left out:
# a scene rarely looks "disgusted", and the face path covers them.
MOOD_PROMPTS: Mapping[str, tuple[str, ...]] = {
    "happy": ("happy", "joyful", "cheerful", "fun"),
    "sad": ("sad", "gloomy", "lonely", "melancholic"),
    "angry": ("angry", "aggressive", "furious", "tense"),
    "fear": ("scary", "eerie", "frightening", "creepy"),
    "surprise": ("surprising", "astonishing", "unexpected"),
    "neutral": ("ordinary", "plain", "everyday", "unremarkable"),
    "calm": ("calm", "peaceful", "serene", "relaxing"),
    "romantic": ("romantic", "loving", "tender", "intimate"),
    "energetic": ("energetic", "exciting", "lively", "dynamic"),
    "nostalgic": ("nostalgic", "vintage", "retro", "old-fashioned"),
}

SCENE_TEMPLATES: tuple[str, ...] = ("a photo of {}.", "a picture of {}.", "{}.")

# Scene -> (descriptions, mood it usually carries). The scene explains the reading ("beach at
# sunset") and adds its mood to the scene signal.
SCENES: Mapping[str, tuple[tuple[str, ...], Mapping[str, float]]] = {
    "beach": (("a beach", "the sea and sand", "a sunny coast"), {"happy": 0.5, "calm": 0.5}),
    "sunset": (("a sunset", "the evening sky at dusk"), {"calm": 0.5, "romantic": 0.3, "nostalgic": 0.2}),
    "party": (("a party", "people celebrating", "a crowded dance floor"), {"happy": 0.5, "energetic": 0.5}),
    "concert": (("a concert", "a live music show", "a stage with lights"), {"energetic": 0.8, "happy": 0.2}),
    "sports": (("people doing sports", "a gym workout", "a running race"), {"energetic": 1.0}),
    "wedding": (("a wedding", "a bride and groom"), {"romantic": 0.6, "happy": 0.4}),
    "couple": (("a couple holding hands", "two people kissing"), {"romantic": 1.0}),
    "forest": (("a forest", "trees and a trail in nature"), {"calm": 1.0}),
    "mountains": (("mountains", "a mountain landscape"), {"calm": 0.7, "energetic": 0.3}),
    "city night": (("a city at night", "neon lights in a street at night"), {"energetic": 0.6, "nostalgic": 0.4}),
    "rain": (("a rainy day", "rain on a window", "a grey rainy street"), {"sad": 0.6, "nostalgic": 0.4}),
    "snow": (("snow", "a snowy winter landscape"), {"calm": 0.7, "nostalgic": 0.3}),
    "old photo": (("an old photograph", "a faded vintage photo"), {"nostalgic": 1.0}),
    "food": (("a plate of food", "a meal on a table"), {"happy": 0.6, "calm": 0.4}),
    "pets": (("a dog", "a cat", "a pet"), {"happy": 0.7, "calm": 0.3}),
    "storm": (("a storm", "dark thunder clouds"), {"fear": 0.5, "angry": 0.5}),
    "cemetery": (("a cemetery", "a funeral"), {"sad": 1.0}),
    "protest": (("a protest", "an angry crowd"), {"angry": 0.8, "energetic": 0.2}),
    "abandoned": (("an abandoned building", "a dark empty corridor"), {"fear": 0.6, "sad": 0.4}),
    "selfie": (("a selfie", "a portrait of a person"), {"neutral": 1.0}),
}


def prompt_set() -> dict[str, list[str]]:
    """Every class name ('mood:calm', 'scene:beach') with its list of prompts."""
    classes = {f"mood:{m}": [t.format(w) for w in words for t in TEMPLATES] for m, words in MOOD_PROMPTS.items()}
    classes.update({f"scene:{s}": [t.format(d) for d in descs for t in SCENE_TEMPLATES] for s, (descs, _) in SCENES.items()})
    return classes
