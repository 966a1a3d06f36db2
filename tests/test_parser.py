"""Tests for posts.importers.parser: file names, languages, slugs, dates, bylines, errors."""

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from textwrap import dedent
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posts.importers.parser import ParseError, parse_post, read_file_name

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZH_BYLINE = "小明 · 2024年05月01日 09:30 · 北京"
EN_BYLINE = "Xiao Ming · May 1, 2024, 09:30 · Beijing"


def parse(
    front_matter="", body="Some text.\n", path="2024-05-01-walk-en.md", default_timezone="UTC"
):
    """Parse a post made of this YAML front matter (dedented) and body."""
    return parse_post(f"---\n{dedent(front_matter)}---\n{body}", path, default_timezone)


def parse_error(front_matter: str, path: str = "2024-05-01-walk-en.md") -> ParseError:
    with pytest.raises(ParseError) as caught:
        parse(front_matter, path=path)
    return caught.value


# A whole post ----------------------------------------------------------------------------


def test_a_jekyll_post_with_a_byline():
    parsed = parse(
        f"""\
        layout: post
        title: 散步
        date: 2024-05-01 09:30:00
        description: {ZH_BYLINE}
        tags: walking, misc
        disqus_comments: true
        categories: Chinese
        toc: true
        """,
        body="今天去散步了。\n",
        path="_posts/2024-05-01-walk-cn.md",
    )
    assert parsed.source_path == "_posts/2024-05-01-walk-cn.md"
    assert (parsed.language, parsed.pair_key, parsed.slug) == ("zh-hans", "2024-05-01-walk", "walk")
    assert parsed.title == "散步"
    assert parsed.summary == ""
    assert parsed.body == "今天去散步了。\n"
    assert parsed.published_at == datetime(2024, 5, 1, 9, 30, tzinfo=SHANGHAI)
    assert parsed.published_at.utcoffset() == timedelta(hours=8)
    assert parsed.timezone == "Asia/Shanghai"
    assert parsed.byline.author == "小明"
    assert parsed.byline_source == ZH_BYLINE
    assert (parsed.location_code, parsed.author_name) == ("CN-BJ", "小明")
    assert (parsed.tags, parsed.categories) == (["walking", "misc"], ["Chinese"])
    assert (parsed.comments_enabled, parsed.is_draft) == (True, False)
    assert parsed.extra_front_matter == {"layout": "post", "toc": True}
    assert parsed.warnings == []


def test_source_front_matter_is_the_whole_front_matter_and_json_safe():
    parsed = parse("title: x\ndate: 2024-05-01 09:30\nversion: 3.10\nlayout: post\n")
    expected = {"title": "x", "date": "2024-05-01 09:30", "version": "3.10", "layout": "post"}
    assert parsed.source_front_matter == expected
    assert json.loads(json.dumps(parsed.source_front_matter)) == expected


def test_unmodelled_keys_are_kept_verbatim_in_extra_front_matter():
    parsed = parse(
        """\
        title: x
        layout: post
        toc: {sidebar: left}
        math: true
        lastmod: 2024-05-02
        last_modified_at: 2024-05-03 10:00
        giscus_comments: false
        """
    )
    assert parsed.extra_front_matter == {
        "layout": "post",
        "toc": {"sidebar": "left"},
        "math": True,
        "lastmod": "2024-05-02",
        "last_modified_at": "2024-05-03 10:00",
    }


def test_content_hash_is_the_sha256_of_the_text():
    text = "---\ntitle: x\n---\nBody\n"
    parsed = parse_post(text, "x-en.md")
    assert parsed.content_hash == hashlib.sha256(text.encode()).hexdigest()
    assert parse_post(text + " ", "x-en.md").content_hash != parsed.content_hash


def test_body_keeps_crlf_and_the_bom_is_dropped():
    parsed = parse_post("\ufeff---\r\ntitle: x\r\n---\r\nLine one\r\nLine two\r\n", "x-en.md")
    assert parsed.title == "x"
    assert parsed.body == "Line one\r\nLine two\r\n"


