"""Tests for posts.bylines: parsing and formatting WeChat-style bylines."""

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posts.bylines import Byline, BylineStyle, format_byline, parse_byline

SAMPLES_DIR = Path(__file__).resolve().parents[2] / "shared" / "samples" / "blog" / "_posts"

# Every distinct `description:` of the sample blog (our fixture text), with what it says.
ZH_SAMPLE_BYLINES = [
    ("蚂蚁海星 · 2023年03月20日 01:13 · 广东", datetime(2023, 3, 20, 1, 13), "广东"),
    ("蚂蚁海星 · 2023年04月24日 21:04 · 广东", datetime(2023, 4, 24, 21, 4), "广东"),
    ("蚂蚁海星 · 2023年05月08日 20:05 · 广东", datetime(2023, 5, 8, 20, 5), "广东"),
    ("蚂蚁海星 · 2023年06月26日 13:32 · 广东", datetime(2023, 6, 26, 13, 32), "广东"),
    ("蚂蚁海星 · 2023年06月29日 21:15 · 广东", datetime(2023, 6, 29, 21, 15), "广东"),
    ("蚂蚁海星 · 2023年09月06日 19:33・北京", datetime(2023, 9, 6, 19, 33), "北京"),
    ("蚂蚁海星 · 2023年09月07日 19:53 · 江苏", datetime(2023, 9, 7, 19, 53), "江苏"),
    ("蚂蚁海星 · 2023年12月31日 00:11・中国香港", datetime(2023, 12, 31, 0, 11), "中国香港"),
    ("蚂蚁海星 · 2024年01月19日 18:57・广东", datetime(2024, 1, 19, 18, 57), "广东"),
    ("蚂蚁海星 · 2024年01月21日 17:47・北京", datetime(2024, 1, 21, 17, 47), "北京"),
    ("蚂蚁海星 · 2024年01月24日 18:49・广东", datetime(2024, 1, 24, 18, 49), "广东"),
    ("蚂蚁海星 · 2024年02月21日 19:32 · 广东", datetime(2024, 2, 21, 19, 32), "广东"),
    ("蚂蚁海星 · 2024年02月23日 20:54・北京", datetime(2024, 2, 23, 20, 54), "北京"),
    ("蚂蚁海星 · 2024年03月14日 16:41 · 广东", datetime(2024, 3, 14, 16, 41), "广东"),
    ("蚂蚁海星 · 2024年05月14日 18:05・广东", datetime(2024, 5, 14, 18, 5), "广东"),
    ("蚂蚁海星 · 2024年07月18日 12:49・广东", datetime(2024, 7, 18, 12, 49), "广东"),
    ("蚂蚁海星 · 2024年07月18日 12:50・广东", datetime(2024, 7, 18, 12, 50), "广东"),
    ("蚂蚁海星 · 2024年08月30日 20:06・广东", datetime(2024, 8, 30, 20, 6), "广东"),
    ("蚂蚁海星 · 2024年10月31日 04:05 · 广东", datetime(2024, 10, 31, 4, 5), "广东"),
    ("蚂蚁海星 · 2024年11月13日 20:38 · 广东", datetime(2024, 11, 13, 20, 38), "广东"),
    ("蚂蚁海星 · 2024年12月25日 18:51 · 广东", datetime(2024, 12, 25, 18, 51), "广东"),
    ("蚂蚁海星 · 2025年01月05日 22:05 · 广东", datetime(2025, 1, 5, 22, 5), "广东"),
    ("蚂蚁海星 · 2025年03月30日 04:23 · 广东", datetime(2025, 3, 30, 4, 23), "广东"),
    ("蚂蚁海星 · 2025年03月30日 21:57・广东", datetime(2025, 3, 30, 21, 57), "广东"),
]
EN_SAMPLE_BYLINES = [
    ("Mai-Haishin · April 24, 2023, 21:04 · Guangdong", datetime(2023, 4, 24, 21, 4), "Guangdong"),
    ("Mai-Haishin · August 30, 2024 20:06・Guangdong", datetime(2024, 8, 30, 20, 6), "Guangdong"),
    (
        "Mai-Haishin · December 25, 2024 18:51 · Guangdong",
        datetime(2024, 12, 25, 18, 51),
        "Guangdong",
    ),
    (
        "Mai-Haishin · December 31, 2023, 00:11 · HongKong",
        datetime(2023, 12, 31, 0, 11),
        "HongKong",
    ),
    (
        "Mai-Haishin · February 21, 2024 19:32 · Guangdong",
        datetime(2024, 2, 21, 19, 32),
        "Guangdong",
    ),
    ("Mai-Haishin · February 23, 2024 20:54・Beijing", datetime(2024, 2, 23, 20, 54), "Beijing"),
    ("Mai-Haishin · January 05, 2025 22:05 · Guangdong", datetime(2025, 1, 5, 22, 5), "Guangdong"),
    ("Mai-Haishin · January 19, 2024 18:57・Guangdong", datetime(2024, 1, 19, 18, 57), "Guangdong"),
    ("Mai-Haishin · January 21, 2024 17:47・Beijing", datetime(2024, 1, 21, 17, 47), "Beijing"),
    ("Mai-Haishin · January 24, 2024 18:49・Guangdong", datetime(2024, 1, 24, 18, 49), "Guangdong"),
    ("Mai-Haishin · July 18, 2024 12:49・Guangdong", datetime(2024, 7, 18, 12, 49), "Guangdong"),
    ("Mai-Haishin · July 18, 2024 12:50・Guangdong", datetime(2024, 7, 18, 12, 50), "Guangdong"),
    ("Mai-Haishin · June 26, 2023, 13:32 · Guangdong", datetime(2023, 6, 26, 13, 32), "Guangdong"),
    ("Mai-Haishin · June 29, 2023, 21:15 · Guangdong", datetime(2023, 6, 29, 21, 15), "Guangdong"),
    ("Mai-Haishin · March 14, 2024 16:41 · Guangdong", datetime(2024, 3, 14, 16, 41), "Guangdong"),
    ("Mai-Haishin · March 20, 2023, 01:13 · Guangdong", datetime(2023, 3, 20, 1, 13), "Guangdong"),
    ("Mai-Haishin · March 30, 2025 04:23 · Guangdong", datetime(2025, 3, 30, 4, 23), "Guangdong"),
    ("Mai-Haishin · March 30, 2025, 21:57 · Guangdong", datetime(2025, 3, 30, 21, 57), "Guangdong"),
    ("Mai-Haishin · May 14, 2024 18:05・Guangdong", datetime(2024, 5, 14, 18, 5), "Guangdong"),
    ("Mai-Haishin · May 8, 2023, 20:05 · Guangdong", datetime(2023, 5, 8, 20, 5), "Guangdong"),
    (
        "Mai-Haishin · November 13, 2024 20:38 · Guangdong",
        datetime(2024, 11, 13, 20, 38),
        "Guangdong",
    ),
    ("Mai-Haishin · October 31, 2024 04:05 · Guangdong", datetime(2024, 10, 31, 4, 5), "Guangdong"),
    ("Mai-Haishin · September 07, 2023 19:53 · Jiangsu", datetime(2023, 9, 7, 19, 53), "Jiangsu"),
    ("Mai-Haishin · September 6, 2023, 19:33 · Beijing", datetime(2023, 9, 6, 19, 33), "Beijing"),
]


