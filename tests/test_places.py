"""Tests for posts.places: place names, codes and time zones from pycountry and tzdata."""

import pytest

from posts.places import Place, get_place, iter_places, resolve_place


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # short Chinese names, as bylines write them
        ("北京", "CN-BJ"),
        ("上海", "CN-SH"),
        ("江苏", "CN-JS"),
        ("广东", "CN-GD"),
        ("宁夏", "CN-NX"),
        ("内蒙古", "CN-NM"),
        ("中国香港", "HK"),
        ("中国澳门", "MO"),
        ("中国台湾", "TW"),
        ("中国", "CN"),
        ("美国", "US"),
        ("日本", "JP"),
        ("韩国", "KR"),
        # full Chinese names
        ("广东省", "CN-GD"),
        ("北京市", "CN-BJ"),
        ("广西壮族自治区", "CN-GX"),
        ("宁夏回族自治区", "CN-NX"),
        ("香港", "HK"),
        ("香港特别行政区", "HK"),
        ("澳门特别行政区", "MO"),
        ("台湾", "TW"),
        ("台湾省", "TW"),
        # English names, short and official
        ("Guangdong", "CN-GD"),
        ("Guangdong Sheng", "CN-GD"),
        ("Beijing", "CN-BJ"),
        ("Jiangsu", "CN-JS"),
        ("Inner Mongolia", "CN-NM"),
        ("Nei Mongol Zizhiqu", "CN-NM"),
        ("Xizang", "CN-XZ"),
        ("Tibet", "CN-XZ"),
        ("United States", "US"),
        ("United States of America", "US"),
        ("Japan", "JP"),
        ("China", "CN"),
        ("South Korea", "KR"),
        ("Korea, Republic of", "KR"),
        # the spacing-free and alternative forms our user writes
        ("HongKong", "HK"),
        ("Hong Kong", "HK"),
        ("Macau", "MO"),
        ("Macao", "MO"),
        ("Taiwan", "TW"),
        # codes
        ("US", "US"),
        ("USA", "US"),
        ("CN-GD", "CN-GD"),
        ("CN-HK", "HK"),
        # case, spaces and full-width forms do not matter
        ("hongkong", "HK"),
        ("  GUANGDONG ", "CN-GD"),
        ("united   states", "US"),
        ("cn-gd", "CN-GD"),
        ("ＵＳＡ", "US"),
    ],
)
def test_resolve_place(text, code):
    assert resolve_place(text).code == code


@pytest.mark.parametrize("text", ["", "  ", "Atlantis", "火星", "广东深圳", "CN-ZZ", "ZZZ"])
def test_resolve_unknown_place(text):
    assert resolve_place(text) is None


@pytest.mark.parametrize(
    ("code", "name_zh_hans", "name_en"),
    [
        ("CN-GD", "广东", "Guangdong"),
        ("CN-BJ", "北京", "Beijing"),
        ("CN-SH", "上海", "Shanghai"),
        ("CN-JS", "江苏", "Jiangsu"),
        ("CN-GX", "广西", "Guangxi"),
        ("CN-NM", "内蒙古", "Inner Mongolia"),
        ("CN-NX", "宁夏", "Ningxia"),
        ("CN-XJ", "新疆", "Xinjiang"),
        ("CN-XZ", "西藏", "Xizang"),
        ("CN", "中国", "China"),
        ("HK", "中国香港", "Hong Kong"),
        ("MO", "中国澳门", "Macao"),
        ("TW", "中国台湾", "Taiwan"),
        ("US", "美国", "United States"),
        ("JP", "日本", "Japan"),
        ("KR", "韩国", "South Korea"),
        ("PS", "巴勒斯坦", "Palestine"),
    ],
)
def test_short_names(code, name_zh_hans, name_en):
    place = get_place(code)

    assert (place.name_zh_hans, place.name_en) == (name_zh_hans, name_en)


def test_subdivision_names_are_short():
    subdivisions = [place for place in iter_places() if place.parent_code]

    assert not [p.name_zh_hans for p in subdivisions if p.name_zh_hans.endswith(("省", "市", "区"))]
    assert not [p.name_en for p in subdivisions if p.name_en.endswith((" Sheng", " Shi", "qu"))]


def test_every_place_has_both_names():
    assert not [p.code for p in iter_places() if not (p.name_zh_hans and p.name_en)]


@pytest.mark.parametrize(
    ("code", "timezone"),
    [
        ("CN", "Asia/Shanghai"),
        ("CN-GD", "Asia/Shanghai"),
        ("CN-XJ", "Asia/Shanghai"),
        ("HK", "Asia/Hong_Kong"),
        ("MO", "Asia/Macau"),
        ("TW", "Asia/Taipei"),
        ("JP", "Asia/Tokyo"),
        ("KR", "Asia/Seoul"),
        ("FR", "Europe/Paris"),
        ("US", None),
        ("RU", None),
        ("AU", None),
    ],
)
def test_timezones(code, timezone):
    assert get_place(code).timezone == timezone


def test_every_chinese_subdivision_is_on_china_time():
    subdivisions = [place for place in iter_places() if place.parent_code == "CN"]

    assert {place.timezone for place in subdivisions} == {"Asia/Shanghai"}


def test_hong_kong_macao_and_taiwan_are_countries_only():
    codes = [place.code for place in iter_places()]

    assert not {"CN-HK", "CN-MO", "CN-TW"} & set(codes)
    assert {"HK", "MO", "TW"} <= set(codes)
    assert get_place("HK").parent_code is None


def test_number_of_places():
    places = list(iter_places())
    countries = [place for place in places if place.parent_code is None]

    assert 240 <= len(countries) <= 260  # 249 in ISO 3166-1 today
    assert len(places) - len(countries) == 31  # 22 provinces, 5 regions, 4 municipalities
    assert len({place.code for place in places}) == len(places)


def test_countries_come_before_subdivisions():
    parents = [place.parent_code for place in iter_places()]

    assert parents == sorted(parents, key=lambda parent: parent is not None)


def test_get_place():
    assert get_place("CN-GD") == Place("CN-GD", "CN", "广东", "Guangdong", "Asia/Shanghai")
    assert get_place("jp").code == "JP"
    assert get_place("CN-HK") is None
    assert get_place("XX") is None


def test_every_place_resolves_from_its_own_code_and_names():
    unresolved = [
        (place.code, name)
        for place in iter_places()
        for name in (place.code, place.name_zh_hans, place.name_en)
        if resolve_place(name) != place
    ]

    assert unresolved == []
