"""The words that carry a mood, in the languages the bot speaks besides English (English's own table,
older and with its inflections written out, is core.reading.words.MOOD_WORDS).

Each language lists each label's words in their common forms; core.reading.words reduces both these
and a person's words to their Snowball stems (`snowballstemmer`), so "грустный", "грустная" and
"грустно" are one word, as are "tranquilo/tranquila", "traurig/traurige", "chuvoso/chuvosa".
`SCENES` are words for places, weather and moments that lean to moods the way a photo's scene does;
`NEGATIONS` are the words after which a mood word is left out rather than guessed.
"""

from __future__ import annotations

from typing import Mapping

# Snowball's name for each language code
STEMMERS: Mapping[str, str] = {"ru": "russian", "es": "spanish", "de": "german", "pt": "portuguese"}

MOODS: Mapping[str, Mapping[str, tuple[str, ...]]] = {
    "ru": {
        "happy": ("радость", "радостный", "счастье", "счастливый", "весёлый", "весело", "веселье", "улыбка", "смех", "хороший",
                  "отличный", "позитив", "позитивный", "праздник", "солнечный", "ура"),
        "sad": ("грусть", "грустный", "грустно", "печаль", "печальный", "тоска", "тоскливый", "одиночество", "одинокий", "слёзы",
                "плакать", "депрессия", "уныние", "унылый", "расставание", "разбитый", "скучаю", "хмурый"),
        "angry": ("злость", "злой", "злюсь", "гнев", "ярость", "бешенство", "бесит", "раздражение", "ненависть", "ненавижу"),
        "fear": ("страх", "страшный", "страшно", "боюсь", "жуткий", "жуть", "тревога", "тревожный", "паника", "ужас", "ужасы"),
        "disgust": ("отвращение", "противный", "мерзкий", "гадкий", "фу"),
        "surprise": ("удивление", "удивлён", "неожиданный", "сюрприз", "вау", "шок"),
        "neutral": ("обычный", "нормально", "норм", "нейтральный", "ладно"),
        "calm": ("спокойствие", "спокойный", "спокойно", "тихий", "тишина", "расслабленный", "расслабиться", "отдых", "уютный",
                 "уют", "медленный", "сонный", "мягкий", "нежный", "умиротворение", "безмятежный", "медитация", "чилл"),
        "romantic": ("романтика", "романтичный", "романтический", "любовь", "любимый", "любимая", "свидание", "поцелуй",
                     "нежность", "влюблённый", "свадьба", "страсть"),
        "energetic": ("энергия", "энергичный", "драйв", "вечеринка", "тусовка", "танцы", "танцевать", "тренировка", "спортзал",
                      "бег", "быстрый", "дикий", "фестиваль", "движ", "зажигательный"),
        "nostalgic": ("ностальгия", "ностальгический", "воспоминания", "память", "помню", "детство", "ретро", "винтаж",
                      "прошлое", "старый", "вчера"),
    },
    "es": {
        "happy": ("feliz", "felicidad", "alegre", "alegría", "contento", "contenta", "divertido", "sonrisa", "risa", "genial",
                  "bueno", "celebrar", "celebración", "positivo", "soleado"),
        "sad": ("triste", "tristeza", "melancolía", "melancólico", "deprimido", "depresión", "sola", "soledad", "llorar",
                "lágrimas", "pena", "ruptura", "extrañar", "gris"),
        "angry": ("enfado", "enfadado", "enojado", "enojo", "furioso", "furia", "rabia", "ira", "odio", "molesto", "harto"),
        "fear": ("miedo", "asustado", "asustada", "terror", "aterrador", "ansiedad", "ansioso", "nervioso", "pánico",
                 "escalofriante", "tenebroso", "oscuro"),
        "disgust": ("asco", "asqueroso", "repugnante", "puaj"),
        "surprise": ("sorpresa", "sorprendido", "sorprendida", "inesperado", "guau", "increíble"),
        "neutral": ("normal", "vale", "regular", "neutral", "cualquiera"),
        "calm": ("calma", "tranquilo", "tranquila", "tranquilidad", "relajado", "relajada", "relajante", "paz", "pacífico",
                 "sereno", "serena", "suave", "lento", "acogedor", "descanso", "silencio", "meditar"),
        "romantic": ("romántico", "romántica", "romance", "amor", "enamorado", "enamorada", "cita", "beso", "besos", "ternura",
                     "boda", "pasión"),
        "energetic": ("energía", "enérgico", "fiesta", "bailar", "baile", "entrenamiento", "gimnasio", "correr", "rápido",
                      "salvaje", "festival", "marcha", "animado", "animada"),
        "nostalgic": ("nostalgia", "nostálgico", "nostálgica", "recuerdos", "recuerdo", "recordar", "infancia", "retro",
                      "vintage", "antiguo", "ayer", "añoranza"),
    },
    "de": {
        "happy": ("glücklich", "glück", "fröhlich", "freude", "froh", "heiter", "lustig", "lachen", "lächeln", "spaß", "toll",
                  "super", "feiern", "sonnig", "gut"),
        "sad": ("traurig", "traurigkeit", "trauer", "melancholisch", "melancholie", "einsam", "einsamkeit", "weinen", "tränen",
                "deprimiert", "trübsinnig", "trüb", "liebeskummer", "vermisse", "schwermütig"),
        "angry": ("wütend", "wut", "zorn", "zornig", "sauer", "ärger", "ärgerlich", "hass", "genervt", "rasend"),
        "fear": ("angst", "ängstlich", "furcht", "gruselig", "unheimlich", "panik", "nervös", "besorgt", "horror", "schaurig"),
        "disgust": ("ekel", "eklig", "widerlich", "igitt"),
        "surprise": ("überraschung", "überrascht", "unerwartet", "wow", "erstaunt"),
        "neutral": ("normal", "okay", "egal", "neutral", "gewöhnlich"),
        "calm": ("ruhig", "ruhe", "entspannt", "entspannung", "gelassen", "friedlich", "frieden", "still", "gemütlich",
                 "langsam", "sanft", "müde", "verschlafen", "chillen", "meditation"),
        "romantic": ("romantisch", "romantik", "liebe", "verliebt", "date", "kuss", "küssen", "zärtlich", "hochzeit",
                     "leidenschaft", "schatz"),
        "energetic": ("energie", "energisch", "party", "feier", "tanzen", "tanz", "training", "fitnessstudio", "laufen",
                      "schnell", "wild", "festival", "power", "aufgedreht"),
        "nostalgic": ("nostalgisch", "nostalgie", "erinnerung", "erinnerungen", "erinnern", "kindheit", "retro", "vintage",
                      "früher", "gestern", "alt", "wehmut", "wehmütig"),
    },
    "pt": {
        "happy": ("feliz", "felicidade", "alegre", "alegria", "contente", "divertido", "sorriso", "risada", "ótimo", "bom",
                  "comemorar", "celebrar", "positivo", "ensolarado"),
        "sad": ("triste", "tristeza", "melancolia", "melancólico", "deprimido", "depressão", "sozinho", "sozinha", "solidão",
                "chorar", "lágrimas", "fossa", "término", "cinzento"),
        "angry": ("raiva", "bravo", "brava", "irritado", "irritada", "furioso", "fúria", "ódio", "puto", "zangado"),
        "fear": ("medo", "assustado", "assustada", "terror", "assustador", "ansiedade", "ansioso", "nervoso", "pânico",
                 "sinistro", "sombrio"),
        "disgust": ("nojo", "nojento", "repugnante", "eca"),
        "surprise": ("surpresa", "surpreso", "inesperado", "uau", "incrível"),
        "neutral": ("normal", "neutro", "comum"),
        "calm": ("calmo", "calma", "tranquilo", "tranquila", "tranquilidade", "relaxado", "relaxante", "relaxar", "paz",
                 "sereno", "suave", "devagar", "aconchegante", "descanso", "silêncio", "meditar"),
        "romantic": ("romântico", "romântica", "romance", "amor", "apaixonado", "apaixonada", "encontro", "beijo", "carinho",
                     "casamento", "paixão", "namorado", "namorada"),
        "energetic": ("energia", "energético", "festa", "balada", "dançar", "dança", "treino", "academia", "correr",
                      "rápido", "selvagem", "festival", "agitado", "animado", "animada"),
        "nostalgic": ("nostalgia", "nostálgico", "nostálgica", "lembranças", "lembrança", "lembrar", "memórias", "infância",
                      "retrô", "vintage", "antigo", "ontem", "saudade", "saudades"),
    },
}