def reformat(byline: Byline) -> str:
    return format_byline(
        byline.author, byline.local_time, byline.place, byline.language, byline.style
    )


@pytest.mark.parametrize(("text", "local_time", "place"), ZH_SAMPLE_BYLINES)
def test_parses_chinese_sample_bylines(text, local_time, place):
    byline = parse_byline(text)

    assert (byline.author, byline.local_time, byline.place, byline.language) == (
        "蚂蚁海星",
        local_time,
        place,
        "zh-hans",
    )
    assert reformat(byline) == text


@pytest.mark.parametrize(("text", "local_time", "place"), EN_SAMPLE_BYLINES)
def test_parses_english_sample_bylines(text, local_time, place):
    byline = parse_byline(text)

    assert (byline.author, byline.local_time, byline.place, byline.language) == (
        "Mai-Haishin",
        local_time,
        place,
        "en",
    )
    assert reformat(byline) == text


@pytest.mark.samples
@pytest.mark.skipif(not SAMPLES_DIR.is_dir(), reason="../shared/samples is not available")
def test_every_sample_description_round_trips():
    descriptions = [
        line.removeprefix("description:").strip()
        for path in sorted(SAMPLES_DIR.glob("*.md"))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.startswith("description:")
    ]

    assert descriptions
    assert [reformat(parse_byline(text)) for text in descriptions] == descriptions


