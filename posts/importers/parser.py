"""Parse one Markdown post (front matter and body) into a ParsedFile; pure, no ORM, no files.

Knows Jekyll/Hugo file names (page bundles, -cn/-en and .zh/.en suffixes, .html posts) and
WeChat-style bylines (in description/summary/excerpt or as the body's first line).
"""

import copy
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, timezone
from pathlib import PurePath
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from posts.bylines import Byline, parse_byline
from posts.importers.frontmatter import FrontMatterError, split_front_matter
from posts.places import Place, resolve_place
from posts.slugs import slugify_text

ZH_HANS = "zh-hans"
EN = "en"

# Keys the CMS models; every other key is kept verbatim in extra_front_matter. Edit dates
# (last_modified_at, lastmod, updated) are not modelled yet, so they stay in the extras for now.
MODELLED_KEYS = frozenset(
    {
        "title",
        "date",
        "description",
        "summary",
        "excerpt",
        "tags",
        "tag",
        "categories",
        "category",
        "slug",
        "lang",
        "language",
        "published",
        "draft",
        "disqus_comments",
        "giscus_comments",
        "author",
        "timezone",
        "image",
        "thumbnail",
        "cover",
        "og_image",
        "aliases",
        "redirect_from",
    }
)
SUMMARY_KEYS = ("description", "summary", "excerpt")
COMMENT_KEYS = ("disqus_comments", "giscus_comments")
IMAGE_KEYS = ("image", "thumbnail", "cover", "og_image")  # the first one present wins
IMAGE_MAP_KEYS = ("src", "url", "image", "path")  # cover: {image: x.png, alt: ...}
ALIAS_KEYS = ("aliases", "redirect_from")  # Hugo, jekyll-redirect-from

MARKDOWN_SUFFIXES = (".md", ".markdown", ".mdown", ".mkd", ".mkdn")
HTML_SUFFIXES = (".html", ".htm")  # an HTML body is sanitised, not run through Markdown
BUNDLE_STEMS = ("index", "_index")  # Hugo page bundles: the folder name is the slug
# -cn / -zh / -en / -zh-cn (Jekyll) or .zh-cn / .zh / .en / .en-us (Hugo) at the end of the stem.
_LANGUAGE_SUFFIX_RE = re.compile(
    r"(?P<key>.+?)(?:-(?P<dash>cn|zh|en|zh-cn|zh-hans)|\.(?P<dot>[a-z]{2,3}(?:[-_][a-z0-9]{2,8})*))",
    re.IGNORECASE,
)
_SUFFIX_LANGUAGES = {"cn": ZH_HANS, "zh": ZH_HANS, "zh-cn": ZH_HANS, "zh-hans": ZH_HANS, "en": EN}
_JEKYLL_NAME_RE = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})-(?P<slug>.+)", re.ASCII
)
_ZH_HANS_CODES = {"zh", "cn", "chs", "zh-cn", "zh-sg", "zh-my", "zh-hans", "chinese"}
_EN_CODE_RE = re.compile(r"en|eng|english|en-[a-z0-9-]+")
_SLUG_RE = re.compile(r"[-a-zA-Z0-9_]+")
_NAME_SEPARATOR_RE = re.compile(r"[,，、]")
_HAN_RE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_LATIN_WORD_RE = re.compile(r"[A-Za-z]+")
_FLAG_WORDS = {"true": True, "yes": True, "on": True, "false": False, "no": False, "off": False}

