"""Full-text search text: normalising (traditional to simplified, NFKC, case), tokenising
Chinese into character bigrams and Latin text into words, the search document of a post,
the database query terms, and the highlighted snippet of a result. Pure functions.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from itertools import chain
from operator import attrgetter

import opencc
from django.contrib.postgres.search import SearchQuery

MAX_QUERY_LENGTH = 200
MAX_TOKEN_LENGTH = 100
# PostgreSQL's limits: a tsvector holds at most 1 MB of lexemes, positions go up to 16383 and
# a lexeme keeps at most 256 of them.
MAX_VECTOR_BYTES = 1_000_000
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256

# Han (with extensions and compatibility ideographs), kana and hangul: scripts written
# without spaces, indexed as overlapping character pairs.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\U00020000-\U0003134f"
CJK_RUN = re.compile(f"[{_CJK}]+")
TOKEN = re.compile(rf"([{_CJK}]+)|[^\W_{_CJK}]+")  # group 1: a run of Chinese
WORD_TOKEN = re.compile(rf"[^\W_{_CJK}]+")  # the other tokens: words and numbers

# Markdown and Liquid markup that should not be searched or shown in a snippet.
_MARKUP = [
    # Each pattern stops at the next character that could open another match, and at a
    # length, so text full of unclosed `[`, `{{` or `{%` costs linear time.
    (re.compile(r"\{%[^%]{0,1000}%\}|\{\{[^{}]{0,1000}\}\}"), " "),  # Liquid tags and output
    # Links and images keep their text (`(?:!\[|\[)` is `!?\[`, found faster).
    (re.compile(r"(?:!\[|\[)([^\[\]]{0,1000})\]\([^()\n]{0,2000}\)"), r"\1"),
    (re.compile(r"<!--[^<]{0,10000}?-->"), " "),  # HTML comments (<!--more--> too)
    (re.compile(r"</?[A-Za-z][^<>]{0,500}>"), " "),  # HTML tags
    (re.compile(r"https?://\S+"), " "),  # bare URLs
    (re.compile(r"^\s{0,3}(#{1,6}|>+|[-*+]|\d+\.)\s+", re.M), ""),  # block markers
    (re.compile(r"[*_`~]{1,3}"), ""),  # emphasis and code marks
]
_SPACES = re.compile(r"\s+")


@cache
def _to_simplified():
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Traditional Chinese characters and phrases to simplified (歷史 → 历史)."""
    return _to_simplified().convert(text) if text else text


# Full-width ASCII and the ideographic space, which Chinese text is full of (，！：), are the
# only compatibility characters most posts have; mapping them first usually leaves nothing
# for NFKC to do, and checking that is much faster than normalising.
_FULL_WIDTH = re.compile("[\uff01-\uff5e\u3000]")


def _half_width(match: re.Match) -> str:
    character = match.group()
    return " " if character == "\u3000" else chr(ord(character) - 0xFEE0)


def nfkc(text: str) -> str:
    """unicodedata.normalize("NFKC", text), faster on typical Chinese text."""
    if unicodedata.is_normalized("NFKC", text):
        return text
    text = _FULL_WIDTH.sub(_half_width, text)  # exactly what NFKC maps these to
    return text if unicodedata.is_normalized("NFKC", text) else unicodedata.normalize("NFKC", text)


def normalise(text: str) -> str:
    """The form text is indexed and queried in: simplified, NFKC (Ｒ１ → R1), case-folded."""
    return nfkc(to_simplified(text)).casefold()


def plain_text(markdown: str, *, collapse_spaces: bool = True) -> str:
    """Readable text of a Markdown body: markup, URLs and Liquid tags removed, and (unless
    only its words matter) runs of white space made single spaces."""
    for pattern, replacement in _MARKUP:
        markdown = pattern.sub(replacement, markdown)
    return (_SPACES.sub(" ", markdown) if collapse_spaces else markdown).strip()


