"""Write posts back as Jekyll Markdown: the stored front matter with the CMS's edits laid over it.

Pure: a PostState (what the CMS holds now) in, file names and texts out; no ORM, no files.
What a stored front-matter value means is found by parsing it with the importer, so a value
is rewritten only when the CMS holds something else, and unchanged posts export as imported.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath

import yaml

from posts.bylines import parse_byline
from posts.importers.pairing import ParsedPost, merge_translations
from posts.importers.parser import (
    ALIAS_KEYS,
    BUNDLE_STEMS,
    COMMENT_KEYS,
    EN,
    IMAGE_KEYS,
    IMAGE_MAP_KEYS,
    MODELLED_KEYS,
    SUMMARY_KEYS,
    ZH_HANS,
    ParsedFile,
    looks_like_date,
    parse_post,
    parse_written_date,
    read_file_name,
    split_names,
)
from posts.slugs import slugify_text

FILE_SUFFIXES = {ZH_HANS: "cn", EN: "en"}  # 2025-03-30-leave-cn.md
BUNDLE_SUFFIXES = {ZH_HANS: "zh-cn", EN: "en"}  # walk/index.zh-cn.md
_TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp"
# Characters a YAML reader takes for line breaks even inside quotes; only escapes keep them.
_BREAK_CHARACTERS = frozenset("\x85\u2028\u2029")


@dataclass
class TranslationState:
    """One language of a post as the CMS holds it now."""

    language: str
    title: str
    summary: str
    body: str
    byline: str  # formatted from the post's author, place and time ('' without them)
    author_name: str  # the author's name in this language ('' without an author)
    categories: dict[str, str]  # slug → name in this language
    extra_front_matter: dict
    source_front_matter: dict = field(default_factory=dict)
    source_path: str = ""


@dataclass
class PostState:
    """A post as the CMS holds it now: the values an export must carry."""

    slug: str
    published_at: datetime | None  # aware, in the post's time zone
    timezone: str
    is_draft: bool
    location_code: str | None
    comments_enabled: bool
    image: str
    aliases: list[str]
    tags: dict[str, dict[str, str]]  # slug → {language: name}
    translations: dict[str, TranslationState]  # zh-hans first


@dataclass(frozen=True)
class ExportedFile:
    name: str  # relative path in the export folder, e.g. 2025-03-30-leave-cn.md
    text: str


# YAML -------------------------------------------------------------------------------------


class _Date(str):
    """The `date` value: written plain when YAML reads it as a timestamp, as Jekyll expects."""


class FrontMatterDumper(yaml.SafeDumper):
    """safe_dump's rules (strings YAML 1.1 would read as something else are quoted), plus
    double quotes for strings holding NEL / U+2028 / U+2029, which quotes alone do not keep."""

    def represent_str(self, data: str):
        if _BREAK_CHARACTERS.intersection(data):
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)

    def represent_date(self, data: _Date):
        text = str(data)
        if self.resolve(yaml.ScalarNode, text, (True, False)) == _TIMESTAMP_TAG:
            return self.represent_scalar(_TIMESTAMP_TAG, text)
        return self.represent_str(text)


FrontMatterDumper.add_representer(str, FrontMatterDumper.represent_str)
FrontMatterDumper.add_representer(_Date, FrontMatterDumper.represent_date)


def dump_front_matter(data: dict) -> str:
    """YAML for a front-matter dict, keys in their order, CJK as is, one line per value."""
    if not data:
        return ""
    if isinstance(data.get("date"), str):
        data = {**data, "date": _Date(data["date"])}
    return yaml.dump(
        data,
        Dumper=FrontMatterDumper,
        allow_unicode=True,
        sort_keys=False,
        default_flow_style=False,
        width=float("inf"),
    )


def render_post(data: dict, body: str) -> str:
    """A Jekyll file: `---`, the front matter, `---`, then the body exactly as given."""
    return f"---\n{dump_front_matter(data)}---\n{body}"


def format_date(moment: datetime) -> str:
    """2025-03-30 04:23:00 +08:00: the wall time with its offset."""
    offset = moment.strftime("%z")
    return f"{moment:%Y-%m-%d %H:%M:%S} {offset[:3]}:{offset[3:]}"


# File names -------------------------------------------------------------------------------


def export_names(post: PostState) -> dict[str, str]:
    """language → file name: the source file's name (a page bundle keeps its folder), else one
    that pairs with the other language's file, else YYYY-MM-DD-slug-cn.md in local time."""
    names = {
        language: _source_name(translation.source_path)
        for language, translation in post.translations.items()
        if translation.source_path
    }
    for language in post.translations:
        if language not in names:
            names[language] = _new_name(post, language, next(iter(names.values()), None))
    return names


