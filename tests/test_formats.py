"""Source formats the parser reads: file names (HTML, Hugo bundles, .zh/.en, non-ASCII), image,
old URLs, excerpts, categories, drafts, authors, date fallbacks and bylines in the body."""

from datetime import date, datetime
from textwrap import dedent
from zoneinfo import ZoneInfo

import pytest

from posts.importers.pairing import pair_files
from posts.importers.parser import ParseError, parse_post, read_file_name

SHANGHAI = ZoneInfo("Asia/Shanghai")
ZH_BYLINE = "小明 · 2024年05月01日 09:30 · 北京"
EN_BYLINE = "Xiao Ming · May 1, 2024, 09:30 · Beijing"


def parse(front_matter="", body="Some text.\n", path="2024-05-01-walk-en.md"):
    """Parse a post made of this YAML front matter (dedented) and body."""
    return parse_post(f"---\n{dedent(front_matter)}---\n{body}", path, "Asia/Shanghai")


# File names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "pair_key", "slug", "language", "written_date", "body_format"),
    [
        ("_posts/2024-05-01-walk-en.html", "2024-05-01-walk", "walk", "en", "2024-05-01", "html"),
        ("pages/about.htm", "about", "about", None, None, "html"),
        (
            "_posts/2024-05-01-walk-cn.md",
            "2024-05-01-walk",
            "walk",
            "zh-hans",
            "2024-05-01",
            "markdown",
        ),
        ("content/walk/index.md", "walk", "walk", None, None, "markdown"),
        ("content/walk/index.zh-cn.md", "walk", "walk", "zh-hans", None, "markdown"),
        ("content/walk/index.zh-hans.md", "walk", "walk", "zh-hans", None, "markdown"),
        ("content/walk/index.en.md", "walk", "walk", "en", None, "markdown"),
        ("content/walk/index.en-us.md", "walk", "walk", "en", None, "markdown"),
        ("content/blog/_index.zh.md", "blog", "blog", "zh-hans", None, "markdown"),
        (
            "content/2024-05-01-walk/index.en.md",
            "2024-05-01-walk",
            "walk",
            "en",
            "2024-05-01",
            "markdown",
        ),
        ("content/walk.zh.md", "walk", "walk", "zh-hans", None, "markdown"),
        ("content/walk.en.md", "walk", "walk", "en", None, "markdown"),
        ("content/walk.zh-cn.md", "walk", "walk", "zh-hans", None, "markdown"),
        (
            "2024-05-01-walk-zh-cn.md",
            "2024-05-01-walk",
            "walk",
            "zh-hans",
            "2024-05-01",
            "markdown",
        ),
        ("notes.de.md", "notes.de", "notes.de", None, None, "markdown"),  # not ours: no language
        ("v1.2.md", "v1.2", "v1.2", None, None, "markdown"),
        ("2023-4-7-x-cn.md", "2023-4-7-x", "x", "zh-hans", "2023-04-07", "markdown"),
        ("2023-12-1-x.md", "2023-12-1-x", "x", None, "2023-12-01", "markdown"),
    ],
)
def test_file_names(path, pair_key, slug, language, written_date, body_format):
    name = read_file_name(path)
    assert (name.pair_key, name.slug, name.language) == (pair_key, slug, language)
    assert (name.date.isoformat() if name.date else None) == written_date
    assert name.body_format == body_format


@pytest.mark.parametrize(
    ("path", "slug"),
    [
        ("_posts/2025-03-30-离开 大模型-cn.md", "li-kai-da-mo-xing"),
        ("_posts/2025-03-30-离开大模型-cn.md", "li-kai-da-mo-xing"),
        ("My First Post.en.md", "my-first-post"),
        ("content/散步/index.zh-cn.md", "san-bu"),
        ("content/Café Notes/index.en.md", "cafe-notes"),
        ("_posts/2025-03-30-Hello, World!-en.md", "hello-world"),
    ],
)
def test_names_with_spaces_or_non_ascii_give_a_readable_slug(path, slug):
    assert parse("title: x\n", path=path).slug == slug


def test_unpadded_dates_in_the_file_name_and_the_front_matter():
    from_name = parse("title: x\n", path="2023-4-7-x-en.md")
    from_key = parse("date: 2023-4-7 9:05\n", path="x-en.md")
    assert from_name.published_at == datetime(2023, 4, 7, tzinfo=SHANGHAI)
    assert from_key.published_at == datetime(2023, 4, 7, 9, 5, tzinfo=SHANGHAI)
    assert from_name.warnings == from_key.warnings == []


# HTML posts ------------------------------------------------------------------------------

HTML_BODY = '<h1 class="t">Walking &amp; <em>Talking</em></h1>\n<p>Text.</p>\n'


