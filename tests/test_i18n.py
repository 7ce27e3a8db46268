"""Speaking the person's language (issue 27): the catalogs are complete and used, plurals and
placeholders are right, language codes are parsed safely, moods in words are read in five
languages, and both adapters answer a Russian and a Spanish person in their language."""

from __future__ import annotations

import re

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from bot import replies
from bot.i18n import LANGUAGES, parse_language, speaking
from core.emotions import LABELS
from core.reading.words import read_words
from tests.conftest import DEMO, ROOT
from tests.test_discord import _last_message, dc, dispatch, interaction  # noqa: F401 (a fixture and helpers)
from tests.test_telegram import USER, api, command, feed, photo, tg  # noqa: F401 (fixtures and helpers)

KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def said_in_code() -> set:
    """Every sentence the code marks, as Babel extracts it (babel.cfg: bot/ only)."""
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(str(ROOT / "bot"), keywords=KEYWORDS, method_map=[("**.py", "python")]):
        key = tuple(message) if isinstance(message, tuple) else message
        found.add((context, key))
    return found


def catalog(language: str):
    with open(ROOT / "bot" / "locales" / language / "LC_MESSAGES" / "moodtune.po", "rb") as fh:
        return read_po(fh, locale=language)


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_every_sentence_is_in_the_catalog_translated_and_every_entry_is_said(language):
    code = said_in_code()
    cat = catalog(language)
    entries = {(m.context, tuple(m.id) if isinstance(m.id, (tuple, list)) else m.id): m for m in cat if m.id}
    assert len(code) > 200  # the extraction sees the code
    assert sorted(map(str, code - set(entries))) == []  # said in the code, missing from the catalog
    assert sorted(map(str, set(entries) - code)) == []  # in the catalog, said nowhere
    untranslated = [k for k, m in entries.items() if m.fuzzy or not all(m.string if isinstance(m.string, tuple) else [m.string])]
    assert untranslated == []


@pytest.mark.parametrize("language", [code for code in LANGUAGES if code != "en"])
def test_translations_keep_every_placeholder_and_have_the_languages_plural_forms(language):
    cat = catalog(language)
    for m in cat:
        if not m.id:
            continue
        ids = m.id if isinstance(m.id, (tuple, list)) else (m.id,)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        forms = m.string if isinstance(m.string, (tuple, list)) else (m.string,)
        if isinstance(m.id, (tuple, list)):
            assert len(forms) == cat.num_plurals, m.id
        for k, form in enumerate(forms):
            got = set(PLACEHOLDER.findall(form))
            assert got <= wanted, (m.id, form)  # nothing the code does not pass
            if not (isinstance(m.id, (tuple, list)) and k == 0):  # "1 photo" may say "the photo"
                assert got == wanted, (m.id, form)


def test_russian_counts_in_three_forms_and_the_others_in_theirs():
    faces = lambda n: replies.signal_words(type("S", (), {"name": "faces", "detail": {"count": n}})())  # noqa: E731
    with speaking("ru"):
        assert [faces(n) for n in (1, 2, 5, 21, 11)] == ["1 лицо", "2 лица", "5 лиц", "21 лицо", "11 лиц"]
    with speaking("de"):
        assert [faces(n) for n in (1, 3)] == ["1 Gesicht", "3 Gesichter"]
    with speaking("en"):
        assert [faces(n) for n in (1, 3)] == ["1 face", "3 faces"]
        assert replies.text("previews_coming", n=1) == "▶ Sending 1 preview…"


@pytest.mark.parametrize("code, expected", [
    ("ru", "ru"), ("RU", "ru"), ("pt-BR", "pt"), ("pt_BR", "pt"), ("es-419", "es"), ("es-ES", "es"), ("de", "de"), ("en-GB", "en"),
    ("fr", None), ("xx", None), ("", None), (None, None), ("ru; DROP TABLE settings", None), ("r" * 10_000, None), ("😀", None),
])
def test_language_codes_are_parsed_strictly(code, expected):
    assert parse_language(code) == expected