@pytest.mark.parametrize(
    "text",
    [
        '+++\ntitle = "Walk"\ndate = 2024-05-01T09:30:00+08:00\ntags = ["a", "b"]\n+++\nBody\n',
        '{"title": "Walk", "date": "2024-05-01T09:30:00+08:00", "tags": ["a", "b"]}\nBody\n',
    ],
)
def test_toml_and_json_front_matter(text):
    parsed = parse_post(text, "walk.en.md")
    assert (parsed.title, parsed.tags, parsed.body) == ("Walk", ["a", "b"], "Body\n")
    assert parsed.published_at == datetime(2024, 5, 1, 1, 30, tzinfo=UTC)


def test_no_front_matter_uses_the_file_name_and_the_first_heading():
    parsed = parse_post("# A heading\n\nText.\n", "2023-4-7-notes-en.md")
    assert (parsed.title, parsed.slug, parsed.language) == ("A heading", "notes", "en")
    assert parsed.published_at == datetime(2023, 4, 7, tzinfo=UTC)
    assert parsed.source_front_matter == {}


def test_a_fence_after_blank_lines_is_body_with_a_warning():
    parsed = parse_post("\n---\ntitle: x\n---\nText\n", "x-en.md")
    assert parsed.source_front_matter == {}
    assert parsed.body == "\n---\ntitle: x\n---\nText\n"
    assert "'---' after blank lines is not front matter (it must be on line 1); read as body" in (
        parsed.warnings
    )


@pytest.mark.parametrize("text", ["----\nText\n", "Text\n\n---\n\nMore\n"])
def test_a_thematic_break_is_not_mistaken_for_a_late_fence(text):
    assert not any("line 1" in warning for warning in parse_post(text, "x-en.md").warnings)


# Errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason_part", "line"),
    [
        ("---\ntitle: x\n", "never closed", 1),
        ("---\n- a\n- b\n---\n", "not a list", 2),
        ("---\nfoo\n---\n", "single value", 2),
        ("---\ntitle: [x\n---\n", "invalid YAML", 3),
        ("---\ntitle: x\ntitle: y\n---\n", "duplicate key 'title'", 3),
        ("---\na: &x 1\nb: *x\n---\n", "anchors and aliases", 2),
        ("---\na: !!python/object:os.system x\n---\n", "not allowed", 2),
        ("---\na: " + "[" * 5000 + "]" * 5000 + "\n---\n", "nested", 2),
    ],
)
def test_front_matter_errors_become_parse_errors(text, reason_part, line):
    with pytest.raises(ParseError) as caught:
        parse_post(text, "posts/x-en.md")
    assert reason_part in caught.value.reason
    assert (caught.value.path, caught.value.line) == ("posts/x-en.md", line)
    assert str(caught.value).startswith(f"posts/x-en.md:{line}: ")


def test_parse_error_without_a_line():
    assert str(ParseError("a.md", "is broken")) == "a.md: is broken"
    assert str(ParseError("a.md", "is broken", 4)) == "a.md:4: is broken"


@pytest.mark.parametrize(
    ("front_matter", "reason_part", "line"),
    [
        ("title: x\ndate: 2025-02-30\n", "date", 3),
        ("title: [a, b]\n", "title: expected text", 2),
        ("title: true\n", "title: expected text", 2),
        ("description: {a: 1}\n", "description: expected text", 2),
        ("slug: hello world\n", "slug 'hello world'", 2),
        ("timezone: Mars/Olympus\n", "timezone: 'Mars/Olympus'", 2),
        ("lang: fr\n", "lang: 'fr' is not a supported language", 2),
        ("tags: {a: 1}\n", "tags", 2),
        ("draft: maybe\n", "draft: expected true or false", 2),
        ("author: [[a]]\n", "author", 2),
    ],
)
def test_invalid_values_name_the_key_and_line(front_matter, reason_part, line):
    error = parse_error(front_matter)
    assert reason_part in error.reason
    assert error.line == line