def _source_name(source_path: str) -> str:
    path = PurePath(source_path)
    name = read_file_name(source_path)
    if path.parent.name and name.pair_key == path.parent.name and _is_bundle(path):
        return f"{path.parent.name}/{path.name}"
    return path.name


def _is_bundle(path: PurePath) -> bool:
    return any(path.name.lower().startswith(f"{stem}.") for stem in BUNDLE_STEMS)


def _new_name(post: PostState, language: str, sibling: str | None) -> str:
    if sibling is not None:
        if "/" in sibling:  # a page bundle: walk/index.en.md
            return f"{sibling.split('/')[0]}/index.{BUNDLE_SUFFIXES[language]}.md"
        return f"{read_file_name(sibling).pair_key}-{FILE_SUFFIXES[language]}.md"
    local = post.published_at
    prefix = f"{local:%Y-%m-%d}-" if local else ""
    return f"{prefix}{post.slug}-{FILE_SUFFIXES[language]}.md"


# The export -------------------------------------------------------------------------------


def export_post(post: PostState, default_timezone: str) -> list[ExportedFile]:
    """The post's files. `default_timezone` is the zone an import would read naive dates in.

    Raises posts.importers.parser.ParseError when a stored front matter no longer parses.
    """
    names = export_names(post)
    data = {lang: copy.deepcopy(t.source_front_matter) for lang, t in post.translations.items()}

    def baseline() -> tuple[ParsedPost, dict[str, ParsedFile]]:
        files = {
            language: parse_post(
                render_post(data[language], translation.body), names[language], default_timezone
            )
            for language, translation in post.translations.items()
        }
        return merge_translations(list(files.values())), files

    base, files = baseline()
    if post.timezone != base.timezone:
        for values in data.values():
            values["timezone"] = post.timezone
        base, files = baseline()
    for language, translation in post.translations.items():
        _overlay_post(data[language], post, base, files[language], translation)
        _overlay_translation(data[language], translation, files[language])
    return [
        ExportedFile(names[language], render_post(data[language], translation.body))
        for language, translation in post.translations.items()
    ]


def _overlay_post(
    data: dict, post: PostState, base: ParsedPost, file: ParsedFile, translation: TranslationState
) -> None:
    """Lay the values a post shares (date, byline, tags, flags, image, old URLs) over one file."""
    date_changed = not _same_instant(post.published_at, base.published_at)
    created_here = not translation.source_front_matter  # written in the CMS: say everything
    if (date_changed or created_here) and post.published_at is not None:
        data["date"] = format_date(post.published_at)
    elif isinstance(data.get("date"), str) and file.published_at is not None:
        data["date"] = _with_offset(data["date"], file.published_at)
    byline_changed = date_changed or created_here or post.location_code != base.location_code
    _overlay_byline(data, file, translation, byline_changed)
    _overlay_author(data, file, translation)
    base_tags = set(map(slugify_text, base.tags))
    if set(post.tags) != base_tags:
        names = {slug: _name_in(names, translation.language) for slug, names in post.tags.items()}
        _set_names(data, ("tags", "tag"), names, new=set(post.tags) - base_tags)
    if post.comments_enabled != bool(base.comments_enabled):
        _set_flags(data, COMMENT_KEYS, post.comments_enabled, "disqus_comments")
    if post.is_draft != base.is_draft:
        _set_draft(data, post.is_draft)
    if post.image != base.image:
        _set_image(data, post.image)
    if post.aliases != base.aliases:
        _set_aliases(
            data, post.aliases, new=[url for url in post.aliases if url not in base.aliases]
        )
    if post.slug != base.slug:
        _set(data, "slug", post.slug)