def test_every_mood_and_scene_has_a_name_in_every_language():
    from models.clip_prompts import SCENES

    for language in LANGUAGES:
        with speaking(language):
            names = {replies.mood_name(label) for label in LABELS}
            assert len(names) == len(LABELS)  # eleven different names
            if language != "en":
                assert not names & set(LABELS) - {"neutral"}  # translated (German and Spanish write "neutral" too)
            assert all(replies.scene_name(s) for s in SCENES)
            assert replies._mood_names() == {label: replies.mood_name(label) for label in LABELS}  # the extraction's list is whole
            assert set(replies._scene_names()) == set(SCENES)


@pytest.mark.parametrize("text, label", [
    ("грустный дождливый вечер", "sad"), ("un día feliz en la playa", "happy"), ("verregneter Sonntagmorgen", "calm"),
    ("manhã de domingo chuvosa", "calm"), ("романтический ужин при свечах", "romantic"), ("fiesta con amigos", "energetic"),
    ("ich bin so wütend", "angry"), ("saudade da infância", "nostalgic"), ("СПОКОЙНОЕ утро", "calm"), ("rainy sunday", "calm"),
])
def test_moods_in_words_are_read_in_five_languages(text, label):
    reading = read_words(text)
    assert reading is not None and reading.label == label


@pytest.mark.parametrize("text", ["мне не грустно", "no estoy triste", "ich bin nicht traurig", "não estou triste", "not sad",
                                  "qwerty asdf", "12345"])
def test_a_negated_or_moodless_text_gets_no_reading(text):
    assert read_words(text) is None


def test_a_word_in_another_language_is_not_sent_to_the_english_scene_model():
    assert read_words("rainy sunday").english and not read_words("дождливое воскресенье").english


# --- through the Telegram adapter -------------------------------------------------------------

RU = {**USER, "language_code": "ru"}
ES = {**USER, "id": 44, "language_code": "es"}
ES_CHAT = {"id": 44, "type": "private", "first_name": "Eva"}


async def test_a_russian_person_is_answered_in_russian_on_telegram(tg):  # noqa: F811
    application, app, fake = tg
    await feed(application, photo(fake, DEMO / "astronaut.jpg", user=RU))
    answer = fake.said()[-1]
    text = answer.get("caption") or answer.get("text")
    assert "уверенность" in text and "Песни под настроение" in text
    labels = [b["text"] for row in answer["reply_markup"]["inline_keyboard"] for b in row]
    assert "➕ Ещё такого" in labels and "🤔 Не то настроение?" in labels
    await feed(application, command("/mood грустный дождливый вечер", user=RU))
    assert "«грусть»" in fake.said()[-1]["text"]  # the mood named in Russian, the songs as they are
    await feed(application, command("/mood qwerty", user=RU))
    assert fake.said()[-1]["text"].startswith("Не нашёл настроения в «qwerty»")
    await feed(application, command("/help", user=RU))
    assert "Пришлите мне фото" in fake.said()[-1]["text"]


async def test_a_spanish_person_chooses_a_language_and_forget_drops_the_choice(tg):  # noqa: F811
    application, app, fake = tg
    await feed(application, command("/mood un día feliz en la playa", chat=ES_CHAT, user=ES))
    assert "Canciones para el ánimo «alegría»" in fake.said()[-1]["text"]
    await feed(application, command("/settings language de", chat=ES_CHAT, user=ES))
    assert fake.said()[-1]["text"] == "Ab jetzt antworte ich dir auf: Deutsch."
    await feed(application, command("/settings", chat=ES_CHAT, user=ES))
    assert "Sprache: Deutsch." in fake.said()[-1]["text"]
    await feed(application, command("/settings language " + "x" * 10_000, chat=ES_CHAT, user=ES))
    refusal = fake.said()[-1]["text"]
    assert refusal.startswith("„xxxxxxxxxxxxxxxxxxxx…“ spreche ich noch nicht") and len(refusal) < 200
    await feed(application, command("/settings language klingon", chat=ES_CHAT, user=ES))
    assert "Ich spreche: English, Русский, Español, Deutsch, Português." in fake.said()[-1]["text"]
    await feed(application, command("/forget", chat=ES_CHAT, user=ES))
    await feed(application, command("/mood fiesta", chat=ES_CHAT, user=ES))
    assert "Canciones para el ánimo «energía»" in fake.said()[-1]["text"]  # the choice is gone: the client's language again