def tokenise(text: str) -> list[str]:
    """Search tokens of `text`: Latin/digit words (their first MAX_TOKEN_LENGTH characters,
    which is what a query of a longer word looks for), and each run of Chinese as its
    character bigrams followed by its last character alone (so one-character queries find it).

    >>> tokenise("离开大模型, R1")
    ['离开', '开大', '大模', '模型', '型', 'r1']
    """
    tokens: list[str] = []
    for match in TOKEN.finditer(normalise(text)):
        run = match.group()
        if match.lastindex:  # Chinese
            tokens += map(str.__add__, run, run[1:])
            tokens.append(run[-1])
        else:
            tokens.append(run[:MAX_TOKEN_LENGTH])
    return tokens


@dataclass(frozen=True)
class SearchDocument:
    """Space-separated tokens of a post, by weight: titles (A), descriptions (B), bodies (C)."""

    title: str
    description: str
    body: str

    @property
    def text(self) -> str:
        """Every token, with a space before and after each (so ' r1 ' matches a whole token)."""
        return f" {' '.join(part for part in (self.title, self.description, self.body) if part)} "


# An apostrophe inside a word (don't, rock'n'roll): the word is one to a reader, two tokens.
APOSTROPHE_IN_WORD = re.compile(rf"(?<=[^\W_{_CJK}])['’](?=[^\W_{_CJK}])")


@dataclass(frozen=True)
class ReadableText:
    """The readable text of a body (plain_text(), normalised), in the pieces search tokens and
    reading time are made of."""

    runs: list[str]  # runs of Chinese characters (and kana, hangul)
    words: list[str]  # the other words and numbers, split at apostrophes
    contractions: int  # apostrophes inside words

    @classmethod
    def of(cls, text: str) -> ReadableText:
        """The pieces of readable text (already without markup)."""
        text = normalise(text)
        contractions = 0
        if "'" in text or "’" in text:
            contractions = len(APOSTROPHE_IN_WORD.findall(text))
        return cls(CJK_RUN.findall(text), WORD_TOKEN.findall(text), contractions)

    @property
    def characters(self) -> int:
        """How many Chinese characters (and kana, hangul) there are."""
        return sum(map(len, self.runs))

    @property
    def word_count(self) -> int:
        """How many other words there are, a contraction being one."""
        return max(0, len(self.words) - self.contractions)

    def distinct_tokens(self) -> str:
        """The tokens of tokenise(), each once and space-separated: Chinese tokens first, then
        the others, each kind in order of first appearance.

        Faster than tokenise() on long text: every run's character pairs come from one
        string, the runs joined by a separator that also ends the last one. A pair (last
        character, separator) stands for the run's last character alone, the pairs that
        start with the separator are dropped, and the separator is taken out at the end.
        """
        tokens: dict[str, None] = {}
        if self.runs:
            joined = _SEPARATOR.join(self.runs) + _SEPARATOR
            tokens = dict.fromkeys(map(str.__add__, joined, joined[1:]))
            for run in self.runs[1:]:
                tokens.pop(_SEPARATOR + run[0], None)
        words = self.words
        if words and max(map(len, words)) > MAX_TOKEN_LENGTH:
            words = [word[:MAX_TOKEN_LENGTH] for word in words]
        tokens.update(dict.fromkeys(words))
        return " ".join(tokens).replace(_SEPARATOR, "")


_SEPARATOR = "\x00"  # in no token: tokens hold word characters only


def readable_text(body: str) -> ReadableText | None:
    """The readable text of a body (Markdown or HTML); None when it has none."""
    text = plain_text(body, collapse_spaces=False)
    return ReadableText.of(text) if text else None


def body_tokens(body: str, readable: ReadableText | None = None) -> str | None:
    """The distinct search tokens of one body (Markdown or HTML), as
    ReadableText.distinct_tokens() gives them; None when it has no readable text. Searches
    need only which tokens a body has (every query term is required, none is positional).
    `readable`: readable_text(body), when already at hand."""
    readable = readable or readable_text(body)
    return readable.distinct_tokens() if readable is not None else None


def build_search_document(
    titles: Iterable[str], descriptions: Iterable[str], bodies: Iterable[str]
) -> SearchDocument:
    """The search document of a post from its texts (bodies are Markdown)."""
    return tokenised_search_document(titles, descriptions, [body_tokens(body) for body in bodies])