# File names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "pair_key", "slug", "language", "written_date"),
    [
        ("_posts/2025-03-30-leave-cn.md", "2025-03-30-leave", "leave", "zh-hans", "2025-03-30"),
        ("_posts/2025-03-30-leave-en.md", "2025-03-30-leave", "leave", "en", "2025-03-30"),
        ("2025-03-30-leave-zh.md", "2025-03-30-leave", "leave", "zh-hans", "2025-03-30"),
        ("2025-03-30-leave-CN.markdown", "2025-03-30-leave", "leave", "zh-hans", "2025-03-30"),
        ("2023-4-7-x.md", "2023-4-7-x", "x", None, "2023-04-07"),
        ("2023-04-07-two-words.markdown", "2023-04-07-two-words", "two-words", None, "2023-04-07"),
        ("content/walk.zh.md", "walk", "walk", "zh-hans", None),
        ("content/walk.en.md", "walk", "walk", "en", None),
        ("content/walk/index.en.md", "walk", "walk", "en", None),
        ("notes.md", "notes", "notes", None, None),
        ("golden.md", "golden", "golden", None, None),
    ],
)
def test_read_file_name(path, pair_key, slug, language, written_date):
    name = read_file_name(path)
    assert (name.pair_key, name.slug, name.language) == (pair_key, slug, language)
    assert (name.date.isoformat() if name.date else None) == written_date


def test_impossible_file_name_date_is_an_error():
    with pytest.raises(ParseError, match="2023-02-30"):
        parse_post("Text", "2023-02-30-x-en.md")


# Language --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "language"),
    [
        ("zh", "zh-hans"),
        ("zh-cn", "zh-hans"),
        ("zh-CN", "zh-hans"),
        ("zh_CN", "zh-hans"),
        ("zh-Hans", "zh-hans"),
        ("zh-hans-CN", "zh-hans"),
        ("cn", "zh-hans"),
        ("en", "en"),
        ("en-us", "en"),
        ("en_GB", "en"),
        ("EN", "en"),
    ],
)
def test_lang_key(written, language):
    assert parse(f"lang: {written}\n", path="walk.md").language == language


@pytest.mark.parametrize("written", ["fr", "zh-tw", "zh-Hant", "ja", "1", "chinese-traditional"])
def test_unknown_lang_is_an_error(written):
    assert "not a supported language" in parse_error(f"lang: {written}\n").reason


def test_language_key_works_like_lang():
    assert parse("language: zh_CN\n", path="walk.md").language == "zh-hans"


def test_lang_key_wins_over_the_file_name_with_a_warning():
    parsed = parse("lang: zh\n", path="2024-05-01-walk-en.md")
    assert parsed.language == "zh-hans"
    assert parsed.warnings == ["lang: zh overrides the file name's language en"]


def test_byline_language_when_nothing_else_says():
    assert parse(f"description: {EN_BYLINE}\n", path="walk.md").language == "en"


@pytest.mark.parametrize(
    ("body", "language"),
    [
        ("今天我们讨论一下大模型的未来，以及它对社会的影响。Transformer 很重要。\n", "zh-hans"),
        ("We talk about large models today, and what 大模型 means for society.\n", "en"),
        ("```python\nprint('x')\n```\n这是一个中文段落，里面有一些代码。\n", "zh-hans"),
    ],
)
def test_language_detected_from_the_text(body, language):
    parsed = parse("date: 2024-05-01\n", body=body, path="walk.md")
    assert parsed.language == language
    assert parsed.warnings == [f"no lang key or -cn/-en suffix; detected {language} from the text"]


# Slug ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "slug"), [("my-walk", "my-walk"), ("  a_B-9 ", "a_B-9"), ("2024", "2024")]
)
def test_explicit_slug(written, slug):
    assert parse(f"slug: '{written}'\n").slug == slug


@pytest.mark.parametrize("written", ["hello world", "散步", "a/b", "../etc", "a.b", "é"])
def test_invalid_explicit_slug_is_an_error(written):
    error = parse_error(f"slug: '{written}'\n")
    assert f"slug {written!r}" in error.reason


@pytest.mark.parametrize(
    ("path", "title", "slug"),
    [
        ("2024-05-01-离开大模型-cn.md", "x", "li-kai-da-mo-xing"),
        ("2024-05-01-AI方向-cn.md", "x", "ai-fang-xiang"),
        ("2024-05-01-散步_日记-cn.md", "x", "san-bu-ri-ji"),
        ("2024-05-01-Hello World-en.md", "x", "hello-world"),
        ("2024-05-01-My_Walk-en.md", "x", "My_Walk"),  # valid as written: old URLs keep working
        ("2024-05-01-！！-cn.md", "夜晚的散步", "ye-wan-de-san-bu"),
    ],
)
def test_derived_slugs(path, title, slug):
    assert parse(f"title: {title}\n", path=path).slug == slug


