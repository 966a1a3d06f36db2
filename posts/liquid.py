"""Jekyll's Liquid tags in Markdown bodies: swapped for stand-ins that Markdown leaves alone
before parsing (posts.markdown parses), and turned into HTML after: highlighted code, figures,
and every other tag shown as code."""

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

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


def escape_html(text: str) -> str:
    """Text or an attribute value as HTML (the four characters markdown-it escaped)."""
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")
    )


# --- Tags as HTML -----------------------------------------------------------------------------


def figure_parameters(tag: str) -> dict[str, str] | None:
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


def figure_html(parameters: dict[str, str], block: bool) -> str:
    """<figure><img></figure> for a block, a bare <img> inside a paragraph."""
    loading = "eager" if parameters.get("loading") == "eager" else "lazy"
    attributes = {"src": _image_source(parameters["path"]), "alt": parameters.get("alt", "")}
    attributes |= {name: parameters[name] for name in FIGURE_IMG_ATTRIBUTES if name in parameters}
    attributes["loading"] = loading
    rendered = " ".join(f'{name}="{escape_html(value)}"' for name, value in attributes.items())
    image = f"<img {rendered}>"
    if not block:
        return image
    caption = parameters.get("caption")
    caption_html = f"<figcaption>{escape_html(caption)}</figcaption>" if caption else ""
    return f"<figure>{image}{caption_html}</figure>"


def liquid_tag_html(tag: str, block: bool) -> str:
    """A figure include as an image; any other Liquid tag shown as inline code, never dropped."""
    parameters = figure_parameters(tag)
    if parameters is not None:
        return figure_html(parameters, block)
    return f'<code class="liquid">{escape_html(tag)}</code>'


# --- Stand-ins --------------------------------------------------------------------------------
#
# pulldown-cmark knows no Liquid. Before parsing, each Liquid tag is swapped for a stand-in made
# of Unicode noncharacters (removed from the input first), numbered N in a list of the original
# tags; after parsing each is swapped back: in running text as <code class="liquid"> or an
# image, as the tag it was inside code, math, raw HTML and URLs. Block tags get stand-ins that
# parse as an HTML block of CommonMark's type 3 (`<?` … `?>`): such a block interrupts a
# paragraph, keeps its lines unparsed (a `# comment` stays code), lives inside lists and
# blockquotes, and ends at a line holding `?>` or, like a fence, at the end of its container.
#   {% highlight python %}    <?\ufdd3N\ufdd2      opens the block; code lines follow
#   {% endhighlight %}        \ufdd4N\ufdd2?>      closes it
#   {% include figure… %}     <?\ufdd5N\ufdd2?>    a one-line block
#   any other tag             {\ufdd1N\ufdd2}      plain text, braces kept for Markdown's sake;
#                                                  with a space after \ufdd1 if the tag has one,
#                                                  so `[a]({{ x }})` stays no link
# Which lines hold block tags is decided line by line, without parsing. A {% highlight %} line
# that turns out not to open a block (it was in a fence, say) is noted when its stand-in is
# swapped back, and the caller swaps again with that line left alone (see StandIns).
INLINE_STAND_IN = "\ufdd1"
STAND_IN_END = "\ufdd2"
HIGHLIGHT_STAND_IN = "\ufdd3"
END_HIGHLIGHT_STAND_IN = "\ufdd4"
FIGURE_STAND_IN = "\ufdd5"
# "{" inside {% raw %}, so no Liquid rule matches there.
LITERAL_BRACE = "\ufdd0"
# A lone "~" (pulldown-cmark reads `~x~` as strikethrough, markdown-it only `~~x~~`).
LITERAL_TILDE = "\ufdd6"
# Splits "?>" in highlighted code, which would end its HTML block early.
HIDDEN = "\ufdd7"
_NONCHARACTERS = re.compile("[\ufdd0-\ufdd7]")
# Groups: 1 any other tag, 2 {% highlight %}, 3 {% endhighlight %}, 4 a figure.
_STAND_IN = re.compile(
    r"\{\ufdd1 ?(\d+)\ufdd2\}|<\?\ufdd3(\d+)\ufdd2|\ufdd4(\d+)\ufdd2\?>|<\?\ufdd5(\d+)\ufdd2\?>"
)
_HIGHLIGHT_GROUP, _FIGURE_GROUP = 2, 4
_BLOCK_STAND_IN = re.compile("[\ufdd3-\ufdd5]")
# A line holding only a `{% … %}` tag after any blockquote markers, list markers and indent.
_BLOCK_TAG_LINE = re.compile(
    r"^(?:[ \t]*+(?:>|(?:[-+*]|\d{1,9}[.)])(?=[ \t])))*+[ \t]*+(\{%[^\n]*%\})[ \t]*$",
    re.MULTILINE,
)
# Where the inline pass stops: a backslash escape, a backtick run (code spans are skipped whole,
# as markdown-it's backtick rule consumed them), or a Liquid opener.
_INLINE_STOP = re.compile(r"\\[!-/:-@\[-`{-~]|`+|\{[{%]")
_BACKTICK_RUN = re.compile(r"`+")
# A blank line (or a blockquote's empty line) ends a paragraph: no code span or tag spans it.
_PARAGRAPH_BREAK = re.compile(r"\n[ \t>]*(?=\n)")
# A tag may go on over lines, but not over one that may start a block (fence, heading, HTML,
# list, rule, table, footnote): that ends the paragraph first. Nor over a block stand-in.
_NOT_IN_A_TAG = re.compile(r"[\ufdd1-\ufdd5]|\n[ \t>]*+(?:```|~~~|\[\^|[#<\-*+_=|]|\d{1,9}[.)])")
_WHITESPACE = re.compile(r"\s")
_LONE_TILDE = re.compile(r"(?<!~)~(?!~)")
# The start of a paragraph's next line: its indent and blockquote markers are not its text.
_CONTINUATION_PREFIX = re.compile(r"\n[ \t>]*")
_LINE_INDENT = re.compile(r"\n[ \t]+")