def _overlay_translation(data: dict, translation: TranslationState, file: ParsedFile) -> None:
    """Lay one language's own values (title, summary, categories, extra keys) over its file."""
    if translation.title != file.title or not translation.source_front_matter:
        _set(data, "title", translation.title, first=True)
    if translation.summary != file.summary:
        _set_summary(data, translation.summary)
    file_categories = set(map(slugify_text, file.categories))
    if set(translation.categories) != file_categories:
        new = set(translation.categories) - file_categories
        _set_names(data, ("categories", "category"), translation.categories, new=new)
    if translation.language != file.language:
        _set(data, "lang", translation.language)
    edited = {k: v for k, v in translation.extra_front_matter.items() if k not in MODELLED_KEYS}
    for key in file.extra_front_matter.keys() - edited.keys():
        data.pop(key, None)
    for key, value in edited.items():
        if file.extra_front_matter.get(key, _MISSING) != value:
            _set(data, key, value)


_MISSING = object()


def _set(data: dict, key: str, value, first: bool = False) -> None:
    """Replace `key` in place, or add it (at the end, or first)."""
    if key in data or not first:
        data[key] = value
        return
    items = list(data.items())
    data.clear()
    data.update([(key, value), *items])


def _same_instant(one: datetime | None, other: datetime | None) -> bool:
    if one is None or other is None:
        return one is other
    return one == other


def _with_offset(written: str, meant: datetime) -> str:
    """A date written with a time but no offset, rewritten with the offset it was read in."""
    if not looks_like_date(written):
        return written
    parsed = parse_written_date(written)
    if not parsed.has_time or parsed.offset is not None:
        return written
    return format_date(meant)


def _name_in(by_language: dict[str, str], language: str) -> str:
    return by_language.get(language) or next(iter(by_language.values()))


# Byline, author and summary ---------------------------------------------------------------


def _text_of(value) -> str | None:
    """A description/summary/excerpt value as the parser reads it (text or an integer)."""
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    return str(value)


def _byline_key(data: dict) -> str | None:
    """The description/summary/excerpt key holding the byline, as the parser picks it."""
    for key in SUMMARY_KEYS:
        text = _text_of(data.get(key))
        if text is not None and parse_byline(text) is not None:
            return key
    return None


def _overlay_byline(
    data: dict, file: ParsedFile, translation: TranslationState, changed: bool
) -> None:
    """Rewrite a front-matter byline when the post's time or place changed; add one when the
    file has none and the post now has a place. A byline in the body is body text: kept."""
    key = _byline_key(data)
    if key is not None:
        author_changed = (file.author_name or "") != translation.author_name
        if (changed or author_changed) and translation.byline:
            data[key] = translation.byline
    elif file.byline is None and changed and translation.byline:
        _set(data, _free_summary_key(data), translation.byline)


def _overlay_author(data: dict, file: ParsedFile, translation: TranslationState) -> None:
    """The `author` key, when no byline says the author and the CMS has another one."""
    if _byline_key(data) is not None or file.byline is not None:
        return
    if (file.author_name or "") == translation.author_name:
        return
    value = data.get("author")
    if not translation.author_name:
        data.pop("author", None)
    elif isinstance(value, dict):
        value["name"] = translation.author_name
    elif isinstance(value, list) and value:
        value[0] = translation.author_name
    else:
        data["author"] = translation.author_name


