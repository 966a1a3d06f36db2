"""Export posts from the database as Jekyll Markdown files (the DB side of importers/export.py).

`select_posts()` picks the posts, `export_posts()` writes their files into a folder.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from posts.importers.export import ExportedFile, PostState, TranslationState, export_post
from posts.importers.parser import ParseError
from posts.models import Post


class ExportError(Exception):
    """The export cannot be written (for example two posts would share a file name)."""


@dataclass
class ExportReport:
    written: list[Path] = field(default_factory=list)
    posts: int = 0
    failures: list[str] = field(default_factory=list)


def select_posts(
    *,
    status: str | None = None,
    tag: str | None = None,
    category: str | None = None,
    language: str | None = None,
):
    """Every post, or those with the status, tag, category (in any language) and language."""
    posts = Post.objects.all()
    if status:
        # Not published(): an export is a copy of the content, scheduled posts included.
        posts = posts.filter(status=status)
    if tag:
        posts = posts.tagged(tag)
    if category:
        posts = posts.in_category(category)
    if language:
        posts = posts.in_language(language)
    return posts.for_detail().order_by("published_at", "pk")


def post_state(post: Post, language: str | None = None) -> PostState:
    """What the CMS holds for `post` (only `language`'s translation when given)."""
    translations = [
        translation
        for translation in sorted(post.translation_rows, key=lambda t: t.language != "zh-hans")
        if language is None or translation.language == language
    ]
    return PostState(
        slug=post.slug,
        published_at=post.local_published_at,
        timezone=post.timezone,
        is_draft=post.status == Post.Status.DRAFT,
        location_code=post.location.code if post.location else None,
        comments_enabled=post.comments_enabled,
        image=post.image,
        aliases=list(post.aliases or []),
        tags={tag.slug: {"zh-hans": tag.name_zh_hans, "en": tag.name_en} for tag in post.tag_rows},
        translations={
            translation.language: TranslationState(
                language=translation.language,
                title=translation.title,
                summary=translation.summary,
                body=translation.body_markdown,
                byline=post.byline(translation.language),
                author_name=post.author.name_in(translation.language) if post.author else "",
                categories={
                    category.slug: category.name_in(translation.language)
                    for category in translation.category_rows
                },
                extra_front_matter=dict(translation.extra_front_matter or {}),
                source_front_matter=dict(translation.source_front_matter or {}),
                source_path=translation.source_path,
            )
            for translation in translations
        },
    )


def export_posts(
    posts, folder: Path, default_timezone: str, language: str | None = None
) -> ExportReport:
    """Write each post's files into `folder` (created; files of the same name are overwritten).

    A post whose stored front matter no longer parses is reported and left out. Nothing is
    written when two files would get the same name.
    """
    report = ExportReport()
    files: list[ExportedFile] = []
    owners: dict[str, str] = {}
    for post in posts:
        state = post_state(post, language)
        if not state.translations:
            continue
        try:
            exported = export_post(state, default_timezone)
        except ParseError as error:
            report.failures.append(f"{post.slug}: {error}")
            continue
        for file in exported:
            if file.name in owners:
                raise ExportError(
                    f"{post.slug} and {owners[file.name]} would both be written to {file.name}"
                )
            owners[file.name] = post.slug
        files += exported
        report.posts += 1
    for file in files:
        path = folder / file.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(file.text, encoding="utf-8", newline="")
        report.written.append(path)
    return report