@dataclass(frozen=True)
class Highlight:
    """The code of a {% highlight %} block, to be highlighted."""

    language: str
    linenos: bool
    code: str


class StandIns:
    """A body with its Liquid tags swapped for stand-ins (`text`, to parse), and the way back.

    Offsets in `skipped_highlights` are {% highlight %} lines to leave alone: those that a
    previous swap found in `misplaced_highlights` (see highlight_offsets)."""

    def __init__(self, body: str, skipped_highlights: frozenset[int] = frozenset()) -> None:
        body = protect_raw_sections(_NONCHARACTERS.sub("", body))
        self.tags: list[str] = []  # the tag stand-in N stands for
        self._highlight_offsets: dict[int, int] = {}  # {% highlight %} stand-in N: its line
        # {% highlight %} stand-ins swapped back anywhere but at the start of an HTML block.
        self.misplaced_highlights: set[int] = set()
        pieces = self._swap_block_tags(body, skipped_highlights) if "{%" in body else [body]
        pieces[::2] = [self._swap_inline_tags(piece) for piece in pieces[::2]]
        text = "".join(pieces)
        self.text = _LONE_TILDE.sub(LITERAL_TILDE, text) if "~" in text else text

    def highlight_offsets(self) -> frozenset[int]:
        """Where the misplaced {% highlight %} lines are, for the next swap to skip."""
        return frozenset(self._highlight_offsets[number] for number in self.misplaced_highlights)

    # -- swapping in

    def _add(self, tag: str, before: str, marker: str, after: str) -> str:
        self.tags.append(tag)
        return f"{before}{marker}{len(self.tags) - 1}{STAND_IN_END}{after}"

    def _swap_block_tags(self, text: str, skipped_highlights: frozenset[int]) -> list[str]:
        """`text` cut into text and block stand-ins (odd indexes): `{% highlight %}` lines (but
        the skipped ones), the `{% endhighlight %}` line closing each (in the same blockquote:
        as many ">" before it), and lines holding only a figure include outside highlights."""
        pieces, position, highlight_depth = [], 0, None
        for line in _BLOCK_TAG_LINE.finditer(text):
            tag, depth = line.group(1), text.count(">", line.start(), line.start(1))
            before = text[position : line.start(1)]
            if highlight_depth is not None:
                if depth != highlight_depth or not HIGHLIGHT_CLOSE.fullmatch(tag):
                    continue
                before, highlight_depth = before.replace("?>", f"?{HIDDEN}>"), None
                stand_in = self._add(tag, "", END_HIGHLIGHT_STAND_IN, "?>")
            elif HIGHLIGHT_OPEN.fullmatch(tag) and line.start(1) not in skipped_highlights:
                self._highlight_offsets[len(self.tags)] = line.start(1)
                stand_in, highlight_depth = self._add(tag, "<?", HIGHLIGHT_STAND_IN, ""), depth
            elif _is_figure_tag(tag):
                stand_in = self._add(tag, "<?", FIGURE_STAND_IN, "?>")
            else:
                continue
            pieces += (before, stand_in)
            position = line.end(1)
        rest = text[position:]
        pieces.append(rest if highlight_depth is None else rest.replace("?>", f"?{HIDDEN}>"))
        return pieces

    def _swap_inline_tags(self, text: str) -> str:
        """`text` with each `{{ … }}` / `{% … %}` outside code spans as an inline stand-in."""
        if "{{" not in text and "{%" not in text:
            return text
        pieces, position = [], 0
        for paragraph_break in _PARAGRAPH_BREAK.finditer(text):
            pieces.append(self._swap_paragraph_tags(text[position : paragraph_break.start()]))
            position = paragraph_break.start()
        pieces.append(self._swap_paragraph_tags(text[position:]))
        return "".join(pieces)

    def _swap_paragraph_tags(self, text: str) -> str:
        """_swap_inline_tags within one paragraph: a tag starts where markdown-it's inline rules
        looked (not escaped, not in a code span) and ends at the first closer."""
        if "{{" not in text and "{%" not in text:
            return text
        code_span_ends = _code_span_ends(text) if "`" in text else {}
        pieces, position, scan = [], 0, 0
        while stop := _INLINE_STOP.search(text, scan):
            start, first = stop.start(), stop.group()[0]
            if first == "\\":
                scan = stop.end()
            elif first == "`":
                scan = code_span_ends.get(start, stop.end())
            elif (end := _liquid_tag_end(text, start)) is None:
                scan = start + 1
            else:
                tag = text[start:end]
                space = " " if _WHITESPACE.search(tag) else ""
                pieces += (text[position:start], self._add(tag, "{", INLINE_STAND_IN + space, "}"))
                position = scan = end
        pieces.append(text[position:])
        return "".join(pieces)

    # -- swapping back

    def _tag(self, stand_in: re.Match) -> str:
        """The tag a stand-in stands for. A {% highlight %} stand-in swapped back here did not
        open a block (it is code, text or HTML): noted in misplaced_highlights."""
        number = int(stand_in.group(stand_in.lastindex))
        if stand_in.lastindex == _HIGHLIGHT_GROUP:
            self.misplaced_highlights.add(number)
        return self.tags[number]

    def literal(self, text: str) -> str:
        """Parsed text of code, math, a URL or raw HTML, with each stand-in back as its tag."""
        if STAND_IN_END not in text:
            return text
        return _STAND_IN.sub(self._tag, text)

    def text_html(self, text: str) -> str:
        """Parsed running text as HTML: escaped, each stand-in as its tag's HTML (code or an
        image)."""
        if STAND_IN_END not in text:
            return escape_html(text)
        pieces, position = [], 0
        for match in _STAND_IN.finditer(text):
            pieces.append(escape_html(text[position : match.start()]))
            tag = self._tag(match)
            if "\n" in tag:  # lines of a paragraph, read without their indent and ">"
                tag = _CONTINUATION_PREFIX.sub("\n", tag)
            pieces.append(liquid_tag_html(tag, block=False))
            position = match.end()
        pieces.append(escape_html(text[position:]))
        return "".join(pieces)

    def inline_html(self, html: str) -> str:
        """Raw inline HTML as is (Liquid in it literal, as markdown-it left it); a `<?…?>` made
        of block stand-ins that are not at the start of a block is text after all."""
        if STAND_IN_END not in html:
            return html
        if _BLOCK_STAND_IN.search(html):
            return self.text_html(_LINE_INDENT.sub("\n", html))
        return self.literal(html)

    def alt_text(self, text: str) -> str:
        """Text of an image's alt: Liquid left out, as markdown-it did."""
        return _STAND_IN.sub("", text) if STAND_IN_END in text else text

    def html_block(self, html: str) -> str | Highlight:
        """A raw HTML block as it will be written: with Liquid inside rendered too, as in
        al-folio's `<div class="row">{% include figure.liquid … %}</div>`, except in <pre>. A
        block stand-in: the figure, or the code of its {% highlight %} block."""
        first = html.lstrip(" ")
        block_tag = _STAND_IN.match(first) if first.startswith("<?") else None
        if block_tag is not None and block_tag.lastindex in (_HIGHLIGHT_GROUP, _FIGURE_GROUP):
            tag = self.tags[int(block_tag.group(block_tag.lastindex))]
            if block_tag.lastindex == _HIGHLIGHT_GROUP:
                return self._highlight(tag, html)
            return liquid_tag_html(tag, block=True) + "\n"
        html = self.literal(html)
        if PRE_HTML_BLOCK.match(html):
            return html
        return LIQUID_TAG.sub(lambda match: liquid_tag_html(match.group(), block=True), html)

    def _highlight(self, tag: str, html: str) -> Highlight:
        """The lines after a {% highlight %} stand-in up to its {% endhighlight %} (or the end
        of the container), less the opening tag's indent."""
        opening, *lines = html.splitlines(keepends=True)
        indent = len(opening) - len(opening.lstrip(" "))
        code = []
        for line in lines:
            if END_HIGHLIGHT_STAND_IN in line:
                break
            code.append(line[min(indent, len(line) - len(line.lstrip(" "))) :])
        match = HIGHLIGHT_OPEN.fullmatch(tag)
        language, linenos = (match.group(1), "linenos" in match.group(2)) if match else ("", False)
        return Highlight(language, linenos, self.literal("".join(code)))