_DATE_RE = re.compile(
    r"""
    (?P<year>\d{4}) (?P<sep>[-/]) (?P<month>\d{1,2}) (?P=sep) (?P<day>\d{1,2})
    (?: (?:[Tt]|\s+) (?P<hour>\d{1,2}) : (?P<minute>\d{2})
        (?: : (?P<second>\d{2}) (?: [.,] (?P<fraction>\d+) )? )?
        \s* (?P<offset> [Zz] | UTC | GMT | [+-]\d{2} (?: :?\d{2} )? )?
    )?
    """,
    re.VERBOSE | re.ASCII,
)
_FENCE_RE = re.compile(r"^ {0,3}(?:`{3,}|~{3,})")
_LIQUID_BLOCK_RE = re.compile(r"^\s*\{%-?\s*(?P<end>end)?highlight\b")
_LATE_FENCE_RE = re.compile(r"\ufeff?[ \t\r]*\n\s*---[ \t]*\r?\n")
_H1_RE = re.compile(r"^ {0,3}#[ \t]+(?P<text>.+?)(?:[ \t]+#+)?[ \t]*$")
_HTML_H1_RE = re.compile(r"<h1\b[^>]*>(?P<text>.*?)</h1\s*>", re.IGNORECASE | re.DOTALL)
_HTML_TAG_RE = re.compile(r"<[^>]*>")
_MORE_RE = re.compile(r"<!--\s*more\s*-->", re.IGNORECASE)
# Markdown decoration a byline line may carry: a quote marker, emphasis, a hard break.
_LINE_DECORATION_RE = re.compile(r"^(?:>\s*)*(?P<text>.*?)\s*\\?$")


@dataclass(frozen=True)
class RenderedBody:
    """What a translation stores that is derived from its body, when computed before the
    database write (by import workers, see rendering.py): the HTML, the reading time and the
    body's search tokens (posts.search.body_tokens)."""

    html: str
    reading_time_minutes: int
    search_tokens: str | None


@dataclass
class ParsedFile:
    source_path: str  # as given
    language: str  # "zh-hans" | "en"
    pair_key: str  # file stem without language suffix; files sharing it are one post
    slug: str
    title: str
    summary: str  # description/summary/excerpt unless it is a byline ('' if none)
    body: str  # verbatim, without front matter
    published_at: datetime | None  # aware
    timezone: str  # IANA zone the post was written in
    byline: Byline | None
    location_code: str | None
    author_name: str | None
    tags: list[str]
    categories: list[str]
    comments_enabled: bool | None
    is_draft: bool
    extra_front_matter: dict  # every key the CMS does not model, verbatim
    source_front_matter: dict  # the whole front matter as loaded (JSON-safe)
    warnings: list[str]
    content_hash: str  # sha256 hex of the text
    byline_source: str = ""  # the byline exactly as written ('' if none)
    image: str = ""  # image / thumbnail / cover / og_image reference ('' if none)
    aliases: list[str] = field(default_factory=list)  # old URLs: aliases / redirect_from
    body_format: str = "markdown"  # "markdown" | "html" (.html files: sanitised, not rendered)
    rendered: RenderedBody | None = None  # set when rendered ahead of persisting (workers)


class ParseError(Exception):
    def __init__(self, path: str, reason: str, line: int | None = None):
        super().__init__(path, reason, line)
        self.path = path
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class FileName:
    """What a file name says: pair key, slug, Jekyll date and language suffix."""

    pair_key: str
    slug: str
    date: date | None
    language: str | None
    body_format: str = "markdown"


@dataclass(frozen=True)
class WrittenDate:
    """A date as written: its wall time, the offset if one was written, whether a time was."""

    local: datetime
    offset: timezone | None
    has_time: bool

    def in_zone(self, zone: ZoneInfo) -> datetime:
        return self.local.replace(tzinfo=self.offset or zone)


@dataclass
class _Context:
    """The file being parsed: where errors point and where warnings go."""

    path: str
    data: dict
    front_matter_lines: list[str]
    warnings: list[str] = field(default_factory=list)

    def fail(self, key: str | None, reason: str) -> ParseError:
        return ParseError(self.path, reason, self.key_line(key) if key else None)

    def key_line(self, key: str) -> int | None:
        pattern = re.compile(rf"^\s*[\"']?{re.escape(key)}[\"']?\s*[:=]")
        return next(
            (n for n, line in enumerate(self.front_matter_lines, 1) if pattern.match(line)), None
        )

    def warn(self, message: str) -> None:
        self.warnings.append(message)