@pytest.mark.parametrize(
    ("text", "first_separator", "second_separator"),
    [
        ("蚂蚁海星 · 2025年03月30日 04:23 · 广东", " · ", " · "),
        ("蚂蚁海星·2025年03月30日 04:23·广东", "·", "·"),
        ("蚂蚁海星 ・ 2025年03月30日 04:23・广东", " ・ ", "・"),
        ("蚂蚁海星 • 2025年03月30日 04:23 • 广东", " • ", " • "),
        ("蚂蚁海星 | 2025年03月30日 04:23 | 广东", " | ", " | "),
        ("蚂蚁海星|2025年03月30日 04:23 · 广东", "|", " · "),
        ("蚂蚁海星 •2025年03月30日 04:23|  广东", " •", "|  "),
    ],
)
def test_keeps_each_separator_as_written(text, first_separator, second_separator):
    byline = parse_byline(text)

    assert (byline.author, byline.local_time, byline.place) == (
        "蚂蚁海星",
        datetime(2025, 3, 30, 4, 23),
        "广东",
    )
    assert (byline.style.first_separator, byline.style.second_separator) == (
        first_separator,
        second_separator,
    )
    assert reformat(byline) == text


@pytest.mark.parametrize(
    ("text", "ip_prefix"),
    [
        ("蚂蚁海星 · 2025年03月30日 04:23 · IP属地：广东", "IP属地："),
        ("蚂蚁海星 · 2025年03月30日 04:23 · IP属地:广东", "IP属地:"),
        ("蚂蚁海星 · 2025年03月30日 04:23 · IP属地 广东", "IP属地 "),
        ("蚂蚁海星 · 2025年03月30日 04:23 · IP属地： 广东", "IP属地： "),
        ("Mai-Haishin · March 30, 2025 04:23 · IP属地：广东", "IP属地："),
    ],
)
def test_ip_location_prefix_is_not_part_of_the_place(text, ip_prefix):
    byline = parse_byline(text)

    assert (byline.place, byline.style.ip_prefix) == ("广东", ip_prefix)
    assert reformat(byline) == text


@pytest.mark.parametrize(
    "text",
    [
        "蚂蚁海星 · 2025年03月30日 04:23:15 · 广东",
        "Mai-Haishin · March 30, 2025 04:23:15 · Guangdong",
    ],
)
def test_seconds(text):
    byline = parse_byline(text)

    assert byline.local_time == datetime(2025, 3, 30, 4, 23, 15)
    assert byline.style.with_seconds
    assert reformat(byline) == text


@pytest.mark.parametrize(
    ("text", "local_time"),
    [
        ("Mai-Haishin · Mar 30, 2025 04:23 · Guangdong", datetime(2025, 3, 30, 4, 23)),
        ("Mai-Haishin · Sep 7, 2023, 19:53 · Jiangsu", datetime(2023, 9, 7, 19, 53)),
        ("Mai-Haishin · Dec 31, 2023 00:11 · HongKong", datetime(2023, 12, 31, 0, 11)),
    ],
)
def test_abbreviated_english_months(text, local_time):
    byline = parse_byline(text)

    assert byline.local_time == local_time
    assert byline.style.month_abbreviated
    assert reformat(byline) == text


def test_may_is_a_full_month_name():
    assert not parse_byline("Mai-Haishin · May 8, 2023 20:05 · Guangdong").style.month_abbreviated


def test_english_month_names_ignore_case():
    byline = parse_byline("Mai-Haishin · MARCH 30, 2025 04:23 · Guangdong")

    assert byline.local_time == datetime(2025, 3, 30, 4, 23)


@pytest.mark.parametrize(
    ("text", "local_time"),
    [
        ("蚂蚁海星 · 2025年3月30日 04:23 · 广东", datetime(2025, 3, 30, 4, 23)),
        ("蚂蚁海星 · 2023年9月7日 19:53 · 江苏", datetime(2023, 9, 7, 19, 53)),
        ("蚂蚁海星 · 2023年12月7日 19:53 · 江苏", datetime(2023, 12, 7, 19, 53)),
        ("Mai-Haishin · September 7, 2023 19:53 · Jiangsu", datetime(2023, 9, 7, 19, 53)),
    ],
)
def test_unpadded_dates(text, local_time):
    byline = parse_byline(text)

    assert byline.local_time == local_time
    assert not byline.style.day_padded
    assert reformat(byline) == text