def test_slug_is_never_empty():
    parsed = parse("title: ？？\n", path="2024-05-01-！！-cn.md")
    assert parsed.slug.startswith("post-")
    assert len(parsed.slug) == len("post-") + 8


# Title and summary -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "body", "title"),
    [
        ("title: yes\n", "", "yes"),
        ("title: no\n", "", "no"),
        ("title: 1984\n", "", "1984"),
        ("title: 3.10\n", "", "3.10"),
        ("title: 2024-05-01\n", "", "2024-05-01"),
        ("title: '  padded  '\n", "", "padded"),
        ("", "Intro\n\n# The heading #\n\n# Second\n", "The heading"),
        ("title: ''\n", "# From the body\n", "From the body"),
        ("", "```\n# not a title\n```\n# Real\n", "Real"),
        ("", "{% highlight python %}\n# comment\n{% endhighlight %}\n# Real\n", "Real"),
        ("", "## Only a subheading\n", "walk"),
    ],
)
def test_title(front_matter, body, title):
    assert parse(front_matter, body=body).title == title


@pytest.mark.parametrize(
    ("front_matter", "summary"),
    [
        ("description: A walk in the park.\n", "A walk in the park."),
        ("summary: Short.\n", "Short."),
        ("excerpt: Teaser.\n", "Teaser."),
        ("description: #comment\n", ""),
        ("description:\n", ""),
        ("description: '   '\n", ""),
        (f"description: {EN_BYLINE}\n", ""),
        (f"description: {EN_BYLINE}\nsummary: The real summary.\n", "The real summary."),
        ("description: First.\nsummary: Second.\n", "First."),
    ],
)
def test_summary(front_matter, summary):
    assert parse(front_matter).summary == summary


def test_byline_in_summary_is_recognised_too():
    parsed = parse(f"summary: {EN_BYLINE}\n")
    assert (parsed.summary, parsed.author_name, parsed.location_code) == ("", "Xiao Ming", "CN-BJ")


# Dates -----------------------------------------------------------------------------------

PLUS_8 = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("2024-05-01", datetime(2024, 5, 1, tzinfo=SHANGHAI)),
        ("2024-05-01 09:30", datetime(2024, 5, 1, 9, 30, tzinfo=SHANGHAI)),
        ("2024-05-01 09:30:15", datetime(2024, 5, 1, 9, 30, 15, tzinfo=SHANGHAI)),
        ("2024-05-01T09:30:15", datetime(2024, 5, 1, 9, 30, 15, tzinfo=SHANGHAI)),
        ("2024-05-01t09:30", datetime(2024, 5, 1, 9, 30, tzinfo=SHANGHAI)),
        ("2024-05-01 09:30:15.5", datetime(2024, 5, 1, 9, 30, 15, 500000, tzinfo=SHANGHAI)),
        ("2024-05-01T09:30:15.123456789", datetime(2024, 5, 1, 9, 30, 15, 123456, SHANGHAI)),
        ("2024-05-01 09:30:00 +0800", datetime(2024, 5, 1, 9, 30, tzinfo=PLUS_8)),
        ("2024-05-01T09:30:00+08:00", datetime(2024, 5, 1, 9, 30, tzinfo=PLUS_8)),
        ("2024-05-01T09:30+08", datetime(2024, 5, 1, 9, 30, tzinfo=PLUS_8)),
        ("2024-04-30 21:30:00 -0400", datetime(2024, 5, 1, 1, 30, tzinfo=UTC)),
        ("2024-05-01T01:30:00Z", datetime(2024, 5, 1, 1, 30, tzinfo=UTC)),
        ("2024-05-01 01:30:00 UTC", datetime(2024, 5, 1, 1, 30, tzinfo=UTC)),
        ("2019/8/3 09:12:45", datetime(2019, 8, 3, 9, 12, 45, tzinfo=SHANGHAI)),
        ("2023-4-7 9:05", datetime(2023, 4, 7, 9, 5, tzinfo=SHANGHAI)),
    ],
)
def test_dates_in_every_form(written, expected):
    parsed = parse(f"date: {written}\n", path="walk-en.md", default_timezone="Asia/Shanghai")
    assert parsed.published_at == expected
    assert parsed.published_at.utcoffset() is not None