def parse_post(text: str, path: str, default_timezone: str = "UTC") -> ParsedFile:
    """Parse one post's text; `path` names it (and gives the Jekyll date, slug and language)."""
    default_zone = _default_zone(default_timezone)
    try:
        front = split_front_matter(text)
    except FrontMatterError as error:
        raise ParseError(path, error.reason, error.line) from error
    lines = text.removeprefix("\ufeff").split("\n")[: front.body_line - 1]
    ctx = _Context(path, front.data, lines)
    _warn_about_late_fence(text, front.format, ctx)
    name = read_file_name(path)
    body_text = _visible_text(front.body, name.body_format)
    byline, byline_source, summary = _byline_and_summary(ctx, front.body, name.body_format)
    heading_title = _title_text(ctx, front.body, name.body_format)
    language = _language(ctx, name, byline, f"{heading_title or ''}\n{body_text}")
    place = _byline_place(byline, ctx)
    zone_name = _timezone(ctx, byline, place, default_zone)
    slug = _slug(ctx, name, heading_title, text)
    return ParsedFile(
        source_path=path,
        language=language,
        pair_key=name.pair_key,
        slug=slug,
        title=heading_title or slug,
        summary=summary,
        body=front.body,
        published_at=_published_at(ctx, byline, name, ZoneInfo(zone_name)),
        timezone=zone_name,
        byline=byline,
        location_code=place.code if place else None,
        author_name=byline.author if byline else _author_name(ctx),
        tags=_names(ctx, "tags", "tag"),
        categories=_names(ctx, "categories", "category"),
        comments_enabled=_comments_enabled(ctx),
        is_draft=_is_draft(ctx),
        extra_front_matter={k: v for k, v in front.data.items() if k not in MODELLED_KEYS},
        source_front_matter=copy.deepcopy(front.data),
        warnings=ctx.warnings,
        content_hash=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        byline_source=byline_source,
        image=_image(ctx),
        aliases=_aliases(ctx),
        body_format=name.body_format,
    )


def _default_zone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as error:
        raise ValueError(f"unknown default_timezone {name!r}") from error
    return name


def _warn_about_late_fence(text: str, format: str, ctx: _Context) -> None:
    if format == "none" and _LATE_FENCE_RE.match(text):
        ctx.warn("'---' after blank lines is not front matter (it must be on line 1); read as body")


# File names ------------------------------------------------------------------------------


def read_file_name(path: str) -> FileName:
    """2025-03-30-leave-cn.md → pair key 2025-03-30-leave, slug leave, 2025-03-30, zh-hans.

    A Hugo page bundle (walk/index.zh-cn.md, walk/index.en.md) is named by its folder: pair
    key and slug `walk` (a dated folder 2025-03-30-walk gives the date too).
    """
    stem, language, body_format = _stem_of(path)
    slug, written_date = stem, None
    if jekyll := _JEKYLL_NAME_RE.fullmatch(stem):
        slug = jekyll["slug"]
        written_date = _file_name_date(jekyll, path)
    return FileName(stem, slug, written_date, language, body_format)


def pair_key_of(path: str | PurePath) -> str:
    """The pair key read_file_name() gives, without checking the name's date."""
    return _stem_of(path)[0]


def _stem_of(path: str | PurePath) -> tuple[str, str | None, str]:
    """The pair key, language suffix and body format of a file name."""
    pure = PurePath(path)
    stem, body_format = _strip_suffix(pure.name)
    stem, language = _language_suffix(stem)
    if stem in BUNDLE_STEMS and pure.parent.name:
        stem = pure.parent.name
    return stem, language, body_format


def _strip_suffix(name: str) -> tuple[str, str]:
    """The name without its Markdown or HTML suffix, and the body format that suffix means."""
    for suffix in MARKDOWN_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)], "markdown"
    for suffix in HTML_SUFFIXES:
        if name.lower().endswith(suffix):
            return name[: -len(suffix)], "html"
    return PurePath(name).stem, "markdown"


def _language_suffix(stem: str) -> tuple[str, str | None]:
    """leave-cn → (leave, zh-hans); index.zh-cn → (index, zh-hans); a.b → (a.b, None)."""
    match = _LANGUAGE_SUFFIX_RE.fullmatch(stem)
    if match is None:
        return stem, None
    if match["dash"]:
        return match["key"], _SUFFIX_LANGUAGES[match["dash"].lower()]
    language = normalize_language(match["dot"])
    return (match["key"], language) if language else (stem, None)