async def test_an_unknown_client_language_gets_english(tg):  # noqa: F811
    application, app, fake = tg
    await feed(application, command("/mood rainy sunday morning", user={**USER, "language_code": "xx-Klingon"}))
    assert "Calm — in your words" in fake.said()[-1]["text"]


async def test_in_a_group_the_answer_follows_the_group_and_a_refusal_the_person(tg):  # noqa: F811
    application, app, fake = tg
    group = {"id": -100, "type": "supergroup", "title": "Trip"}
    admin = {**USER, "id": 7, "language_code": "es"}
    await feed(application, command("/settings language de", chat=group, user=admin))
    assert "Die gemeinsamen Nachrichten dieser Gruppe sind jetzt auf Deutsch." in fake.said()[-1]["text"]
    await feed(application, photo(fake, DEMO / "astronaut.jpg", chat=group, user=RU, caption="@moodtune_bot"))
    answer = fake.said()[-1]
    text = answer.get("caption") or answer.get("text")
    assert "sicher" in text and "Songs für die Stimmung" in text  # everyone's answer: the group's language
    await feed(application, command("/mode sideways", chat=group, user=RU))
    assert fake.said()[-1]["text"].startswith("Режимы: match")  # a refusal to one person: in their language


async def test_the_command_menu_is_registered_in_every_language(tg):  # noqa: F811
    from bot.telegram_adapter import register_commands

    application, app, fake = tg
    await register_commands(application.bot)
    menus = {call.get("language_code", ""): call["commands"] for m, call in fake.calls if m == "setMyCommands"}
    assert set(menus) == {"", "ru", "es", "de", "pt"}
    assert {c["command"] for c in menus["ru"]} == {c["command"] for c in menus[""]}  # names never translated
    assert dict((c["command"], c["description"]) for c in menus["ru"])["forget"] == "удалить всё о вас"


# --- through the Discord adapter --------------------------------------------------------------

async def test_a_spanish_person_is_answered_in_spanish_on_discord(dc):  # noqa: F811
    client, app, fake = dc
    await dispatch(client, "parse_interaction_create", interaction(2, {
        "id": "c1", "name": "mood", "type": 1, "options": [{"name": "text", "type": 3, "value": "un día feliz en la playa"}]},
        locale="es-ES"))
    embed = _last_message(fake)["embeds"][0]
    assert embed["title"] == "😊 Alegría — según tus palabras" and "Canciones para el ánimo «alegría»" in embed["description"]
    await dispatch(client, "parse_interaction_create", interaction(2, {
        "id": "c1", "name": "mood", "type": 1, "options": [{"name": "text", "type": 3, "value": "qwerty"}]}, locale="ru"))
    refusal = fake.sent("callback")[-1]
    assert refusal["data"]["content"].startswith("Не нашёл настроения") and refusal["data"]["flags"] & 64


def test_command_descriptions_are_localised_for_discord():
    import asyncio

    from bot.discord_adapter import CommandWords, MoodtuneDiscord
    from core.settings import Settings

    async def payloads():
        client = MoodtuneDiscord(Settings(discord_token="x", telegram_token=None), None, sync_commands=False)
        await client.tree.set_translator(CommandWords())
        return [await c.get_translated_payload(client.tree, client.tree.translator) for c in client.tree.get_commands()]

    by_name = {p["name"]: p for p in asyncio.run(payloads())}
    forget = by_name["forget"]
    assert forget["description"] == "Delete everything Moodtune stored about you"
    assert forget["description_localizations"]["ru"] == "Удалить всё, что Moodtune о вас хранит"
    assert forget["description_localizations"]["es-ES"] == forget["description_localizations"]["es-419"]
    assert forget["description_localizations"]["pt-BR"].startswith("Apagar tudo")
    assert "name_localizations" not in forget or not forget["name_localizations"]  # people type the names
    assert by_name["Soundtrack this"]["name_localizations"]["ru"] == "Саундтрек к сообщению"  # a menu entry is read, not typed
    language = next(o for o in by_name["settings"]["options"] if o["name"] == "language")
    assert [c["value"] for c in language["choices"]] == list(LANGUAGES)