def _tokens_of(text: str) -> str:
    """tokenise(text), space-separated; names and titles recur from post to post: cached."""
    return _short_tokens(text) if len(text) <= 200 else " ".join(tokenise(text))


@lru_cache(maxsize=8192)
def _short_tokens(text: str) -> str:
    return " ".join(tokenise(text))


def tokenised_search_document(
    titles: Iterable[str], descriptions: Iterable[str], bodies: Iterable[str | None]
) -> SearchDocument:
    """build_search_document() with the bodies already tokenised by body_tokens()."""

    def joined(texts: Iterable[str]) -> str:
        return " ".join(_tokens_of(text) for text in texts if text).strip()

    return SearchDocument(
        title=joined(titles),
        description=joined(descriptions),
        body=" ".join(tokens for tokens in bodies if tokens is not None).strip(),
    )


def search_document_of(author, tags: Iterable, translations: Iterable) -> SearchDocument:
    """The search document from a post's rows (works with migration-time models too):
    titles; summaries, tag, category and author names; bodies, in both languages.
    """
    translations = list(translations)
    categories = [list(t.categories.all()) for t in translations]
    return post_search_document(author, tags, translations, categories)


def post_search_document(
    author,
    tags: Iterable,
    translations: Sequence,
    categories: Sequence[Iterable],
    bodies: Sequence[str | None] | None = None,
) -> SearchDocument:
    """search_document_of() from rows already at hand: `categories[i]` are the categories of
    `translations[i]`, and `bodies[i]` its body_tokens() when already computed. Translations
    are taken in language order, tags and categories in slug order, however they are given,
    so the document does not depend on a database's collation."""
    if bodies is None:
        bodies = [body_tokens(t.body_markdown) for t in translations]
    ordered = sorted(
        zip(translations, categories, bodies, strict=True), key=lambda row: row[0].language
    )
    by_slug = attrgetter("slug")
    rows = [
        *([author] if author is not None else []),
        *sorted(tags, key=by_slug),
        *(row for _, rows_of_one, _ in ordered for row in sorted(rows_of_one, key=by_slug)),
    ]
    names = list(dict.fromkeys(name for row in rows for name in (row.name_zh_hans, row.name_en)))
    return tokenised_search_document(
        titles=[t.title for t, _, _ in ordered],
        descriptions=[t.summary for t, _, _ in ordered] + names,
        bodies=[tokens for _, _, tokens in ordered],
    )


def search_vector_of(document: SearchDocument) -> str:
    """The tsvector searches match, as a PostgreSQL literal: each distinct token once, without
    positions (matching needs none; ranking reads the titles vector), as tokenise() made it.

    Built here rather than by to_tsvector() so PostgreSQL only parses a short list instead of
    running a text search parser over the whole document (about 2 ms for a long post), and so
    the lexemes are exactly the tokens LexemeQuery looks for. Tokens hold only word
    characters: nothing to escape. Lexemes past PostgreSQL's 1 MB limit are left out.
    """
    parts = (document.title, document.description, document.body)
    tokens = list(dict.fromkeys(chain.from_iterable(part.split() for part in parts)))
    if 4 * sum(map(len, tokens)) + 8 * len(tokens) > MAX_VECTOR_BYTES:  # may not fit: count
        size = 0
        for kept, token in enumerate(tokens):
            size += len(token.encode()) + 8  # the lexeme and its entry header, generously
            if size > MAX_VECTOR_BYTES:
                tokens = tokens[:kept]
                break
    return "'" + "' '".join(tokens) + "'" if tokens else ""


def title_vector_of(document: SearchDocument) -> str:
    """The titles tsvector used for ranking, as a literal: tokens with their positions, weight A."""
    positions: dict[str, list[int]] = {}
    for position, token in enumerate(document.title.split(), 1):
        positions.setdefault(token, []).append(min(position, MAX_POSITION))
    return " ".join(
        f"'{token}':{'A,'.join(map(str, dict.fromkeys(found[:MAX_POSITIONS_PER_LEXEME])))}A"
        for token, found in positions.items()
    )