def _file_name_date(match: re.Match, path: str) -> date:
    try:
        return date(int(match["year"]), int(match["month"]), int(match["day"]))
    except ValueError as error:
        written = f"{match['year']}-{match['month']}-{match['day']}"
        raise ParseError(path, f"file name date {written} is not a valid date ({error})") from error


# Text values -----------------------------------------------------------------------------


def _text(ctx: _Context, key: str) -> str | None:
    """A text value (integers read as written); None when absent or empty."""
    value = ctx.data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise ctx.fail(key, f"{key}: expected text, got {json.dumps(value, ensure_ascii=False)}")
    return str(value)


def _scalar_text(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _byline_and_summary(
    ctx: _Context, body: str, body_format: str
) -> tuple[Byline | None, str, str]:
    """The byline and the summary.

    The byline is the first description/summary/excerpt that is one, else the body's first
    non-empty line when it is one (the body keeps it). The summary is the first of those keys
    that is not a byline, else the body before `<!--more-->` (or the `excerpt_separator`).
    """
    byline, byline_source, summary = None, "", ""
    for key in SUMMARY_KEYS:
        value = _text(ctx, key)
        if not value or not value.strip():
            continue
        parsed = parse_byline(value)
        if parsed is None:
            summary = summary or value.strip()
        elif byline is None:
            byline, byline_source = parsed, value
    if byline is None:
        byline, byline_source = body_byline(body, body_format)
    if not summary:
        summary = body_excerpt(body, body_format, _excerpt_separator(ctx))
    return byline, byline_source, summary


def body_byline(body: str, body_format: str = "markdown") -> tuple[Byline | None, str]:
    """The body's first non-empty line as a byline (and that line as written), if it is one.

    Quote markers, emphasis (`*...*`, `_..._`) and HTML tags around it are allowed.
    """
    line = _first_line(body)
    if line is None or (body_format == "markdown" and line.lstrip().startswith("#")):
        return None, ""  # nothing, or a heading
    byline = parse_byline(_undecorated(line, body_format))
    return (byline, line) if byline else (None, "")


def _first_line(text: str) -> str | None:
    return next((line.rstrip("\r") for line in text.split("\n") if line.strip()), None)


def _undecorated(line: str, body_format: str) -> str:
    if body_format == "html":
        return html.unescape(_HTML_TAG_RE.sub("", line)).strip()
    text = _LINE_DECORATION_RE.match(line.strip())["text"]
    for mark in ("***", "**", "*", "___", "__", "_"):
        if len(text) > 2 * len(mark) and text.startswith(mark) and text.endswith(mark):
            return text[len(mark) : -len(mark)].strip()
    return text


def _excerpt_separator(ctx: _Context) -> str | None:
    """Jekyll's per-post `excerpt_separator` (kept in the extras), if it is text."""
    value = ctx.data.get("excerpt_separator")
    return value if isinstance(value, str) and value.strip() else None


def body_excerpt(body: str, body_format: str = "markdown", separator: str | None = None) -> str:
    """The body before `<!--more-->` (or `separator`), without a leading byline line; '' if none."""
    if separator is not None:
        index = body.find(separator)
    else:
        found = _MORE_RE.search(body)
        index = found.start() if found else -1
    if index < 0:
        return ""
    excerpt = body[:index]
    if body_byline(excerpt, body_format)[0] is not None:
        excerpt = excerpt.lstrip().split("\n", 1)[1] if "\n" in excerpt.lstrip() else ""
    return excerpt.strip()


def _title_text(ctx: _Context, body: str, body_format: str) -> str | None:
    title = _text(ctx, "title")
    if title and title.strip():
        return title.strip()
    if body_format == "html":
        return first_html_heading(body)
    return first_heading(body)


def first_html_heading(body: str) -> str | None:
    """The text of the first <h1> of an HTML body (tags removed, entities decoded)."""
    if found := _HTML_H1_RE.search(body):
        text = " ".join(html.unescape(_HTML_TAG_RE.sub("", found["text"])).split())
        return text or None
    return None


def _visible_text(body: str, body_format: str) -> str:
    """The body as read (HTML without its tags), for language detection."""
    return html.unescape(_HTML_TAG_RE.sub(" ", body)) if body_format == "html" else body


def first_heading(body: str) -> str | None:
    """The text of the first `# heading` outside code fences and {% highlight %} blocks."""
    in_code = False
    for line in body.splitlines():
        if _toggles_code(line, in_code):
            in_code = not in_code
        elif not in_code and (heading := _H1_RE.match(line)):
            return heading["text"]
    return None


def _toggles_code(line: str, in_code: bool) -> bool:
    if _FENCE_RE.match(line):
        return True
    liquid = _LIQUID_BLOCK_RE.match(line)
    return bool(liquid) and bool(liquid["end"]) == in_code


def _author_name(ctx: _Context) -> str | None:
    """An `author` key: a name, a map with `name`, or a list (the first one is used)."""
    value = ctx.data.get("author")
    if isinstance(value, list) and value:
        if len(value) > 1:
            ctx.warn(f"several authors; using the first ({_scalar_text(value[0])})")
        value = value[0]
    if isinstance(value, dict):
        value = value.get("name")
    if value is None or value == []:
        return None
    if not isinstance(value, str):
        raise ctx.fail("author", "author: expected a name, or a map with a `name`")
    return value.strip() or None


# Language and slug -----------------------------------------------------------------------


def _language(ctx: _Context, name: FileName, byline: Byline | None, text: str) -> str:
    """The lang/language key, else the file-name suffix, else the byline's, else detected."""
    for key in ("lang", "language"):
        if (written := _text(ctx, key)) is not None:
            language = normalize_language(written)
            if language is None:
                raise ctx.fail(key, f"{key}: {written!r} is not a supported language (zh-hans, en)")
            if name.language and name.language != language:
                ctx.warn(f"{key}: {written} overrides the file name's language {name.language}")
            return language
    if name.language:
        return name.language
    if byline:
        return byline.language
    detected = detect_language(text)
    ctx.warn(f"no lang key or -cn/-en suffix; detected {detected} from the text")
    return detected


def normalize_language(code: str) -> str | None:
    """zh, zh-CN, zh_CN, cn, zh-Hans → zh-hans; en, en-US, en_GB → en; None otherwise."""
    code = code.strip().lower().replace("_", "-")
    if code in _ZH_HANS_CODES or code.startswith("zh-hans-"):
        return ZH_HANS
    if _EN_CODE_RE.fullmatch(code):
        return EN
    return None


def detect_language(text: str) -> str:
    """zh-hans when Han characters outnumber Latin words, else en."""
    han = len(_HAN_RE.findall(text))
    return ZH_HANS if han > len(_LATIN_WORD_RE.findall(text)) else EN


def _slug(ctx: _Context, name: FileName, title: str | None, text: str) -> str:
    """The slug key (checked), else the file name's, else the title's; never empty."""
    written = _text(ctx, "slug")
    if written is not None and written.strip():
        if not _SLUG_RE.fullmatch(written.strip()):
            reason = f"slug {written!r} may only use ASCII letters, digits, '-' and '_'"
            raise ctx.fail("slug", reason)
        return written.strip()
    if _SLUG_RE.fullmatch(name.slug):
        return name.slug  # as written, so the old site's URLs keep working
    for candidate in (name.slug, title or ""):
        if slug := slugify_pinyin(candidate):
            return slug
    return "post-" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def slugify_pinyin(text: str) -> str:
    """离开大模型 → li-kai-da-mo-xing: pinyin for Han characters, only [a-z0-9-]."""
    return re.sub(r"[-_]+", "-", slugify_text(text)).strip("-")


# Place, time zone and dates --------------------------------------------------------------


def _byline_place(byline: Byline | None, ctx: _Context) -> Place | None:
    if byline is None:
        return None
    place = resolve_place(byline.place)
    if place is None:
        ctx.warn(f"byline place {byline.place!r} is not a known place")
    return place


def _timezone(ctx: _Context, byline: Byline | None, place: Place | None, default: str) -> str:
    """The byline place's zone, else the `timezone` key, else the default."""
    written = _timezone_key(ctx)
    if place and place.timezone:
        if written and written != place.timezone:
            ctx.warn(f"timezone {written} differs from {byline.place}'s; using {place.timezone}")
        return place.timezone
    fallback = written or default
    if place:
        ctx.warn(f"byline place {byline.place!r} spans several time zones; using {fallback}")
    return fallback


def _timezone_key(ctx: _Context) -> str | None:
    written = _text(ctx, "timezone")
    if written is None:
        return None
    try:
        ZoneInfo(written.strip())
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ctx.fail("timezone", f"timezone: {written!r} is not a known IANA zone") from error
    return written.strip()


def parse_written_date(text: str) -> WrittenDate:
    """2025-03-30, 2025-03-30 04:23[:00[.5]], T, +0800/+08:00/Z/UTC, 2019/8/3 09:12:45."""
    match = _DATE_RE.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"{text!r} is not a date like 2025-03-30 or 2025-03-30 04:23:00")
    parts = ("year", "month", "day", "hour", "minute", "second")
    numbers = [int(match[part] or 0) for part in parts]
    microseconds = int((match["fraction"] or "0").ljust(6, "0")[:6])
    try:
        local = datetime(*numbers, microseconds)
    except ValueError as error:
        raise ValueError(f"{text.strip()!r} is not a valid date ({error})") from None
    return WrittenDate(local, _offset(match["offset"]), match["hour"] is not None)