def test_written_offset_is_kept():
    parsed = parse("date: 2024-05-01 09:30:00 -0400\n", default_timezone="Asia/Shanghai")
    assert parsed.published_at.utcoffset() == timedelta(hours=-4)


def test_quoted_and_toml_dates_read_the_same():
    yaml_date = parse("date: '2024-05-01 09:30'\n").published_at
    toml_date = parse_post("+++\ndate = 2024-05-01T09:30:00\n+++\n", "walk-en.md").published_at
    assert yaml_date == toml_date == datetime(2024, 5, 1, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    "written",
    [
        "2025-02-30",
        "2025-02-30 10:00",
        "2025-13-01",
        "2025-03-30 24:00",
        "2025-03-30 10:60",
        "2025-03-30 10:00 +2500",
    ],
)
def test_impossible_dates_are_errors_even_with_a_file_name_date(written):
    error = parse_error(f"title: x\ndate: {written}\n", path="2024-05-01-walk-en.md")
    assert error.reason.startswith("date: ")
    assert error.line == 3


@pytest.mark.parametrize(
    "written",
    [
        "2025-03-30 10:00 PST",
        "2025/03-30",
        "March 30, 2025",
        "yesterday",
        "2025",
        "20250330",
        "２０２５-03-30",  # full-width digits
        "[2025, 3, 30]",
    ],
)
def test_text_that_is_no_date_is_an_error_when_nothing_else_gives_one(written):
    # With a dated file name it falls back to that date (see tests/test_formats.py).
    error = parse_error(f"title: x\ndate: {written}\n", path="walk-en.md")
    assert error.reason.startswith("date: ")
    assert "is not a date like" in error.reason
    assert error.line == 3


def test_date_without_offset_is_local_time_of_the_byline_place():
    parsed = parse(f"date: 2024-05-01 09:30\ndescription: {EN_BYLINE}\n")
    assert parsed.published_at == datetime(2024, 5, 1, 1, 30, tzinfo=UTC)


def test_no_date_anywhere_leaves_published_at_empty_with_a_warning():
    parsed = parse("title: x\n", path="walk-en.md")
    assert parsed.published_at is None
    assert parsed.warnings == [
        "no date in the front matter, byline or file name; published_at left empty"
    ]


def test_file_name_date_when_the_front_matter_has_none():
    parsed = parse("title: x\n", path="2023-04-07-walk-en.md", default_timezone="Asia/Shanghai")
    assert parsed.published_at == datetime(2023, 4, 7, tzinfo=SHANGHAI)
    assert parsed.warnings == []


def test_front_matter_date_wins_over_the_file_name_with_a_warning():
    parsed = parse("date: 2023-09-07 19:53:00\n", path="2023-09-08-walk-en.md")
    assert parsed.published_at == datetime(2023, 9, 7, 19, 53, tzinfo=UTC)
    assert parsed.warnings == [
        "file name date 2023-09-08 differs from the post's date 2023-09-07; using the latter"
    ]


# Bylines and their time ------------------------------------------------------------------


def test_byline_time_gives_published_at_when_the_front_matter_has_no_date():
    parsed = parse(f"description: {ZH_BYLINE}\n", path="2024-05-01-walk-cn.md")
    assert parsed.published_at == datetime(2024, 5, 1, 9, 30, tzinfo=SHANGHAI)
    assert parsed.warnings == []


def test_byline_time_that_differs_from_the_front_matter_is_warned():
    front_matter = "date: 2024-05-01 16:40:16\ndescription: 小明 · 2024年05月01日 21:15 · 北京\n"
    parsed = parse(front_matter, path="2024-05-01-walk-cn.md")
    assert parsed.published_at == datetime(2024, 5, 1, 16, 40, 16, tzinfo=SHANGHAI)
    assert parsed.warnings == [
        "byline time 21:15 differs from front-matter date 16:40; using the front-matter date"
    ]