def _set_summary(data: dict, summary: str) -> None:
    """Put the summary where the file had it (the first non-byline key), else in a free key."""
    holder = next(
        (
            key
            for key in SUMMARY_KEYS
            if (text := _text_of(data.get(key))) and text.strip() and parse_byline(text) is None
        ),
        None,
    )
    if not summary:
        if holder is not None:
            del data[holder]
        return
    _set(data, holder or _free_summary_key(data), summary)


def _free_summary_key(data: dict) -> str:
    """description, else excerpt, else summary: the first not in use."""
    return next(
        (key for key in ("description", "excerpt", "summary") if key not in data), "summary"
    )


# Tags, categories, flags, image, old URLs -------------------------------------------------


def _set_names(data: dict, keys: tuple[str, str], wanted: dict[str, str], new: set[str]) -> None:
    """Rewrite tags or categories to `wanted` (slug → name): names still wanted stay as and
    where they were written, the `new` slugs join the first key present (else the plural)."""
    plural = keys[0]
    present = [key for key in keys if data.get(key) not in (None, [], "")]
    kept: dict[str, list[str]] = {}
    seen: set[str] = set()
    for key in present:
        kept[key] = []
        for name in _written_names(data[key], on_spaces=key == plural):
            slug = slugify_text(name)
            if slug in wanted and slug not in seen:
                kept[key].append(name)
                seen.add(slug)
    target = present[0] if present else plural
    added = [name for slug, name in wanted.items() if slug in new and slug not in seen]
    kept[target] = kept.get(target, []) + added
    for key, names in kept.items():
        if not names:
            data.pop(key, None)
        elif isinstance(data.get(key), list) or not _reads_back(names, on_spaces=key == plural):
            data[key] = names
        else:
            data[key] = ", ".join(names)


def _written_names(value, on_spaces: bool) -> list[str]:
    if isinstance(value, list):
        return [
            str(item).strip() for item in _flat(value) if item is not None and str(item).strip()
        ]
    return split_names(str(value), on_spaces=on_spaces)


def _flat(items: list) -> list:
    return [leaf for item in items for leaf in (_flat(item) if isinstance(item, list) else [item])]


def _reads_back(names: list[str], on_spaces: bool) -> bool:
    """Whether 'a, b' text reads back as exactly these names."""
    return split_names(", ".join(names), on_spaces=on_spaces) == names


def _set_flags(data: dict, keys: tuple[str, ...], value: bool, default_key: str) -> None:
    present = [key for key in keys if key in data]
    for key in present or [default_key]:
        data[key] = value


def _set_draft(data: dict, is_draft: bool) -> None:
    """published: false / draft: true as the file already says it, else `published`."""
    if "draft" in data:
        data["draft"] = is_draft
    if "published" in data or "draft" not in data:
        data["published"] = not is_draft


def _set_image(data: dict, image: str) -> None:
    """The new reference in the key that held the image (a map keeps its alt text)."""
    present = [key for key in IMAGE_KEYS if data.get(key) not in (None, "")]
    if not image:
        for key in present:
            del data[key]
        return
    key = present[0] if present else IMAGE_KEYS[0]
    value = data.get(key)
    if isinstance(value, dict):
        inner = next((name for name in IMAGE_MAP_KEYS if name in value), IMAGE_MAP_KEYS[0])
        value[inner] = image
    else:
        data[key] = image


def _set_aliases(data: dict, aliases: list[str], new: list[str]) -> None:
    """Old URLs still wanted stay in their key; `new` ones join the first key (redirect_from)."""
    present = [key for key in ALIAS_KEYS if data.get(key) not in (None, [], "")]
    for key in present:
        value = data[key]
        items = value if isinstance(value, list) else [value]
        kept = [item for item in items if item.strip() in aliases]
        data[key] = kept if isinstance(value, list) or len(kept) != 1 else kept[0]
    target = present[0] if present else "redirect_from"
    if new:
        current = data.get(target) or []
        data[target] = (current if isinstance(current, list) else [current]) + new
    for key in present:
        if not data[key]:
            del data[key]