def _offset(written: str | None) -> timezone | None:
    if not written:
        return None
    if written.upper() in ("Z", "UTC", "GMT"):
        return UTC
    digits = written[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:] or 0)
    if hours > 23 or minutes > 59:
        raise ValueError(f"{written!r} is not a valid UTC offset")
    sign = -1 if written[0] == "-" else 1
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def looks_like_date(text: str) -> bool:
    """Whether `text` is written like a date (2025-03-30 04:23), possible or not (2025-02-30)."""
    return _DATE_RE.fullmatch(text.strip()) is not None


def _front_matter_date(ctx: _Context, byline: Byline | None, name: FileName) -> WrittenDate | None:
    """The `date` key. A date written well but impossible (2025-02-30, 24:00) is an error;
    text that is no date at all is ignored with a warning when the byline or the file name
    gives a date instead, and an error otherwise."""
    value = ctx.data.get("date")
    if value is None:
        return None
    if isinstance(value, str) and looks_like_date(value):
        try:
            return parse_written_date(value)
        except ValueError as error:
            raise ctx.fail("date", f"date: {error}") from None
    shown = json.dumps(value, ensure_ascii=False)
    if byline is None and name.date is None:
        raise ctx.fail("date", f"date: {shown} is not a date like 2025-03-30 or 2025-03-30 04:23")
    instead = "the byline's time" if byline else f"the file name's date {name.date}"
    ctx.warn(f"date: {shown} is not a date like 2025-03-30 04:23; using {instead}")
    return None


