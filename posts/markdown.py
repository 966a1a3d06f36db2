"""Markdown bodies (with the Liquid tags Jekyll blogs use) to sanitised HTML, and reading time.

Pure functions: markdown-it-py parses, Pygments highlights, nh3 has the last word on the HTML.
"""

import math
import re
from fractions import Fraction
from functools import cache, lru_cache
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.rules_block import StateBlock
from markdown_it.rules_core import StateCore
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.footnote.index import footnote_ref
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

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


# --- Liquid -----------------------------------------------------------------------------------

# A closing `}}`/`%}` is looked for at most this far, so runs of unclosed `{{` stay linear.
MAX_LIQUID_TAG_BODY = 1000
LIQUID_CLOSERS = {"{{": "}}", "{%": "%}"}
_LIQUID_TAG_BODY = rf"[\s\S]{{0,{MAX_LIQUID_TAG_BODY}}}?"
LIQUID_TAG = re.compile(rf"\{{%{_LIQUID_TAG_BODY}%\}}|\{{\{{{_LIQUID_TAG_BODY}\}}\}}")
RAW_OPEN = re.compile(r"\{%-?\s*raw\s*-?%\}")
RAW_CLOSE = re.compile(r"\{%-?\s*endraw\s*-?%\}")
HIGHLIGHT_OPEN = re.compile(r"\{%-?\s*highlight\s+([\w+#.-]+)((?:\s+[\w=\"'-]+)*)\s*-?%\}")
HIGHLIGHT_CLOSE = re.compile(r"\{%-?\s*endhighlight\s*-?%\}")
FIGURE_INCLUDE = re.compile(
    r"\{%-?\s*include\s+figure(?:\.liquid|\.html)?\s([\s\S]*)%\}", re.IGNORECASE
)
# Only quoted values are literals; unquoted ones (zoomable=true, path=page.x) are ignored.
FIGURE_PARAMETER = re.compile(r"""(\w+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
FIGURE_IMG_ATTRIBUTES = ("alt", "title", "width", "height")
PRE_HTML_BLOCK = re.compile(r"\s*<pre[\s>]", re.IGNORECASE)
# A Unicode noncharacter (reserved for internal use) stands in for "{" inside {% raw %}, so
# no Liquid rule matches there; render_markdown turns it back into "{" before sanitising.
LITERAL_BRACE = "\ufdd0"


def _protect_raw_sections(text: str) -> str:
    """Drop {% raw %}/{% endraw %} markers (anywhere, code included, as Jekyll does) and make
    the Liquid between them literal. An unclosed {% raw %} is left alone."""
    parts, position = [], 0
    while opening := RAW_OPEN.search(text, position):
        closing = RAW_CLOSE.search(text, opening.end())
        if closing is None:
            break
        parts.append(text[position : opening.start()])
        parts.append(text[opening.end() : closing.start()].replace("{", LITERAL_BRACE))
        position = closing.end()
    parts.append(text[position:])
    return "".join(parts)


def _figure_parameters(tag: str) -> dict[str, str] | None:
    """The quoted parameters of one `{% include figure… %}` tag, or None if it is not a figure
    include with a path."""
    match = FIGURE_INCLUDE.fullmatch(tag)
    if match is None:
        return None
    found = FIGURE_PARAMETER.finditer(match.group(1))
    parameters = {m.group(1).lower(): m.group(2) or m.group(3) or "" for m in found}
    return parameters if parameters.get("path") else None


def _image_source(path: str) -> str:
    """Site-relative paths (assets/img/x.png) become root-relative; others are kept as given."""
    if urlsplit(path).scheme or path.startswith("/"):
        return path
    return "/" + path


def _figure_html(parameters: dict[str, str], block: bool) -> str:
    """<figure><img></figure> for a block, a bare <img> inside a paragraph."""
    loading = "eager" if parameters.get("loading") == "eager" else "lazy"
    attributes = {"src": _image_source(parameters["path"]), "alt": parameters.get("alt", "")}
    attributes |= {name: parameters[name] for name in FIGURE_IMG_ATTRIBUTES if name in parameters}
    attributes["loading"] = loading
    rendered = " ".join(f'{name}="{escapeHtml(value)}"' for name, value in attributes.items())
    image = f"<img {rendered}>"
    if not block:
        return image
    caption = parameters.get("caption")
    caption_html = f"<figcaption>{escapeHtml(caption)}</figcaption>" if caption else ""
    return f"<figure>{image}{caption_html}</figure>"


def _liquid_tag_html(tag: str, block: bool) -> str:
    """A figure include as an image; any other Liquid tag shown as inline code, never dropped."""
    parameters = _figure_parameters(tag)
    if parameters is not None:
        return _figure_html(parameters, block)
    return f'<code class="liquid">{escapeHtml(tag)}</code>'


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
    code = code.replace(LITERAL_BRACE, "{")
    lexer = _find_lexer(language)
    if lexer is None:
        css_class = f' class="language-{escapeHtml(language)}"' if language else ""
        return f"<pre><code{css_class}>{escapeHtml(code)}</code></pre>\n"
    return highlight(code, lexer, _html_formatter(linenos))


# --- markdown-it rules ------------------------------------------------------------------------


def _line_text(state: StateBlock, line: int) -> str:
    return state.src[state.bMarks[line] + state.tShift[line] : state.eMarks[line]]


def _liquid_highlight_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """`{% highlight LANG [linenos] %}` … `{% endhighlight %}`, each tag on its own line.
    Like a code fence, an unclosed block runs to the end of its container."""
    if state.is_code_block(start):
        return False
    opening = HIGHLIGHT_OPEN.fullmatch(_line_text(state, start).rstrip())
    if opening is None:
        return False
    if silent:
        return True
    line, closed = start + 1, False
    while line < end:
        text = _line_text(state, line)
        if text and state.sCount[line] < state.blkIndent:
            break
        if HIGHLIGHT_CLOSE.fullmatch(text.rstrip()):
            closed = True
            break
        line += 1
    token = state.push("liquid_highlight", "code", 0)
    token.content = state.getLines(start + 1, line, state.sCount[start], True)
    token.meta = {"language": opening.group(1), "linenos": "linenos" in opening.group(2)}
    state.line = line + 1 if closed else line
    token.map = [start, state.line]
    return True


def _liquid_figure_block(state: StateBlock, start: int, end: int, silent: bool) -> bool:
    """A line holding only `{% include figure.liquid path="…" … %}` becomes a <figure>."""
    if state.is_code_block(start):
        return False
    line = _line_text(state, start).rstrip()
    tag = LIQUID_TAG.match(line)
    parameters = _figure_parameters(tag.group()) if tag and tag.end() == len(line) else None
    if parameters is None:
        return False
    if silent:
        return True
    token = state.push("liquid_figure", "figure", 0)
    token.meta = parameters
    token.map = [start, start + 1]
    state.line = start + 1
    return True


def _liquid_inline(state: StateInline, silent: bool) -> bool:
    """`{% … %}` or `{{ … }}` in running text (code spans are consumed earlier by backticks).
    Same match as LIQUID_TAG, with str.find for speed on this hot path."""
    start = state.pos
    closer = LIQUID_CLOSERS.get(state.src[start : start + 2])
    if closer is None:
        return False
    stop = min(state.posMax, start + 2 + MAX_LIQUID_TAG_BODY + len(closer))
    end = state.src.find(closer, start + 2, stop)
    if end == -1:
        return False
    if not silent:
        state.push("liquid_tag", "", 0).content = state.src[start : end + len(closer)]
    state.pos = end + len(closer)
    return True


# A footnote reference label: no space, newline or bracket (see _footnote_ref_in_linear_time).
FOOTNOTE_REF = re.compile(r"\[\^[^\[\] \n]+\]")


def _footnote_ref_in_linear_time(state: StateInline, silent: bool) -> bool:
    """mdit's footnote_ref scans from every `[^` to the next space or `]`: quadratic on `[^[^…`
    once the body defines a footnote. Refusing labels that contain `[` bounds each scan."""
    if not FOOTNOTE_REF.match(state.src, state.pos, state.posMax):
        return False
    return footnote_ref(state, silent)


def _table_alignment_as_attribute(state: StateCore) -> None:
    """Table cells carry style="text-align:…"; swap it for align="…" so no style survives."""
    for token in state.tokens:
        style = str(token.attrGet("style") or "")
        if token.type in ("th_open", "td_open") and style.startswith("text-align:"):
            del token.attrs["style"]
            token.attrSet("align", style.removeprefix("text-align:"))


# --- markdown-it renderers (signature: self, tokens, idx, options, env) -----------------------


def _render_fence(self, tokens, idx, options, env) -> str:
    info = unescapeAll(tokens[idx].info).strip()
    return _code_block_html(tokens[idx].content, info.split(maxsplit=1)[0] if info else "")


def _render_liquid_highlight(self, tokens, idx, options, env) -> str:
    token = tokens[idx]
    return _code_block_html(token.content, token.meta["language"], token.meta["linenos"])


def _render_liquid_figure(self, tokens, idx, options, env) -> str:
    return _figure_html(tokens[idx].meta, block=True) + "\n"


def _render_liquid_tag(self, tokens, idx, options, env) -> str:
    return _liquid_tag_html(tokens[idx].content, block=False)


def _render_html_block(self, tokens, idx, options, env) -> str:
    """Raw HTML passes through (nh3 cleans it later), with Liquid inside it rendered too, as in
    al-folio's `<div class="row">{% include figure.liquid … %}</div>`; <pre> blocks stay as is."""
    html = tokens[idx].content
    if PRE_HTML_BLOCK.match(html):
        return html
    return LIQUID_TAG.sub(lambda match: _liquid_tag_html(match.group(), block=True), html)


def _render_inline_math(self, tokens, idx, options, env) -> str:
    return f'<span class="math inline">{escapeHtml(tokens[idx].content.strip())}</span>'


def _render_display_math(self, tokens, idx, options, env) -> str:
    return f'<div class="math display">{escapeHtml(tokens[idx].content.strip())}</div>\n'


def _build_markdown() -> MarkdownIt:
    """CommonMark + tables, strikethrough, footnotes, dollar math and the Jekyll Liquid tags.

    Math follows kramdown: `$$…$$` on its own lines is display math, `$$…$$` inside a paragraph
    is inline; `$…$` is inline unless it looks like money (`$5 and $6`, `$ 5 $`)."""
    md = MarkdownIt("commonmark", {"linkify": False}).enable(["table", "strikethrough"])
    footnote_plugin(md)
    md.inline.ruler.at("footnote_ref", _footnote_ref_in_linear_time)
    dollarmath_plugin(
        md,
        allow_labels=False,
        allow_space=False,
        allow_digits=False,
        allow_blank_lines=False,
        double_inline=True,
    )
    terminates = {"alt": ["paragraph", "reference", "blockquote", "list"]}
    md.block.ruler.before("fence", "liquid_highlight", _liquid_highlight_block, terminates)
    md.block.ruler.before("fence", "liquid_figure", _liquid_figure_block, terminates)
    md.inline.ruler.before("escape", "liquid_tag", _liquid_inline)
    md.core.ruler.push("table_alignment_as_attribute", _table_alignment_as_attribute)
    renderers = {
        "fence": _render_fence,
        "liquid_highlight": _render_liquid_highlight,
        "liquid_figure": _render_liquid_figure,
        "liquid_tag": _render_liquid_tag,
        "html_block": _render_html_block,
        "math_inline": _render_inline_math,
        "math_inline_double": _render_inline_math,
        "math_block": _render_display_math,
    }
    for token_type, renderer in renderers.items():
        md.add_render_rule(token_type, renderer)
    return md


_MARKDOWN = _build_markdown()


def render_markdown(text: str) -> str:
    """A Markdown body (front matter already removed) as sanitised HTML."""
    source = _protect_raw_sections(text.replace(LITERAL_BRACE, ""))
    html = _MARKDOWN.render(source).replace(LITERAL_BRACE, "{")
    return sanitize_html(html)


def render_body(text: str, body_format: str = "markdown") -> str:
    """The stored HTML of a body: Markdown rendered; an HTML body (Jekyll .html posts) only
    sanitised."""
    return sanitize_html(text) if body_format == "html" else render_markdown(text)


# --- Reading time -----------------------------------------------------------------------------

# Typical silent-reading speeds: Chinese ~300-500 characters a minute, English ~200-250 words.
CJK_CHARACTERS_PER_MINUTE = 400
LATIN_WORDS_PER_MINUTE = 230
CJK_CHARACTER = re.compile(
    "[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff"
    "\uac00-\ud7af\uf900-\ufaff\uff66-\uff9f\U00020000-\U0003134f]"
)
CJK_RUN_SPLIT = re.compile(f"({CJK_CHARACTER.pattern}+)")  # split() keeps the runs at odd places
# A "word": a run of letters/digits (any script but CJK), joined across apostrophes (don't).
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Markup that is not read: Liquid tags, HTML tags and autolinks, link and image destinations.
UNREAD_MARKUP = re.compile(r"\{%[^%]*%\}|\{\{[^{}]*\}\}|<[^<>]*>|\]\([^()\s]*\)")


def reading_time_minutes(text: str) -> int:
    """Minutes to read a Markdown body, rounded up: ≥1 for any non-blank text, 0 for blank.

    Counted roughly: CJK characters at CJK_CHARACTERS_PER_MINUTE plus other words at
    LATIN_WORDS_PER_MINUTE, after UNREAD_MARKUP is dropped; code is counted as prose."""
    if not text.strip():
        return 0
    pieces = CJK_RUN_SPLIT.split(UNREAD_MARKUP.sub(" ", text))
    characters = sum(map(len, pieces[1::2]))
    words = len(WORD.findall(" ".join(pieces[0::2])))
    minutes = Fraction(characters, CJK_CHARACTERS_PER_MINUTE) + Fraction(
        words, LATIN_WORDS_PER_MINUTE
    )
    return max(1, math.ceil(minutes))
