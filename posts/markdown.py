"""Markdown bodies (with the Liquid tags Jekyll blogs use) to sanitised HTML, and reading time.

Pure functions: pulldown-cmark (through pyromark) parses, posts.liquid handles the Liquid tags,
Pygments highlights, nh3 has the last word on the HTML.
"""

import math
import re
from fractions import Fraction
from functools import cache, lru_cache
from urllib.parse import quote

import nh3
import pyromark
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from posts.liquid import Highlight, StandIns, escape_html, restore_literals
from posts.search import ReadableText, readable_text

# --- Sanitising -------------------------------------------------------------------------------

ALLOWED_TAGS = {
    *("p", "br", "hr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"),
    *("a", "img", "figure", "figcaption", "ul", "ol", "li", "section"),
    *("pre", "code", "kbd", "span", "div"),
    *("table", "thead", "tbody", "tr", "th", "td"),
    *("em", "strong", "b", "i", "del", "s", "sup", "sub"),
}
# class: Pygments, math and footnote markup; id: headings and footnotes (fn1, fnref1).
ALLOWED_ATTRIBUTES = {
    **{tag: {"class"} for tag in ("code", "span", "div", "pre", "table", "sup", "section", "hr")},
    **{f"h{level}": {"id"} for level in range(1, 7)},
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title", "loading", "width", "height"},
    "ol": {"start", "class"},
    "li": {"id", "class"},
    "td": {"class", "colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Table alignment travels as align="…" (see _table_alignment_as_attribute): no style attributes.
ALLOWED_ATTRIBUTE_VALUES = {cell: {"align": {"left", "center", "right"}} for cell in ("th", "td")}
# Relative URLs (/path, #fn1, ../x.png) pass too; any other scheme loses the attribute.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}

_CLEANER = nh3.Cleaner(
    tags=ALLOWED_TAGS,
    clean_content_tags={"script", "style"},
    attributes=ALLOWED_ATTRIBUTES,
    tag_attribute_values=ALLOWED_ATTRIBUTE_VALUES,
    url_schemes=ALLOWED_URL_SCHEMES,
    link_rel="noopener noreferrer",
    strip_comments=True,
)


def sanitize_html(html: str) -> str:
    """Keep only the allow-listed tags, attributes and URL schemes; usable on any HTML body."""
    return _CLEANER.clean(html)


# --- Code highlighting ------------------------------------------------------------------------


@lru_cache(maxsize=256)
def _find_lexer(language: str) -> Lexer | None:
    """The lexer for a fence's language (shared: Pygments lexers keep no state between texts);
    the lookup scans every lexer's aliases, so it is cached. Bounded: the names come from posts."""
    try:
        return get_lexer_by_name(language) if language else None
    except ClassNotFound:
        return None


@cache
def _html_formatter(linenos: bool) -> HtmlFormatter:
    """One formatter per option set: building one renders its whole stylesheet."""
    return HtmlFormatter(wrapcode=True, linenos="table" if linenos else False)


def _code_block_html(code: str, language: str, linenos: bool = False) -> str:
    """Pygments HTML (CSS classes, line numbers in a table) or, for unknown languages, plain
    escaped code."""
    code = restore_literals(code)
    lexer = _find_lexer(language)
    if lexer is None:
        css_class = f' class="language-{escape_html(language)}"' if language else ""
        return f"<pre><code{css_class}>{escape_html(code)}</code></pre>\n"
    return highlight(code, lexer, _html_formatter(linenos))


# --- HTML from pulldown-cmark events ----------------------------------------------------------

_PARSER = pyromark.Markdown(
    options=pyromark.Options.ENABLE_TABLES
    | pyromark.Options.ENABLE_FOOTNOTES
    | pyromark.Options.ENABLE_STRIKETHROUGH
    | pyromark.Options.ENABLE_MATH
)
_INLINE_TAGS = {"Emphasis": "em", "Strong": "strong", "Strikethrough": "s"}
_ALIGNMENTS = {"Left": ' align="left"', "Center": ' align="center"', "Right": ' align="right"'}
_LINE_BREAKS = {"SoftBreak": "\n", "HardBreak": "<br />\n"}
_BLOCKS = {"Paragraph", "Heading", "BlockQuote", "CodeBlock", "List", "HtmlBlock", "Table"}
# Renderings of one body at most (see render_markdown): a bound for made-up input.
MAX_RENDERINGS = 4
# Block quotes, lists and list items nested deeper than this are written without their own
# tags (their content is kept), as markdown-it's CommonMark preset stopped at 20 levels:
# thousands of nested elements make sanitising the HTML take time quadratic in the depth.
MAX_NESTING = 20
_CONTAINERS = {"Item", "List", "BlockQuote"}
_FOOTNOTES_OPEN = (
    '<hr class="footnotes-sep" />\n<section class="footnotes">\n<ol class="footnotes-list">\n'
)
_BACKREF = "\u21a9\ufe0e"  # ↩ as text, not as Apple's emoji
# markdown-it's normalizeLink: percent-encode what a URL may not hold, keep %XX escapes; a
# host in other scripts as punycode (http, https and //host URLs).
_URL_UNSAFE = re.compile(r"%(?![0-9A-Fa-f]{2})|[^A-Za-z0-9;/?:@&=+$,\-_.!~*'()#%]+")
_URL_HOST = re.compile(r"(?:https?:)?//(?:[^/?#@]*@)?([^/?#:]*)", re.IGNORECASE)
_HOST_LABEL_SEPARATOR = re.compile("[.\u3002\uff0e\uff61]")


def _normalize_url(url: str) -> str:
    """A link or image destination as markdown-it wrote it (see _URL_UNSAFE)."""
    url = restore_literals(url)
    host = _URL_HOST.match(url)
    if host is not None and not host.group(1).isascii():
        labels = _HOST_LABEL_SEPARATOR.split(host.group(1))
        ascii_host = ".".join(_punycode(label) for label in labels)
        url = url[: host.start(1)] + ascii_host + url[host.end(1) :]
    return _URL_UNSAFE.sub(lambda match: quote(match.group(), safe=""), url)


def _punycode(label: str) -> str:
    return label if label.isascii() else "xn--" + label.encode("punycode").decode("ascii")


# An autolink's text, as markdown-it's normalizeLinkText showed it: UTF-8 percent-escapes
# decoded, but for characters that mean something in a URL; a punycode host in its own script.
_PERCENT_ESCAPES = re.compile(r"(?:%[0-9A-Fa-f]{2})+")
_URL_DELIMITERS = frozenset(";/?:@&=+$,#%")


def _readable_url(url: str) -> str:
    host = _URL_HOST.match(url)
    if host is not None and "xn--" in host.group(1).lower():
        labels = _HOST_LABEL_SEPARATOR.split(host.group(1))
        readable_host = ".".join(_from_punycode(label) for label in labels)
        url = url[: host.start(1)] + readable_host + url[host.end(1) :]
    return _PERCENT_ESCAPES.sub(_decode_escapes, url) if "%" in url else url


def _from_punycode(label: str) -> str:
    if not label.lower().startswith("xn--"):
        return label
    try:
        return label[4:].encode("ascii").decode("punycode")
    except UnicodeError:
        return label


def _decode_escapes(escapes: re.Match) -> str:
    text = bytes.fromhex(escapes.group().replace("%", "")).decode("utf-8", errors="replace")
    return "".join(f"%{ord(char):02X}" if char in _URL_DELIMITERS else char for char in text)


class _HtmlWriter:
    """pulldown-cmark events as the HTML markdown-it made: the same tags and line breaks, its
    footnote section and kramdown's math; Liquid stand-ins swapped back by posts.liquid."""

    def __init__(self, liquid: StandIns) -> None:
        self.liquid = liquid
        self.out: list[str] = []
        # Where the content of the innermost paragraph or tight list item starts in self.out.
        self.inline_start = -1
        # Math just written, settled by the next event: (index in out, content, is $$).
        self.math: tuple[int, str, bool] | None = None
        self.code: list[str] | None = None  # the text of the open code block
        self.code_info: str | None = None  # its fence's info string; None when indented
        self.autolink = False  # inside <https://…>: its text is a URL
        self.html: list[str] | None = None  # the lines of the open HTML block
        self.alt: list[str] | None = None  # the text of the open image, and nested images
        self.image: tuple[str, str, int] = ("", "", 0)
        self.lists: list[str] = []  # closing tags of the open lists
        self.nesting: list[bool] = []  # open containers: whether their tags were written
        self.written_depth = 0  # how many of them were
        self.alignments: tuple[str, ...] = ()
        self.cell_tag, self.cell, self.table_body = "td", 0, False
        self.footnotes: dict[str, str] = {}  # rendered definitions by label
        self.references: dict[str, list[int]] = {}  # label: [number, references so far]
        self.outside_footnote: list[tuple[list[str], str]] = []

    def write(self, events) -> str:
        handlers = self.HANDLERS
        for event in events:
            if self.math is not None and self._settle_math(event):
                continue
            if self.alt is not None:
                self._image_text(event)
            elif type(event) is str:
                if event == "Rule":
                    self._block("<hr />\n")
                    self.inline_start = len(self.out)
                else:
                    self.out.append(_LINE_BREAKS[event])
            else:
                kind = next(iter(event))
                handlers[kind](self, event[kind])
        self.math = None
        self._write_footnotes()
        return "".join(self.out)

    # -- blocks

    def _block(self, html: str) -> None:
        """Open a block (or write a whole one) on a new line: after <li> or a tight list
        item's text, the only output that does not end a line."""
        if self.out and not self.out[-1].endswith("\n"):
            self.out.append("\n")
        self.out.append(html)

    def _start_rendered_block(self) -> None:
        """Before a block markdown-it wrote with a render rule of its own (code, HTML): a new
        line only right after <li>, none after a tight item's text."""
        if self.out and self.out[-1] == "<li>":
            self.out.append("\n")

    def _nested_too_deep(self, kind: str) -> bool:
        """At the start of a container: whether it is past MAX_NESTING (then its tags are
        left out, not its content)."""
        written = self.written_depth < MAX_NESTING
        self.nesting.append(written)
        self.written_depth += written
        if not written:
            if kind == "List":
                self.lists.append("")
            elif kind == "Item":
                self.inline_start = len(self.out)
        return not written

    def _start(self, tag) -> None:
        out = self.out
        kind = tag if type(tag) is str else next(iter(tag))
        if kind in _CONTAINERS and self._nested_too_deep(kind):
            return
        if type(tag) is str:
            if tag in _INLINE_TAGS:
                out.append(f"<{_INLINE_TAGS[tag]}>")
            elif tag == "Paragraph":
                self._block("<p>")
                self.inline_start = len(out)
            elif tag == "Item":
                out.append("<li>")
                self.inline_start = len(out)
            elif tag == "TableCell":
                alignment = _ALIGNMENTS.get(self.alignments[self.cell], "")
                out.append(f"<{self.cell_tag}{alignment}>")
            elif tag == "TableRow":
                out.append("<tr>\n" if self.table_body else "<tbody>\n<tr>\n")
                self.cell_tag, self.cell, self.table_body = "td", 0, True
            elif tag == "TableHead":
                out.append("<thead>\n<tr>\n")
                self.cell_tag, self.cell = "th", 0
            elif tag == "HtmlBlock":
                self._start_rendered_block()
                self.html = []
            return
        name = next(iter(tag))
        data = tag[name]
        if name == "Link":
            self._start_link(data)
        elif name == "Heading":
            self._block(f"<h{data['level'][1]}>")
        elif name == "List":
            if data is None:
                self._block("<ul>\n")
            else:
                self._block("<ol>\n" if data == 1 else f'<ol start="{data}">\n')
            self.lists.append("</ul>\n" if data is None else "</ol>\n")
        elif name == "CodeBlock":
            self._start_rendered_block()
            self.code = []
            self.code_info = data["Fenced"] if type(data) is dict else None
        elif name == "BlockQuote":
            self._block("<blockquote>\n")
        elif name == "Image":
            self.alt = []
            self.image = (data["dest_url"], data["title"], 0)
        elif name == "Table":
            self._block("<table>\n")
            self.alignments, self.table_body = data, False
        elif name == "FootnoteDefinition":
            self.outside_footnote.append((self.out, data.casefold()))
            self.out = []

    def _end(self, tag) -> None:
        out = self.out
        kind = tag if type(tag) is str else next(iter(tag))
        if kind in _CONTAINERS and self.nesting:
            written = self.nesting.pop()
            self.written_depth -= written
        else:
            written = True
        if not written:
            if kind == "List":
                self.lists.pop()
            if kind in _BLOCKS:
                self.inline_start = len(out)
            return
        if type(tag) is str:
            if tag in _INLINE_TAGS:
                out.append(f"</{_INLINE_TAGS[tag]}>")
            elif tag == "Paragraph":
                out.append("</p>\n")
            elif tag == "Item":
                out.append("</li>\n")
            elif tag == "Link":
                out.append("</a>")
                self.autolink = False
            elif tag == "TableCell":
                out.append(f"</{self.cell_tag}>\n")
                self.cell += 1
            elif tag in ("TableRow", "TableHead"):
                out.append("</tr>\n" if tag == "TableRow" else "</tr>\n</thead>\n")
            elif tag == "CodeBlock":
                self._write_code_block()
            elif tag == "HtmlBlock":
                self._write_html_block()
            elif tag == "Table":
                out.append("</tbody>\n</table>\n" if self.table_body else "</table>\n")
            elif tag == "FootnoteDefinition":
                self._end_footnote_definition()
            name = tag
        else:
            name = next(iter(tag))
            if name == "Heading":
                out.append(f"</h{tag[name][1]}>\n")
            elif name == "List":
                out.append(self.lists.pop())
            elif name == "BlockQuote":
                if out[-1] == "<blockquote>\n":  # empty: markdown-it wrote no line break
                    out[-1] = "<blockquote>"
                out.append("</blockquote>\n")
        if name in _BLOCKS:  # a tight list item's text after this is a paragraph of its own
            self.inline_start = len(self.out)

    def _write_code_block(self) -> None:
        """A fence highlighted by Pygments; an indented block as plain code, as before."""
        code = self.liquid.literal("".join(self.code or ()))
        info = self.code_info
        self.code = self.code_info = None
        if info is None:  # every line of indented code ends with "\n", the last one too
            newline = "" if code.endswith("\n") else "\n"
            self.out.append(f"<pre><code>{escape_html(code)}{newline}</code></pre>\n")
            return
        info = self.liquid.literal(info).strip()
        self.out.append(_code_block_html(code, info.split(maxsplit=1)[0] if info else ""))

    def _write_html_block(self) -> None:
        """Raw HTML (nh3 cleans it later) with its Liquid rendered, or a {% highlight %} block
        (see StandIns.html_block)."""
        block = self.liquid.html_block("".join(self.html or ()))
        self.html = None
        if isinstance(block, Highlight):
            block = _code_block_html(block.code, block.language, block.linenos)
        self.out.append(block)

    # -- inline

    def _text(self, text: str) -> None:
        if self.code is not None:
            self.code.append(text)
        elif self.html is not None:  # the indent of an HTML block's first line
            self.html.append(text)
        elif self.autolink:
            self.out.append(escape_html(_readable_url(self.liquid.literal(text))))
        else:
            self.out.append(self.liquid.text_html(text))

    def _inline_code(self, code: str) -> None:
        self.out.append(f"<code>{escape_html(self.liquid.literal(code))}</code>")

    def _html_line(self, html: str) -> None:
        if self.html is not None:
            self.html.append(html)

    def _inline_html(self, html: str) -> None:
        self.out.append(self.liquid.inline_html(html))

    def _start_link(self, link: dict) -> None:
        href = link["dest_url"]
        if link["link_type"] == "Email":
            href = "mailto:" + href
        self.autolink = link["link_type"] == "Autolink"
        title = link["title"]
        title_html = f' title="{escape_html(self.liquid.literal(title))}"' if title else ""
        href = _normalize_url(self.liquid.literal(href))
        self.out.append(f'<a href="{escape_html(href)}"{title_html}>')

    def _image_text(self, event) -> None:
        """Inside an image: collect its alt text (text, code and HTML without markup, as
        markdown-it's renderInlineAsText) until the image ends, then write it."""
        alt = self.alt
        assert alt is not None
        if type(event) is str:
            if event != "Rule":
                alt.append("\n")
            return
        kind = next(iter(event))
        value = event[kind]
        source, title, depth = self.image
        if kind in ("Text", "Code", "InlineHtml"):
            alt.append(self.liquid.alt_text(value))
        elif kind == "Start" and type(value) is dict and "Image" in value:
            self.image = (source, title, depth + 1)
        elif kind == "End" and value == "Image":
            if depth:
                self.image = (source, title, depth - 1)
                return
            self.alt = None
            title_html = f' title="{escape_html(self.liquid.literal(title))}"' if title else ""
            source = _normalize_url(self.liquid.literal(source))
            self.out.append(
                f'<img src="{escape_html(source)}" alt="{escape_html("".join(alt))}"{title_html} />'
            )

    # -- math

    def _inline_math(self, content: str) -> None:
        self._write_math(content, double=False)

    def _display_math(self, content: str) -> None:
        self._write_math(content, double=True)

    def _write_math(self, content: str, double: bool) -> None:
        """As inline math for now; the next event may turn it into text (a digit follows) or,
        for `$$…$$`, into display math (see _settle_math)."""
        content = self.liquid.literal(content)
        if self.out and self.out[-1][-1:].isdigit():
            # Money, not math: markdown-it's dollarmath takes no `$` right after a digit.
            self.out.append(escape_html(_math_source(content, double)))
            return
        self.out.append(f'<span class="math inline">{escape_html(content.strip())}</span>')
        self.math = (len(self.out) - 1, content, double)

    def _settle_math(self, event) -> bool:
        """Settle the math just written, given the event after it; True if that event is
        consumed. Math followed by a digit is text (`$5$10`). `$$…$$` that opens a paragraph (or
        a tight list item) and ends its line is display math, as kramdown has it; the lines
        after it, if any, are a paragraph of their own."""
        index, content, double = self.math  # type: ignore[misc]
        self.math = None
        out = self.out
        if type(event) is dict and event.get("Text", "")[:1].isdigit():
            out[index] = escape_html(_math_source(content, double))
            return False
        if not double or index != self.inline_start:
            return False
        display = f'<div class="math display">{escape_html(content.strip())}</div>\n'
        line_ends = event in ("SoftBreak", "HardBreak")
        if out[index - 1] == "<p>":
            if not line_ends and event != {"End": "Paragraph"}:
                return False
            out[index - 1], out[index] = "", display
            if line_ends:
                out.append("<p>")
                self.inline_start = len(out)
            return True
        # The text of a tight list item (after <li> or after a block in the item).
        block_follows = event == "Rule" or (
            type(event) is dict
            and (event.get("End") == "Item" or _block_name(event.get("Start")) in _BLOCKS)
        )
        if not line_ends and not block_follows:
            return False
        out[index] = ("\n" if out[index - 1] == "<li>" else "") + display
        if line_ends:
            self.inline_start = len(out)
        return line_ends

    # -- footnotes

    def _footnote_reference(self, label: str) -> None:
        """markdown-it's footnote reference: numbered in order of first reference, the n-th
        reference to the same note has id fnrefN:n."""
        reference = self.references.setdefault(label.casefold(), [len(self.references) + 1, 0])
        number, seen = reference
        reference[1] += 1
        suffix = f":{seen}" if seen else ""
        self.out.append(
            f'<sup class="footnote-ref"><a href="#fn{number}" id="fnref{number}{suffix}">'
            f"[{number}{suffix}]</a></sup>"
        )

    def _end_footnote_definition(self) -> None:
        out, label = self.outside_footnote.pop()
        self.footnotes.setdefault(label, "".join(self.out))
        self.out = out

    def _write_footnotes(self) -> None:
        """The referenced notes at the end, as markdown-it's footnote plugin: a back link per
        reference, inside the note's last paragraph."""
        if not self.references:
            return
        items = []
        for label, (number, count) in self.references.items():
            note = self.footnotes.get(label, "")
            backrefs = "".join(
                f' <a href="#fnref{number}{f":{n}" if n else ""}" class="footnote-backref">'
                f"{_BACKREF}</a>"
                for n in range(count)
            )
            if note.endswith("</p>\n"):
                note = note[: -len("</p>\n")] + backrefs + "</p>\n"
            else:
                note += backrefs
            items.append(f'<li id="fn{number}" class="footnote-item">{note}</li>\n')
        self.out.append(_FOOTNOTES_OPEN + "".join(items) + "</ol>\n</section>\n")

    HANDLERS = {
        "Start": _start,
        "End": _end,
        "Text": _text,
        "Code": _inline_code,
        "Html": _html_line,
        "InlineHtml": _inline_html,
        "InlineMath": _inline_math,
        "DisplayMath": _display_math,
        "FootnoteReference": _footnote_reference,
    }


def _block_name(tag) -> str | None:
    """The name of a Start or End event's tag (None for no tag)."""
    return tag if tag is None or type(tag) is str else next(iter(tag))


def _math_source(content: str, double: bool) -> str:
    dollars = "$$" if double else "$"
    return dollars + content + dollars


def render_markdown(text: str) -> str:
    """A Markdown body (front matter already removed) as sanitised HTML.

    When a `{% highlight %}` line taken for a block tag turns out not to open a block (it was
    in a fence, in indented code or inside a paragraph), the body is rendered again with that
    line left as text, so that it hides no block tag after it."""
    skipped: frozenset[int] = frozenset()
    for _ in range(MAX_RENDERINGS):
        liquid = StandIns(text, skipped)
        html = _HtmlWriter(liquid).write(_PARSER.events(liquid.text))
        if not liquid.misplaced_highlights:
            break
        skipped |= liquid.highlight_offsets()
    return sanitize_html(restore_literals(html))


def render_body(text: str, body_format: str = "markdown") -> str:
    """The stored HTML of a body: Markdown rendered; an HTML body (Jekyll .html posts) only
    sanitised."""
    return sanitize_html(text) if body_format == "html" else render_markdown(text)


# --- Reading time -----------------------------------------------------------------------------

# Typical silent-reading speeds: Chinese ~300-500 characters a minute, English ~200-250 words.
CJK_CHARACTERS_PER_MINUTE = 400
LATIN_WORDS_PER_MINUTE = 230


def reading_time_minutes(text: str, readable: ReadableText | None = None) -> int:
    """Minutes to read a Markdown body, rounded up: ≥1 for any non-blank text, 0 for blank.

    Counted roughly on the text search reads (posts.search.readable_text(): markup, URLs and
    Liquid tags left out; code counted as prose): Chinese characters (and kana, hangul) at
    CJK_CHARACTERS_PER_MINUTE, other words at LATIN_WORDS_PER_MINUTE. `readable`:
    readable_text(text), when already at hand."""
    if not text.strip():
        return 0
    readable = readable or readable_text(text)
    if readable is None:
        return 1
    minutes = Fraction(readable.characters, CJK_CHARACTERS_PER_MINUTE) + Fraction(
        readable.word_count, LATIN_WORDS_PER_MINUTE
    )
    return max(1, math.ceil(minutes))