def _published_at(
    ctx: _Context, byline: Byline | None, name: FileName, zone: ZoneInfo
) -> datetime | None:
    """The front-matter date, else the byline's time, else the file name's date."""
    written = _front_matter_date(ctx, byline, name)
    if written is not None:
        published = written.in_zone(zone)
        if byline:
            published = _reconcile_with_byline(ctx, written, published, byline, zone)
    elif byline:
        published = byline.local_time.replace(tzinfo=zone)
    elif name.date:
        return datetime.combine(name.date, time(), zone)
    else:
        ctx.warn("no date in the front matter, byline or file name; published_at left empty")
        return None
    local_day = published.astimezone(zone).date()
    if name.date and name.date != local_day:
        ctx.warn(
            f"file name date {name.date} differs from the post's date {local_day}; using the latter"
        )
    return published


def _reconcile_with_byline(
    ctx: _Context, written: WrittenDate, published: datetime, byline: Byline, zone: ZoneInfo
) -> datetime:
    """A date-only front matter takes the byline's time of that day; otherwise it wins (warned)."""
    local = published.astimezone(zone).replace(tzinfo=None)
    said = byline.local_time
    if not written.has_time and said.date() == local.date():
        return said.replace(tzinfo=zone)
    if said.replace(second=0, microsecond=0) != local.replace(second=0, microsecond=0):
        form = "%H:%M" if said.date() == local.date() else "%Y-%m-%d %H:%M"
        ctx.warn(
            f"byline time {said:{form}} differs from front-matter date {local:{form}}; "
            "using the front-matter date"
        )
    return published