SCENES: Mapping[str, Mapping[str, Mapping[str, float]]] = {
    "ru": {"дождь": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3}, "дождливый": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3},
           "гроза": {"fear": 0.5, "angry": 0.5}, "снег": {"calm": 0.6, "nostalgic": 0.4}, "зима": {"calm": 0.5, "nostalgic": 0.5},
           "воскресенье": {"calm": 1.0}, "утро": {"calm": 0.7, "happy": 0.3}, "кофе": {"calm": 1.0},
           "ночь": {"calm": 0.6, "romantic": 0.4}, "закат": {"calm": 0.5, "romantic": 0.3, "nostalgic": 0.2},
           "пляж": {"happy": 0.5, "calm": 0.5}, "море": {"calm": 0.6, "happy": 0.4}, "лето": {"happy": 0.7, "energetic": 0.3},
           "дорога": {"happy": 0.5, "energetic": 0.5}, "поездка": {"happy": 0.6, "energetic": 0.4},
           "пятница": {"energetic": 0.6, "happy": 0.4}, "клуб": {"energetic": 1.0}, "концерт": {"energetic": 0.8, "happy": 0.2},
           "учёба": {"calm": 1.0}, "лес": {"calm": 1.0}, "похороны": {"sad": 1.0}, "ужин": {"romantic": 0.6, "calm": 0.4}, "вино": {"romantic": 0.6, "calm": 0.4}, "дом": {"calm": 0.6, "nostalgic": 0.4}},
    "es": {"lluvia": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3}, "lluvioso": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3},
           "tormenta": {"fear": 0.5, "angry": 0.5}, "nieve": {"calm": 0.6, "nostalgic": 0.4}, "invierno": {"calm": 0.5, "nostalgic": 0.5},
           "domingo": {"calm": 1.0}, "mañana": {"calm": 0.7, "happy": 0.3}, "café": {"calm": 1.0},
           "noche": {"calm": 0.6, "romantic": 0.4}, "atardecer": {"calm": 0.5, "romantic": 0.3, "nostalgic": 0.2},
           "playa": {"happy": 0.5, "calm": 0.5}, "mar": {"calm": 0.6, "happy": 0.4}, "verano": {"happy": 0.7, "energetic": 0.3},
           "viaje": {"happy": 0.6, "energetic": 0.4}, "viernes": {"energetic": 0.6, "happy": 0.4}, "discoteca": {"energetic": 1.0},
           "concierto": {"energetic": 0.8, "happy": 0.2}, "estudiar": {"calm": 1.0}, "bosque": {"calm": 1.0},
           "funeral": {"sad": 1.0}, "cumpleaños": {"happy": 0.7, "energetic": 0.3}, "cena": {"romantic": 0.6, "calm": 0.4},
           "vino": {"romantic": 0.6, "calm": 0.4}, "casa": {"calm": 0.6, "nostalgic": 0.4}},
    "de": {"regen": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3}, "regnerisch": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3},
           "verregnet": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3}, "gewitter": {"fear": 0.5, "angry": 0.5},
           "sturm": {"fear": 0.5, "angry": 0.5}, "schnee": {"calm": 0.6, "nostalgic": 0.4}, "winter": {"calm": 0.5, "nostalgic": 0.5},
           "sonntag": {"calm": 1.0}, "sonntagmorgen": {"calm": 1.0}, "morgen": {"calm": 0.7, "happy": 0.3}, "kaffee": {"calm": 1.0},
           "nacht": {"calm": 0.6, "romantic": 0.4}, "sonnenuntergang": {"calm": 0.5, "romantic": 0.3, "nostalgic": 0.2},
           "strand": {"happy": 0.5, "calm": 0.5}, "meer": {"calm": 0.6, "happy": 0.4}, "sommer": {"happy": 0.7, "energetic": 0.3},
           "reise": {"happy": 0.6, "energetic": 0.4}, "freitag": {"energetic": 0.6, "happy": 0.4}, "club": {"energetic": 1.0},
           "konzert": {"energetic": 0.8, "happy": 0.2}, "lernen": {"calm": 1.0}, "wald": {"calm": 1.0}, "beerdigung": {"sad": 1.0},
           "geburtstag": {"happy": 0.7, "energetic": 0.3}, "abendessen": {"romantic": 0.6, "calm": 0.4},
           "wein": {"romantic": 0.6, "calm": 0.4}, "zuhause": {"calm": 0.6, "nostalgic": 0.4}},
    "pt": {"chuva": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3}, "chuvoso": {"calm": 0.4, "sad": 0.3, "nostalgic": 0.3},
           "tempestade": {"fear": 0.5, "angry": 0.5}, "neve": {"calm": 0.6, "nostalgic": 0.4}, "inverno": {"calm": 0.5, "nostalgic": 0.5},
           "domingo": {"calm": 1.0}, "manhã": {"calm": 0.7, "happy": 0.3}, "café": {"calm": 1.0},
           "noite": {"calm": 0.6, "romantic": 0.4}, "entardecer": {"calm": 0.5, "romantic": 0.3, "nostalgic": 0.2},
           "praia": {"happy": 0.5, "calm": 0.5}, "mar": {"calm": 0.6, "happy": 0.4}, "verão": {"happy": 0.7, "energetic": 0.3},
           "viagem": {"happy": 0.6, "energetic": 0.4}, "sexta": {"energetic": 0.6, "happy": 0.4}, "balada": {"energetic": 1.0},
           "show": {"energetic": 0.8, "happy": 0.2}, "estudar": {"calm": 1.0}, "floresta": {"calm": 1.0}, "enterro": {"sad": 1.0},
           "aniversário": {"happy": 0.7, "energetic": 0.3}, "jantar": {"romantic": 0.6, "calm": 0.4},
           "vinho": {"romantic": 0.6, "calm": 0.4}, "casa": {"calm": 0.6, "nostalgic": 0.4}},
}

NEGATIONS: Mapping[str, frozenset[str]] = {
    "ru": frozenset({"не", "нет", "без", "ни", "никогда"}),
    "es": frozenset({"no", "sin", "nunca", "ni", "jamás", "nada"}),
    "de": frozenset({"nicht", "kein", "keine", "keinen", "keinem", "keiner", "keines", "ohne", "nie", "niemals", "nichts"}),
    "pt": frozenset({"não", "nao", "sem", "nunca", "nem", "jamais", "nada"}),
}
