"""Join parsed files into posts: files in one folder sharing a pair key (2025-03-30-leave-cn.md,
2025-03-30-leave-en.md) are one post in up to two languages. Pure: no ORM, no files.
"""

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath

from posts.importers.parser import ZH_HANS, ParsedFile, ParseError, pair_key_of


@dataclass
class ParsedPost:
    """One post in one or two languages, with the values its translations share."""

    slug: str
    translations: dict[str, ParsedFile]  # language → file; zh-hans first
    published_at: datetime | None
    timezone: str
    author_names: dict[str, str]  # language → the author's name in that language
    location_code: str | None
    tags: list[str]  # union over the translations, in order
    categories: list[str]
    comments_enabled: bool | None
    is_draft: bool  # any translation a draft → the post is a draft
    warnings: list[str]  # each file's warnings (prefixed with its file name), then conflicts
    image: str = ""  # the post's image reference
    aliases: list[str] = field(default_factory=list)  # old URLs of every translation

    @property
    def primary(self) -> ParsedFile:
        """The file whose shared values win: the zh-hans one, else the first."""
        return next(iter(self.translations.values()))

    @property
    def pair_key(self) -> str:
        return self.primary.pair_key

    @property
    def source_paths(self) -> list[str]:
        return [file.source_path for file in self.translations.values()]


GroupKey = tuple[str, str]  # (folder, pair key): the files of one post


def group_of(path: str, pair_key: str) -> GroupKey:
    return (str(PurePath(path).parent), pair_key)


def group_of_path(path: str) -> GroupKey:
    """The group of a file, from its path alone (as group_of() with the parsed pair key)."""
    pure = PurePath(path)
    return (str(pure.parent), pair_key_of(pure))


def pair_files(files: list[ParsedFile]) -> tuple[list[ParsedPost], list[ParseError]]:
    """Group files into posts (path order); a second file of a language, or a slug another
    group already took, is an error and left out."""
    ordered = sorted(files, key=lambda file: file.source_path)
    keys = [group_of(file.source_path, file.pair_key) for file in ordered]
    pairing = Pairing(keys)
    posts: list[ParsedPost] = []
    errors: list[ParseError] = []
    for key, file in zip(keys, ordered, strict=True):
        settled = pairing.add(key, file)
        posts += settled.posts
        errors += settled.errors
    return posts, errors


@dataclass
class Settled:
    """What one file completed: posts, errors, and how many groups it settled."""

    posts: list[ParsedPost] = field(default_factory=list)
    errors: list[ParseError] = field(default_factory=list)
    groups: int = 0


class Pairing:
    """pair_files() for files that come one by one, in path order: given the group of every
    file to come, each group becomes a post as soon as its last file is in, in the order
    pair_files() gives (a group's place is that of its first parsed file)."""

    def __init__(self, keys: Iterable[GroupKey]):
        self.remaining = Counter(keys)
        self.open: dict[GroupKey, dict[str, ParsedFile]] = {}  # in order of their first file
        self.slug_owners: dict[str, str] = {}

    def add(self, key: GroupKey, file: ParsedFile | None) -> Settled:
        """The next file of group `key` (None: it could not be parsed)."""
        settled = Settled()
        self.remaining[key] -= 1
        if file is not None:
            group = self.open.setdefault(key, {})
            if file.language in group:
                first = group[file.language].source_path
                reason = f"a second {file.language} file for {file.pair_key!r}"
                settled.errors.append(
                    ParseError(file.source_path, f"{reason} (the first is {first})")
                )
            else:
                group[file.language] = file
        elif not self.remaining[key] and key not in self.open:
            settled.groups += 1  # none of its files could be parsed
        while self.open:
            first_key = next(iter(self.open))
            if self.remaining[first_key]:
                break
            self.settle(list(self.open.pop(first_key).values()), settled)
        return settled

    def settle(self, files: list[ParsedFile], settled: Settled) -> None:
        settled.groups += 1
        post = merge_translations(files)
        if post.slug in self.slug_owners:
            reason = f"slug {post.slug!r} is already used by {self.slug_owners[post.slug]}"
            settled.errors += [ParseError(path, reason) for path in post.source_paths]
            return
        self.slug_owners[post.slug] = post.primary.source_path
        settled.posts.append(post)


def merge_translations(files: list[ParsedFile]) -> ParsedPost:
    """One post from the files of one pair key (one per language)."""
    ordered = sorted(files, key=lambda file: file.language != ZH_HANS)
    warnings = [f"{_name(file)}: {warning}" for file in ordered for warning in file.warnings]

    def shared(attribute: str):
        return _shared_value(ordered, attribute, warnings)

    return ParsedPost(
        slug=shared("slug"),
        translations={file.language: file for file in ordered},
        published_at=shared("published_at"),
        timezone=shared("timezone"),
        author_names={file.language: file.author_name for file in ordered if file.author_name},
        location_code=shared("location_code"),
        tags=_union(file.tags for file in ordered),
        categories=_union(file.categories for file in ordered),
        comments_enabled=shared("comments_enabled"),
        is_draft=any(file.is_draft for file in ordered),
        warnings=warnings,
        image=_first_given(ordered, "image", warnings),
        aliases=_union(file.aliases for file in ordered),
    )


def _shared_value(files: list[ParsedFile], attribute: str, warnings: list[str]):
    """The first file's value that is not None; a translation that disagrees is warned about."""
    candidates = [file for file in files if getattr(file, attribute) is not None]
    if not candidates:
        return None
    winner, *others = candidates
    value = getattr(winner, attribute)
    for other in others:
        if getattr(other, attribute) != value:
            warnings.append(
                f"{attribute} differs: {_name(other)} has {_show(getattr(other, attribute))}; "
                f"using {_show(value)} from {_name(winner)}"
            )
    return value


def _first_given(files: list[ParsedFile], attribute: str, warnings: list[str]) -> str:
    """The first file's non-empty text (a translation without one does not disagree)."""
    given = [file for file in files if getattr(file, attribute)]
    return _shared_value(given, attribute, warnings) or ""


def _union(lists: Iterable[list[str]]) -> list[str]:
    return list(dict.fromkeys(name for names in lists for name in names))


def _name(file: ParsedFile) -> str:
    return PurePath(file.source_path).name


def _show(value) -> str:
    return value.isoformat() if isinstance(value, datetime) else str(value)