def test_an_html_post_keeps_its_body_and_says_it_is_html():
    parsed = parse("", body=HTML_BODY, path="_posts/2024-05-01-walk-en.html")
    assert parsed.body_format == "html"
    assert parsed.body == HTML_BODY
    assert parsed.title == "Walking & Talking"


def test_a_markdown_post_says_markdown():
    assert parse("title: x\n").body_format == "markdown"


def test_the_language_of_an_html_post_is_detected_from_its_text_not_its_tags():
    body = '<div class="content"><p>今天我们去公园散步了。</p></div>\n'
    assert parse("title: x\n", body=body, path="walk.html").language == "zh-hans"


# Pairing ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zh_path", "en_path", "slug"),
    [
        ("content/walk/index.zh-cn.md", "content/walk/index.en.md", "walk"),
        ("content/walk/index.md", "content/walk/index.en.md", "walk"),
        ("content/walk.zh.md", "content/walk.en.md", "walk"),
        ("_posts/2024-05-01-walk-zh-cn.md", "_posts/2024-05-01-walk-en.md", "walk"),
    ],
)
def test_files_of_one_post_are_paired(zh_path, en_path, slug):
    zh = parse("title: 散步\nlang: zh\n", body="今天去散步了。\n", path=zh_path)
    en = parse("title: A Walk\n", body="I went for a walk.\n", path=en_path)
    posts, errors = pair_files([en, zh])
    assert errors == []
    assert [(post.slug, list(post.translations)) for post in posts] == [(slug, ["zh-hans", "en"])]


def test_two_page_bundles_are_two_posts():
    files = [
        parse("title: A\n", path=f"content/{name}/index.{language}.md")
        for name in ("walk", "swim")
        for language in ("zh-cn", "en")
    ]
    posts, errors = pair_files(files)
    assert errors == []
    assert sorted((post.pair_key, post.slug, len(post.translations)) for post in posts) == [
        ("swim", "swim", 2),
        ("walk", "walk", 2),
    ]


# Image -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "image"),
    [
        ("title: x\n", ""),
        ("image: /assets/img/a.png\n", "/assets/img/a.png"),
        ("thumbnail: assets/img/t.jpg\n", "assets/img/t.jpg"),
        ("cover: https://example.com/c.png\n", "https://example.com/c.png"),
        ("og_image: /og.png\n", "/og.png"),
        ("cover: {image: /c.png, alt: 封面}\n", "/c.png"),
        ("image: {src: /s.png}\n", "/s.png"),
        ("image: {url: /u.png, width: 10}\n", "/u.png"),
        ("image: {path: /p.png}\n", "/p.png"),
        ("image: ''\nthumbnail: /t.png\n", "/t.png"),
        ("thumbnail: /t.png\nimage: /i.png\n", "/i.png"),  # image is first in precedence
        ("image: '  /i.png '\n", "/i.png"),
        ("image:\n", ""),
    ],
)
def test_image(front_matter, image):
    parsed = parse(front_matter)
    assert parsed.image == image
    assert not {"image", "thumbnail", "cover", "og_image"} & parsed.extra_front_matter.keys()
    assert parsed.source_front_matter.keys() == parse(front_matter).source_front_matter.keys()


def test_image_keys_stay_in_the_source_front_matter():
    parsed = parse("cover: {image: /c.png, alt: A}\n")
    assert parsed.source_front_matter == {"cover": {"image": "/c.png", "alt": "A"}}


@pytest.mark.parametrize(
    "front_matter", ["image: [a.png]\n", "image: {alt: x}\n", "cover: 3\n", "image: true\n"]
)
def test_unusable_image_is_an_error_naming_the_key(front_matter):
    with pytest.raises(ParseError) as caught:
        parse(front_matter)
    assert caught.value.reason.startswith(front_matter.split(":")[0] + ": expected a path or URL")
    assert caught.value.line == 2


def test_pairing_takes_the_first_image_given_and_warns_about_another():
    zh = parse("title: a\n", path="2024-05-01-walk-cn.md")
    en = parse("image: /en.png\n", path="2024-05-01-walk-en.md")
    [post], _ = pair_files([zh, en])
    assert post.image == "/en.png"
    assert post.warnings == []

    other = parse("image: /zh.png\n", path="2024-05-01-walk-cn.md")
    [post], _ = pair_files([other, en])
    assert post.image == "/zh.png"
    assert post.warnings == [
        "image differs: 2024-05-01-walk-en.md has /en.png; using /zh.png from 2024-05-01-walk-cn.md"
    ]