class LexemeQuery(SearchQuery):
    """A tsquery given as a literal (see to_tsquery()), its lexemes taken as they are rather
    than parsed by a text search configuration, like the literal vectors above."""

    template = "%(expressions)s::tsquery"

    def __init__(self, literal: str):
        super().__init__(literal, search_type="raw")


@dataclass(frozen=True)
class QueryTerm:
    """One token every result must contain; `prefix` also accepts longer tokens."""

    token: str
    prefix: bool = False

    def tsquery(self, weight: str = "") -> str:
        """The term in PostgreSQL tsquery syntax (tokens hold only word characters)."""
        suffix = ("*" if self.prefix else "") + weight
        return f"'{self.token}'" + (f":{suffix}" if suffix else "")

    @property
    def pattern(self) -> str:
        """The term as a substring of SearchDocument.text."""
        return f" {self.token}" if self.prefix else f" {self.token} "


def parse_query(query: str) -> list[QueryTerm]:
    """The terms of a query, all required: Chinese runs as bigrams (a single character as a
    prefix), Latin words of three or more characters as prefixes (`induct` finds inductive).
    """
    terms: list[QueryTerm] = []
    for match in TOKEN.finditer(normalise(query)):
        run = match.group()[:MAX_TOKEN_LENGTH]
        if CJK_RUN.fullmatch(run) and len(run) > 1:
            terms += [QueryTerm(run[i : i + 2]) for i in range(len(run) - 1)]
        else:
            terms.append(QueryTerm(run, prefix=len(run) >= 3 or CJK_RUN.fullmatch(run) is not None))
    return list(dict.fromkeys(terms))


def to_tsquery(terms: Iterable[QueryTerm], weight: str = "") -> str:
    """A tsquery AND-ing the terms, optionally only in parts of weight `weight` (e.g. 'A')."""
    return " & ".join(term.tsquery(weight) for term in terms)


# --- Snippets ---------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """`normalise` for matching inside original text: same length, so offsets carry over."""
    simplified = to_simplified(text)
    if len(simplified) != len(text):
        simplified = text
    folded = _FULL_WIDTH.sub(_half_width, simplified)
    lowered = folded.lower()
    return lowered if len(lowered) == len(text) else folded


@lru_cache(maxsize=256)
def highlight_pattern(query: str) -> re.Pattern | None:
    """Regex of what to mark: the query's words and Chinese runs, then their bigrams."""
    pieces = [match.group() for match in TOKEN.finditer(normalise(query))]
    candidates = set(pieces)
    for piece in pieces:
        if CJK_RUN.fullmatch(piece):
            candidates.update(piece[i : i + 2] for i in range(len(piece) - 1))
    if not candidates:
        return None
    ordered = sorted(candidates, key=lambda piece: (-len(piece), piece))
    return re.compile("|".join(re.escape(piece) for piece in ordered))


def make_snippet(texts: Iterable[str], query: str, before: int = 40, after: int = 100) -> str:
    """The first passage of `texts` (Markdown allowed) matching `query`, HTML-escaped, with
    every match inside `<mark>…</mark>`; the start of the first text when nothing matches.
    """
    pattern = highlight_pattern(query)
    opening = None
    for text in texts:  # made plain one at a time: most snippets are found in the first text
        text = plain_text(text) if text else ""
        if not text:
            continue
        opening = opening or text
        folded = _fold(text)
        first = pattern.search(folded) if pattern else None
        if first is None:
            continue
        start = max(0, first.start() - before)
        end = min(len(text), first.start() + after)
        return _marked(text, folded, pattern, start, end)
    if opening is None:
        return ""
    return html.escape(opening[: before + after]) + ("…" if len(opening) > before + after else "")


def _marked(text: str, folded: str, pattern: re.Pattern, start: int, end: int) -> str:
    out = ["…"] if start > 0 else []
    position = start
    for match in pattern.finditer(folded, start, end):
        out.append(html.escape(text[position : match.start()]))
        out.append(f"<mark>{html.escape(text[match.start() : match.end()])}</mark>")
        position = match.end()
    out.append(html.escape(text[position:end]))
    if end < len(text):
        out.append("…")
    return "".join(out)