# Tags, categories and flags --------------------------------------------------------------


def _names(ctx: _Context, plural: str, singular: str) -> list[str]:
    """Tags or categories from the plural and the singular key: stripped, in order, unique.

    `tags: a b` / `tags: a, b` is split on commas, else spaces; as in Jekyll, the singular
    `category: machine learning` is one name (split on commas only). Nested lists are Hexo
    category paths (`[[life, travel]]` is travel under life); the CMS has no category tree,
    so every name on the path becomes a category of its own: life, travel.
    """
    names = []
    for key in (plural, singular):
        value = ctx.data.get(key)
        if isinstance(value, list):
            names += [_scalar_text(item).strip() for item in _flatten(value, ctx, key)]
        elif isinstance(value, dict):
            raise ctx.fail(key, f"{key}: expected a list or comma-separated text, not a map")
        elif value is not None:
            names += split_names(_scalar_text(value), on_spaces=key == plural)
    return list(dict.fromkeys(name for name in names if name))


def split_names(text: str, on_spaces: bool = True) -> list[str]:
    """'philosophy, misc' / '哲学，杂谈' / '哲学、杂谈' split on commas, else 'a b' on spaces."""
    if _NAME_SEPARATOR_RE.search(text):
        parts = _NAME_SEPARATOR_RE.split(text)
    else:
        parts = text.split() if on_spaces else [text]
    return [part.strip() for part in parts if part.strip()]


def _flatten(items: list, ctx: _Context, key: str) -> list:
    flat = []
    for item in items:
        if isinstance(item, list):
            flat += _flatten(item, ctx, key)
        elif isinstance(item, dict):
            raise ctx.fail(key, f"{key}: a list item is a map; expected names")
        elif item is not None:
            flat.append(item)
    return flat


def _flag(ctx: _Context, key: str) -> bool | None:
    """true/false (and, as Jekyll reads them, yes/no/on/off); None when absent."""
    value = ctx.data.get(key)
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in _FLAG_WORDS:
        return _FLAG_WORDS[value.strip().lower()]
    raise ctx.fail(key, f"{key}: expected true or false, got {value!r}")


def _comments_enabled(ctx: _Context) -> bool | None:
    flags = [flag for key in COMMENT_KEYS if (flag := _flag(ctx, key)) is not None]
    return any(flags) if flags else None


def _is_draft(ctx: _Context) -> bool:
    published, draft = _flag(ctx, "published"), _flag(ctx, "draft")
    in_drafts_folder = "_drafts" in PurePath(ctx.path).parts
    return published is False or draft is True or in_drafts_folder


# Image and old URLs ----------------------------------------------------------------------


def _image(ctx: _Context) -> str:
    """The first of image / thumbnail / cover / og_image: a path or URL, or a map holding one
    under src / url / image / path (`cover: {image: a.png, alt: A}`); '' when none."""
    for key in IMAGE_KEYS:
        if (reference := image_reference(ctx.data.get(key))) is None:
            raise ctx.fail(key, f"{key}: expected a path or URL, or a map with src/url/image")
        if reference:
            return reference
    return ""


def image_reference(value) -> str | None:
    """The path or URL in an image value ('' when empty or absent; None when unusable)."""
    if value is None:
        return ""
    if isinstance(value, dict):
        key = next((key for key in IMAGE_MAP_KEYS if key in value), None)
        return image_reference(value[key]) if key else None
    if isinstance(value, str):
        return value.strip()
    return None


def _aliases(ctx: _Context) -> list[str]:
    """aliases and redirect_from (each text or a list of text), in order, without duplicates."""
    aliases = []
    for key in ALIAS_KEYS:
        value = ctx.data.get(key)
        values = value if isinstance(value, list) else [] if value is None else [value]
        if not all(isinstance(item, str) for item in values):
            raise ctx.fail(key, f"{key}: expected a URL path or a list of them")
        aliases += [item.strip() for item in values if item.strip()]
    return list(dict.fromkeys(aliases))