# Old URLs --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "aliases"),
    [
        ("title: x\n", []),
        ("aliases: /old/\n", ["/old/"]),
        ("aliases: [/a/, /b/]\n", ["/a/", "/b/"]),
        ("redirect_from: /r/\n", ["/r/"]),
        ("redirect_from:\n  - /r/\n  - /s/\n", ["/r/", "/s/"]),
        ("aliases: [/a/, /r/]\nredirect_from: [/r/, /s/]\n", ["/a/", "/r/", "/s/"]),
        ("aliases: [' /a/ ', '']\n", ["/a/"]),
        ("aliases: []\n", []),
    ],
)
def test_aliases(front_matter, aliases):
    parsed = parse(front_matter)
    assert parsed.aliases == aliases
    assert not {"aliases", "redirect_from"} & parsed.extra_front_matter.keys()


@pytest.mark.parametrize(
    "front_matter", ["aliases: [[/a/]]\n", "redirect_from: {a: b}\n", "aliases: 3\n"]
)
def test_unusable_aliases_are_an_error(front_matter):
    with pytest.raises(ParseError, match="expected a URL path"):
        parse(front_matter)


def test_pairing_unites_the_aliases():
    zh = parse("aliases: [/a/, /b/]\n", path="2024-05-01-walk-cn.md")
    en = parse("redirect_from: [/b/, /c/]\n", path="2024-05-01-walk-en.md")
    [post], _ = pair_files([en, zh])
    assert post.aliases == ["/a/", "/b/", "/c/"]


# Summary: description, summary, excerpt, <!--more--> ------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "body", "summary"),
    [
        ("description: Desc.\n", "Intro.\n<!--more-->\nRest.\n", "Desc."),
        ("excerpt: Teaser.\n", "Intro.\n<!--more-->\nRest.\n", "Teaser."),
        ("title: x\n", "Intro line one.\nTwo.\n\n<!--more-->\nRest.\n", "Intro line one.\nTwo."),
        ("title: x\n", "Intro.<!-- more -->Rest.\n", "Intro."),
        ("title: x\n", "Intro.\n<!--MORE-->\n", "Intro."),
        ("title: x\n", "No separator here.\n", ""),
        ("title: x\n", "<!--more-->\nRest.\n", ""),
        (f"description: {ZH_BYLINE}\n", "导语。\n<!--more-->\n正文。\n", "导语。"),
        ("title: x\n", f"{EN_BYLINE}\n\nIntro.\n<!--more-->\nRest.\n", "Intro."),
        ("excerpt_separator: <!--cut-->\n", "Intro.\n<!--cut-->\nRest.<!--more-->\n", "Intro."),
        ("description: ''\n", "Intro.\n<!--more-->\n", "Intro."),
    ],
)
def test_summary_and_excerpt(front_matter, body, summary):
    parsed = parse(front_matter, body=body)
    assert parsed.summary == summary
    assert parsed.body == body


def test_excerpt_separator_stays_an_extra_key():
    parsed = parse("excerpt_separator: <!--cut-->\n")
    assert parsed.extra_front_matter == {"excerpt_separator": "<!--cut-->"}


# Tags and categories ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("front_matter", "categories"),
    [
        ("category: machine learning\n", ["machine learning"]),  # Jekyll: one name
        ("categories: machine learning\n", ["machine", "learning"]),  # Jekyll: split on spaces
        ("category: 机器学习, 杂谈\n", ["机器学习", "杂谈"]),
        ("category: [a b, c]\n", ["a b", "c"]),
        ("categories: [life, tech]\ncategory: misc\n", ["life", "tech", "misc"]),
        # Hexo: each inner list is a path; every name on it becomes a (flat) category.
        ("categories: [[life, travel], [life, food]]\n", ["life", "travel", "food"]),
        (
            "categories:\n  - [Diary, PlayStation]\n  - [Diary, Games]\n  - [Life]\n",
            ["Diary", "PlayStation", "Games", "Life"],
        ),
    ],
)
def test_categories(front_matter, categories):
    assert parse(front_matter).categories == categories


@pytest.mark.parametrize(
    ("front_matter", "tags"),
    [
        ("tag: machine learning\n", ["machine learning"]),
        ("tags: machine learning\n", ["machine", "learning"]),
    ],
)
def test_singular_tag_is_one_name(front_matter, tags):
    assert parse(front_matter).tags == tags


# Drafts and authors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "is_draft"),
    [
        ('+++\ntitle = "x"\ndraft = true\n+++\nText.\n', True),
        ('+++\ntitle = "x"\ndraft = false\n+++\nText.\n', False),
        ('+++\ntitle = "x"\npublished = false\n+++\nText.\n', True),
        ('{"title": "x", "draft": true}\nText.\n', True),
    ],
)
def test_drafts_in_toml_and_json(text, is_draft):
    parsed = parse_post(text, "walk-en.md")
    assert parsed.is_draft is is_draft
    assert (
        parsed.source_front_matter.get("draft", parsed.source_front_matter.get("published"))
        is not None
    )