def test_surrounding_whitespace_is_ignored():
    byline = parse_byline("  蚂蚁海星 · 2025年03月30日 04:23 · 广东\n")

    assert (byline.author, byline.place) == ("蚂蚁海星", "广东")


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "A short summary of the post.",
        "2025年03月30日",
        "2025年03月30日 04:23",
        "Python · Django · PostgreSQL",
        "读书 · 写作 · 生活",
        "2025年03月30日 04:23 · 广东",  # no author
        "蚂蚁海星 · 2025年03月30日 04:23",  # no place
        "蚂蚁海星 · 2025年03月30日 04:23 · ",
        "蚂蚁海星 · 2025年03月30日 04:23 · IP属地：",
        " · 2025年03月30日 04:23 · 广东",
        "蚂蚁海星 · 2025年03月30日 · 广东",  # no time
        "蚂蚁海星 · 2025-03-30 04:23 · 广东",
        "Mai-Haishin · Smarch 30, 2025 04:23 · Guangdong",
        "Mai-Haishin · March 30 2025 04:23 · Guangdong",
        "蚂蚁海星 · 2025年03月30日 04:23 · 广东 · 深圳",
        "蚂蚁海星\n· 2025年03月30日 04:23 · 广东\n多一行",
    ],
)
def test_non_bylines(text):
    assert parse_byline(text) is None


@pytest.mark.parametrize(
    "text",
    [
        "蚂蚁海星 · 2025年02月30日 04:23 · 广东",
        "蚂蚁海星 · 2025年13月01日 04:23 · 广东",
        "蚂蚁海星 · 2025年03月30日 24:00 · 广东",
        "蚂蚁海星 · 2025年03月30日 04:60 · 广东",
        "蚂蚁海星 · 2025年03月30日 04:23:61 · 广东",
        "Mai-Haishin · February 29, 2023 04:23 · Guangdong",
        "Mai-Haishin · April 31, 2023 04:23 · Guangdong",
    ],
)
def test_impossible_dates(text):
    assert parse_byline(text) is None


def test_default_chinese_format():
    text = format_byline("蚂蚁海星", datetime(2025, 3, 30, 4, 23), "广东", "zh-hans")

    assert text == "蚂蚁海星 · 2025年03月30日 04:23 · 广东"


def test_default_english_format():
    text = format_byline("Mai-Haishin", datetime(2025, 3, 30, 4, 23), "Guangdong", "en")

    assert text == "Mai-Haishin · March 30, 2025 04:23 · Guangdong"


def test_formats_seconds_and_drops_microseconds():
    style = BylineStyle(with_seconds=True)

    text = format_byline("A", datetime(2025, 3, 3, 4, 5, 6, 789), "B", "en", style)

    assert text == "A · March 03, 2025 04:05:06 · B"


def test_format_rejects_an_unknown_language():
    with pytest.raises(ValueError, match="fr"):
        format_byline("A", datetime(2025, 3, 30, 4, 23), "B", "fr")


def test_style_round_trips_through_a_dict():
    style = BylineStyle(
        first_separator="|",
        second_separator="・",
        day_padded=False,
        comma_before_time=True,
        month_abbreviated=True,
        with_seconds=True,
        ip_prefix="IP属地：",
    )

    assert BylineStyle.from_dict(style.as_dict()) == style


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (None, BylineStyle()),
        ({}, BylineStyle()),
        ({"with_seconds": True}, BylineStyle(with_seconds=True)),
        ({"second_separator": "・", "colour": "red"}, BylineStyle(second_separator="・")),
    ],
)
def test_style_from_partial_dicts(data, expected):
    assert BylineStyle.from_dict(data) == expected


_NAME = st.from_regex(
    r"[A-Za-z\u4e00-\u9fa5]([A-Za-z0-9\u4e00-\u9fa5 .'-]*[A-Za-z\u4e00-\u9fa5])?", fullmatch=True
)
_SEPARATOR = st.sampled_from([" · ", "·", "・", " ・ ", "•", " • ", "|", " | ", " |"])
_STYLES = st.builds(
    BylineStyle,
    first_separator=_SEPARATOR,
    second_separator=_SEPARATOR,
    day_padded=st.booleans(),
    comma_before_time=st.booleans(),
    month_abbreviated=st.booleans(),
    with_seconds=st.booleans(),
    ip_prefix=st.sampled_from(["", "IP属地：", "IP属地:", "IP属地 "]),
)


@given(
    author=_NAME,
    local_time=st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)),
    place=_NAME.filter(lambda name: not name.startswith("IP属地")),
    language=st.sampled_from(["zh-hans", "en"]),
    style=_STYLES,
)
def test_format_then_parse_gives_back_the_parts(author, local_time, place, language, style):
    local_time = local_time.replace(microsecond=0, second=local_time.second * style.with_seconds)

    text = format_byline(author, local_time, place, language, style)
    byline = parse_byline(text)

    assert (byline.author, byline.local_time, byline.place, byline.language) == (
        author,
        local_time,
        place,
        language,
    )
    assert reformat(byline) == text