def test_byline_on_another_day_is_warned_with_both_dates():
    front_matter = "date: 2024-05-01 09:30\ndescription: 小明 · 2024年05月02日 09:30 · 北京\n"
    parsed = parse(front_matter, path="walk-cn.md")
    assert parsed.warnings == [
        "byline time 2024-05-02 09:30 differs from front-matter date 2024-05-01 09:30; "
        "using the front-matter date"
    ]


@pytest.mark.parametrize(
    "written",
    ["2024-05-01 09:30", "2024-05-01 09:30:59", "2024-05-01T01:30:00Z", "2024-05-01T09:30+08:00"],
)
def test_byline_time_equal_to_the_minute_is_not_warned(written):
    parsed = parse(f"date: {written}\ndescription: {EN_BYLINE}\n", path="walk-en.md")
    assert parsed.warnings == []


def test_date_only_front_matter_takes_the_byline_time_of_that_day():
    parsed = parse(f"date: 2024-05-01\ndescription: {ZH_BYLINE}\n", path="walk-cn.md")
    assert parsed.published_at == datetime(2024, 5, 1, 9, 30, tzinfo=SHANGHAI)
    assert parsed.warnings == []


# Time zone and place ---------------------------------------------------------------------


def test_timezone_key_is_used_without_a_byline():
    parsed = parse("timezone: Europe/Paris\ndate: 2024-05-01 09:30\n")
    assert parsed.timezone == "Europe/Paris"
    assert parsed.published_at.utcoffset() == timedelta(hours=2)
    assert "timezone" not in parsed.extra_front_matter


def test_default_timezone_without_a_byline_or_key():
    parsed = parse("date: 2024-05-01 09:30\n", default_timezone="America/New_York")
    assert parsed.timezone == "America/New_York"
    assert parsed.published_at.utcoffset() == timedelta(hours=-4)


def test_byline_place_wins_over_the_timezone_key_with_a_warning():
    parsed = parse(f"timezone: Europe/Paris\ndescription: {EN_BYLINE}\n")
    assert parsed.timezone == "Asia/Shanghai"
    assert parsed.warnings == ["timezone Europe/Paris differs from Beijing's; using Asia/Shanghai"]


def test_place_spanning_several_zones_warns_and_uses_the_default():
    parsed = parse("description: Jane · May 1, 2024 09:30 · USA\n", default_timezone="UTC")
    assert (parsed.timezone, parsed.location_code) == ("UTC", "US")
    assert parsed.warnings == ["byline place 'USA' spans several time zones; using UTC"]


def test_place_spanning_several_zones_uses_the_timezone_key():
    front_matter = "timezone: America/Chicago\ndescription: Jane · May 1, 2024 09:30 · USA\n"
    parsed = parse(front_matter)
    assert parsed.timezone == "America/Chicago"
    assert parsed.published_at == datetime(2024, 5, 1, 14, 30, tzinfo=UTC)


def test_unknown_place_is_warned():
    parsed = parse("description: Jane · May 1, 2024 09:30 · Atlantis\n")
    assert (parsed.location_code, parsed.timezone, parsed.author_name) == (None, "UTC", "Jane")
    assert parsed.warnings == ["byline place 'Atlantis' is not a known place"]


def test_unknown_default_timezone_is_a_value_error():
    with pytest.raises(ValueError, match="default_timezone"):
        parse_post("Text", "x.md", default_timezone="Nowhere/Never")


# Author ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "author"),
    [
        ("author: Jane Doe\n", "Jane Doe"),
        ("author: {name: Jane Doe, url: 'https://example.com'}\n", "Jane Doe"),
        ("author: {url: 'https://example.com'}\n", None),
        ("author:\n", None),
        ("title: x\n", None),
        (f"author: Someone Else\ndescription: {EN_BYLINE}\n", "Xiao Ming"),
    ],
)
def test_author_name(front_matter, author):
    assert parse(front_matter).author_name == author


def test_several_authors_use_the_first_with_a_warning():
    parsed = parse("author: [Jane, John]\n")
    assert parsed.author_name == "Jane"
    assert parsed.warnings == ["several authors; using the first (Jane)"]