@pytest.mark.parametrize(
    ("front_matter", "author"),
    [
        ("author: Jane Doe\n", "Jane Doe"),
        ("author: ' Jane Doe '\n", "Jane Doe"),
        ("author:\n  name: 小明\n  email: x@example.com\n", "小明"),
        ('+++\nauthor = { name = "Jane" }\n+++\n', "Jane"),
    ],
)
def test_author_as_text_or_map(front_matter, author):
    text = front_matter if front_matter.startswith("+++") else f"---\n{front_matter}---\n"
    parsed = parse_post(text + "Text.\n", "walk-en.md")
    assert parsed.author_name == author
    assert "author" not in parsed.extra_front_matter


# Dates that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["yesterday", "March 30, 2025", "2025", "20250330", "[2025, 3]", "2025-03-30 10:00 PST"],
)
def test_a_date_that_is_no_date_falls_back_to_the_file_name_with_a_warning(written):
    parsed = parse(f"title: x\ndate: {written}\n", path="2024-05-01-walk-en.md")
    assert parsed.published_at == datetime(2024, 5, 1, tzinfo=SHANGHAI)
    [warning] = parsed.warnings
    assert warning.startswith("date: ")
    assert warning.endswith(
        "is not a date like 2025-03-30 04:23; using the file name's date 2024-05-01"
    )


def test_a_date_that_is_no_date_falls_back_to_the_byline_time_first():
    parsed = parse(f"date: soon\ndescription: {ZH_BYLINE}\n", path="2024-05-01-walk-cn.md")
    assert parsed.published_at == datetime(2024, 5, 1, 9, 30, tzinfo=SHANGHAI)
    assert parsed.warnings == [
        'date: "soon" is not a date like 2025-03-30 04:23; using the byline\'s time'
    ]


@pytest.mark.parametrize(
    "written", ["2025-02-30", "2025-02-30 10:00", "2025-03-30 24:00", "2025-04-31"]
)
def test_an_impossible_date_is_an_error_even_with_a_file_name_date(written):
    with pytest.raises(ParseError, match="is not a valid date") as caught:
        parse(f"title: x\ndate: {written}\n", path="2024-05-01-walk-en.md")
    assert caught.value.line == 3


def test_a_date_that_is_no_date_is_an_error_without_a_fallback():
    with pytest.raises(ParseError, match=r"date: \"yesterday\" is not a date like") as caught:
        parse("date: yesterday\n", path="walk-en.md")
    assert caught.value.line == 2


# Bylines in the body ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "body_format"),
    [
        (f"{ZH_BYLINE}\n\n正文。\n", "markdown"),
        (f"\n\n{ZH_BYLINE}\r\n\r\n正文。\r\n", "markdown"),
        (f"*{ZH_BYLINE}*\n\n正文。\n", "markdown"),
        (f"**{ZH_BYLINE}**  \n正文。\n", "markdown"),
        (f"_{ZH_BYLINE}_\n正文。\n", "markdown"),
        (f"> {ZH_BYLINE}\n\n正文。\n", "markdown"),
        (f'<p class="byline">{ZH_BYLINE}</p>\n<p>正文。</p>\n', "html"),
    ],
)
def test_a_byline_on_the_first_body_line(body, body_format):
    path = "2024-05-01-walk-cn." + ("html" if body_format == "html" else "md")
    parsed = parse("title: 散步\n", body=body, path=path)
    assert parsed.byline is not None
    assert (parsed.author_name, parsed.location_code) == ("小明", "CN-BJ")
    assert parsed.published_at == datetime(2024, 5, 1, 9, 30, tzinfo=SHANGHAI)
    assert parsed.byline_source == body.lstrip().split("\n")[0].rstrip("\r")
    assert parsed.body == body  # the body keeps its byline, byte for byte
    assert parsed.summary == ""


@pytest.mark.parametrize(
    "body",
    [
        f"Intro.\n{ZH_BYLINE}\n",  # not the first line
        f"# {ZH_BYLINE}\n",  # a heading, not a byline
        f"```\n{ZH_BYLINE}\n```\n",
        "小明 · yesterday · 北京\n",
        "",
    ],
)
def test_other_body_lines_are_not_bylines(body):
    parsed = parse("title: x\n", body=body)
    assert parsed.byline is None
    assert parsed.byline_source == ""


def test_a_byline_in_the_front_matter_wins_over_the_body():
    parsed = parse(f"description: {EN_BYLINE}\n", body=f"{ZH_BYLINE}\n", path="2024-05-01-walk.md")
    assert parsed.byline_source == EN_BYLINE
    assert parsed.language == "en"


def test_body_byline_and_file_name_date_agree_without_warnings():
    parsed = parse("title: x\n", body=f"{ZH_BYLINE}\n", path="2024-05-01-walk-cn.md")
    assert parsed.warnings == []
    assert parsed.published_at.date() == date(2024, 5, 1)