def protect_raw_sections(text: str) -> str:
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


def restore_literals(text: str) -> str:
    """The characters stand-ins hid: "{" of {% raw %}, lone "~", the split of "?>"."""
    if LITERAL_BRACE in text:
        text = text.replace(LITERAL_BRACE, "{")
    if LITERAL_TILDE in text:
        text = text.replace(LITERAL_TILDE, "~")
    if HIDDEN in text:
        text = text.replace(HIDDEN, "")
    return text


def _is_figure_tag(tag: str) -> bool:
    """One whole Liquid tag that is a figure include with a path."""
    whole = LIQUID_TAG.match(tag)
    return whole is not None and whole.end() == len(tag) and figure_parameters(tag) is not None


def _liquid_tag_end(text: str, start: int) -> int | None:
    """Where the Liquid tag opening at `start` ends, if it closes within MAX_LIQUID_TAG_BODY."""
    closer = LIQUID_CLOSERS[text[start : start + 2]]
    end = text.find(closer, start + 2, start + 2 + MAX_LIQUID_TAG_BODY + len(closer))
    if end == -1 or _NOT_IN_A_TAG.search(text, start + 2, end + 1):
        return None
    return end + len(closer)


def _code_span_ends(text: str) -> dict[int, int]:
    """Where each code span of `text` ends, by where it starts: a backtick run is closed by the
    next run of the same length (CommonMark); one with no such run is literal."""
    ends: dict[int, int] = {}
    next_run_end: dict[int, int] = {}
    for run in reversed(list(_BACKTICK_RUN.finditer(text))):
        length = run.end() - run.start()
        if length in next_run_end:
            ends[run.start()] = next_run_end[length]
        next_run_end[length] = run.end()
    return ends
