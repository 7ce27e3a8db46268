"""The bundled catalog and importing a person's own Spotify CSV."""

from __future__ import annotations

import gzip

import pytest

from core.music.catalog import BUNDLED, CatalogError
from core.service.catalog import import_csv, load_catalog
from core.store import SqliteStore

ID1, ID2, ID3 = "4uLU6hMCjMI75M1A2tKUQC", "7qiZfU4dY1lWllzX7mPBI3", "0VjIjW4GlUZAMYd2vXMi3b"


@pytest.fixture
async def store(tmp_path):
    async with SqliteStore(tmp_path / "db.sqlite3") as s:
        yield s


async def test_bundled_catalog_loads_once_and_is_deduplicated(store):
    catalog = await load_catalog(store)
    assert len(catalog) > 100_000
    keys = {(t.title.lower(), t.artist.lower()) for t in catalog.tracks}
    assert len(keys) == len(catalog)
    assert all(len(t.id) == 22 for t in catalog.tracks[:500])
    again = await load_catalog(store)  # second start: nothing re-imported
    assert len(again) == len(catalog)
    assert BUNDLED.stat().st_size < 8_000_000


async def test_bundled_tracks_have_links(store):
    t = (await load_catalog(store)).tracks[0]
    assert t.spotify_url == f"https://open.spotify.com/track/{t.id}"
    assert t.youtube_url.startswith("https://music.youtube.com/search?q=")