# Tags and categories ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "tags"),
    [
        ("tags: misc\n", ["misc"]),
        ("tags: philosophy, misc\n", ["philosophy", "misc"]),
        ("tags: a b\n", ["a", "b"]),
        ("tags: a  b a\n", ["a", "b"]),
        ("tags: ' a ,  b ,'\n", ["a", "b"]),
        ("tags: 哲学，杂谈\n", ["哲学", "杂谈"]),
        ("tags: 哲学、杂谈\n", ["哲学", "杂谈"]),
        ("tags: machine learning, ai\n", ["machine learning", "ai"]),
        ("tags: [a, b, a]\n", ["a", "b"]),
        ("tags:\n  - a\n  - ' b '\n", ["a", "b"]),
        ("tags: [[a, b], [c, [d]]]\n", ["a", "b", "c", "d"]),
        ("tags: [machine learning, ai]\n", ["machine learning", "ai"]),
        ("tags: [3.10, 2024, true, null, '']\n", ["3.10", "2024", "true"]),
        ("tags: 3.10\n", ["3.10"]),
        ("tags: 2024\n", ["2024"]),
        ("tags:\n", []),
        ("tags: []\n", []),
        ("tag: solo\n", ["solo"]),
        ("tags: a, b\ntag: c\n", ["a", "b", "c"]),
    ],
)
def test_tags_in_every_shape(front_matter, tags):
    assert parse(front_matter).tags == tags


@pytest.mark.parametrize(
    ("front_matter", "categories"),
    [
        ("categories: Chinese\n", ["Chinese"]),
        ("categories: [life, tech]\n", ["life", "tech"]),
        ("category: life\n", ["life"]),
        ("categories: life tech\ncategory: life\n", ["life", "tech"]),
    ],
)
def test_categories(front_matter, categories):
    assert parse(front_matter).categories == categories


def test_a_map_inside_a_tag_list_is_an_error():
    assert "tags" in parse_error("tags: [a, {b: c}]\n").reason


# Flags -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "enabled"),
    [
        ("title: x\n", None),
        ("disqus_comments: true\n", True),
        ("giscus_comments: true\n", True),
        ("disqus_comments: false\n", False),
        ("disqus_comments: false\ngiscus_comments: false\n", False),
        ("disqus_comments: false\ngiscus_comments: true\n", True),
        ("disqus_comments: yes\n", True),  # Jekyll (YAML 1.1) reads yes as true
        ("giscus_comments: off\n", False),
    ],
)
def test_comments_enabled(front_matter, enabled):
    assert parse(front_matter).comments_enabled is enabled


@pytest.mark.parametrize(
    ("front_matter", "path", "is_draft"),
    [
        ("title: x\n", "walk-en.md", False),
        ("published: true\n", "walk-en.md", False),
        ("published: false\n", "walk-en.md", True),
        ("published: no\n", "walk-en.md", True),  # must not publish a Jekyll draft
        ("draft: true\n", "walk-en.md", True),
        ("draft: false\n", "walk-en.md", False),
        ("draft: yes\n", "walk-en.md", True),
        ("title: x\n", "_drafts/walk-en.md", True),
    ],
)
def test_is_draft(front_matter, path, is_draft):
    assert parse(front_matter, path=path).is_draft is is_draft


# Robustness ------------------------------------------------------------------------------

KEYS = ["title", "date", "tags", "slug", "lang", "description", "timezone", "author", "draft"]
VALUES = ["2024-05-01 09:30", "2024-02-30", "[a, [b]]", "{a: 1}", "zh", "yes", "3.10", ZH_BYLINE]


@settings(max_examples=300, deadline=None)
@given(
    pairs=st.dictionaries(st.sampled_from(KEYS), st.sampled_from(VALUES) | st.text(max_size=20)),
    body=st.text(max_size=40),
    path=st.sampled_from(["a.md", "2024-05-01-x-cn.md", "2024-13-01-x.md", "！.md", ""]),
)
def test_any_front_matter_parses_or_fails_with_a_parse_error(pairs, body, path):
    front_matter = "".join(
        f"{key}: {value if value in VALUES else json.dumps(value)}\n"
        for key, value in pairs.items()
    )
    try:
        parsed = parse_post(f"---\n{front_matter}---\n{body}", path)
    except ParseError:
        return
    assert parsed.slug
    assert parsed.published_at is None or parsed.published_at.utcoffset() is not None