def write(tmp_path, text, name="mine.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


async def test_kaggle_style_columns_are_recognised(store, tmp_path):
    path = write(tmp_path, (
        "track_id,track_name,artists,valence,energy,tempo,mode,acousticness,danceability,popularity,album_release_date\n"
        f"{ID1},Shape of You,['Ed Sheeran'],0.93,0.65,95.9,0,0.58,0.83,87,2017-01-06\n"
        f"spotify:track:{ID2},Song Two,\"['A', 'B']\",0.2,0.3,70,1,0.9,0.3,40,1999\n"
    ))
    report = await import_csv(store, path)
    assert (report.imported, report.skipped) == (2, 0)
    catalog = await load_catalog(store)
    t = catalog.get(ID1)
    assert (t.title, t.artist, t.year, t.decade, t.popularity) == ("Shape of You", "Ed Sheeran", 2017, 2010, 0.87)
    assert catalog.get(ID2).artist == "A, B"


async def test_missing_essential_columns_are_named(store, tmp_path):
    path = write(tmp_path, "name,artist,tempo\nSong,Someone,120\n")
    with pytest.raises(CatalogError) as err:
        await import_csv(store, path)
    msg = str(err.value)
    assert "id" in msg and "valence" in msg and "energy" in msg and "found: name, artist, tempo" in msg


async def test_bad_rows_are_skipped_and_counted(store, tmp_path):
    path = write(tmp_path, (
        "id,name,artist,valence,energy\n"
        f"{ID1},Good,Someone,0.5,0.5\n"
        "not-an-id,Bad id,Someone,0.5,0.5\n"
        f"{ID2},Bad number,Someone,lots,0.5\n"
        f"{ID3},Out of range,Someone,1.5,0.5\n"
        f"{ID1},Good again,Someone,0.6,0.5\n"
    ))
    report = await import_csv(store, path)
    assert report.imported == 1
    assert report.skipped_reasons == {"bad id": 1, "bad number": 2, "duplicate id": 1}
    assert "tempo" in report.missing_optional


async def test_import_is_idempotent_and_replace_makes_it_the_whole_catalog(store, tmp_path):
    before = len(await load_catalog(store))
    path = write(tmp_path, f"id,name,artist,valence,energy\n{ID1},Mine,Me,0.5,0.5\n")
    await import_csv(store, path)
    await import_csv(store, path)
    assert len(await load_catalog(store)) == before + 1
    report = await import_csv(store, path, replace=True)
    assert report.total == 1
    assert len(await load_catalog(store)) == 1  # the bundled catalog does not come back


async def test_gzipped_semicolon_csv(store, tmp_path):
    path = tmp_path / "x.csv.gz"
    path.write_bytes(gzip.compress(f"id;name;artist;valence;energy\n{ID1};Song;Someone;0,5;0.5\n{ID2};Song 2;Someone;0.4;0.5\n".encode()))
    report = await import_csv(store, path)
    assert report.imported == 1 and report.skipped == 1


async def test_not_a_csv_is_a_clear_error(store, tmp_path):
    path = tmp_path / "photo.csv"
    path.write_bytes(b"\xff\xd8\xff\xe0" + bytes(range(256)))
    with pytest.raises(CatalogError, match="not a UTF-8 text file"):
        await import_csv(store, path)
    with pytest.raises(CatalogError, match="Can't read"):
        await import_csv(store, tmp_path / "missing.csv")


async def test_empty_catalog_file(store, tmp_path):
    with pytest.raises(CatalogError, match="No usable rows"):
        await import_csv(store, write(tmp_path, "id,name,artist,valence,energy\n"))


async def test_spotify_tracks_layout_brings_popularity_explicit_and_genre(store, tmp_path):
    path = write(tmp_path, (
        "track_id,artists,album_name,track_name,popularity,duration_ms,explicit,danceability,energy,key,loudness,mode,"
        "speechiness,acousticness,instrumentalness,liveness,valence,tempo,time_signature,track_genre\n"
        f"{ID1},Gen Hoshino,Comedy,Comedy,73,230666,False,0.676,0.461,1,-6.746,0,0.143,0.0322,1.01e-06,0.358,0.715,87.917,4,acoustic\n"
        f"{ID2},Rapper;Friend,X,Loud,55,149610,True,0.42,0.866,1,-4.2,1,0.0763,0.024,5.56e-06,0.101,0.267,140.5,4,hip-hop\n"
    ))
    report = await import_csv(store, path)
    assert (report.imported, report.skipped, report.missing_optional) == (2, 0, ["year"])
    catalog = await load_catalog(store)
    quiet, loud = catalog.get(ID1), catalog.get(ID2)
    assert (quiet.popularity, quiet.explicit, quiet.genres, quiet.loudness) == (0.73, False, "acoustic", -6.746)
    assert (loud.explicit, loud.genres, loud.artist) == (True, "hip-hop", "Rapper, Friend")
    assert catalog.explicit[catalog.index[ID2]] and catalog.family[catalog.index[ID2]] == "hip hop"


async def test_an_imported_catalog_is_ranked_by_the_learned_mood_models(store, tmp_path):
    """A person's own catalog (no popularity, no genre) still gets the learned mapping."""
    from core.music.targets import target_for_label
    from core.music.recommender import Recommender

    path = write(tmp_path, (
        "id,name,artist,valence,energy,tempo,mode,acousticness,danceability,instrumentalness,loudness\n"
        f"{ID1},Still Water,Piano Person,0.20,0.05,70,1,0.98,0.30,0.92,-28\n"
        f"{ID2},Jump Around,Party Crew,0.80,0.92,128,1,0.02,0.85,0.00,-4\n"
        f"{ID3},Grey Rain,Sad Singer,0.10,0.25,75,0,0.85,0.35,0.00,-12\n"
    ))
    await import_csv(store, path, replace=True)
    ranker = Recommender(await load_catalog(store))
    first = lambda label: ranker.match(target_for_label(label), 1)[0].track.title  # noqa: E731
    assert (first("calm"), first("energetic"), first("sad")) == ("Still Water", "Jump Around", "Grey Rain")


async def test_a_replaced_catalog_stays_replaced_after_more_imports_and_restarts(store, tmp_path):
    header = "id,name,artist,valence,energy\n"
    await import_csv(store, write(tmp_path, header + f"{ID1},One,A,0.5,0.5\n", "a.csv"), replace=True)
    await import_csv(store, write(tmp_path, header + f"{ID2},Two,B,0.5,0.5\n", "b.csv"))
    catalog = await load_catalog(store)  # a later start
    assert sorted(t.id for t in catalog.tracks) == sorted([ID1, ID2])
