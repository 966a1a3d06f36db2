"""Tests for posts.markdown: Liquid tags, code, footnotes, tables, math, sanitising, speed, reading
time, and the sample posts. Plain functions, no database."""

import html
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posts.markdown import MAX_NESTING, reading_time_minutes, render_markdown, sanitize_html
from posts.search import body_tokens, readable_text

SAMPLE_POSTS = Path(__file__).resolve().parents[2] / "shared" / "samples" / "blog" / "_posts"


def visible_text(rendered: str) -> str:
    """What a reader sees: tags removed, entities decoded."""
    return html.unescape(re.sub(r"<[^>]+>", "", rendered))


def outside_code(rendered: str) -> str:
    return re.sub(r"<code[^>]*>.*?</code>", "", rendered, flags=re.DOTALL)


# --- {% highlight %} ------------------------------------------------------------------------


def test_highlight_with_linenos_is_a_pygments_table():
    source = (
        "Answer:\n\n{% highlight python linenos %}\nimport os\nprint(os.sep)\n{% endhighlight %}\n"
    )
    rendered = render_markdown(source)
    assert '<table class="highlighttable">' in rendered
    assert '<td class="linenos">' in rendered
    assert '<span class="kn">import</span>' in rendered
    assert "{%" not in rendered


def test_highlight_without_linenos_has_no_line_numbers():
    rendered = render_markdown("{% highlight python %}\nx = 1\n{% endhighlight %}")
    assert rendered.startswith('<div class="highlight"><pre>')
    assert "linenos" not in rendered


def test_highlight_with_unknown_language_is_plain_escaped_code():
    rendered = render_markdown("{% highlight nosuchlang %}\n<b>x</b>\n{% endhighlight %}")
    assert (
        rendered == '<pre><code class="language-nosuchlang">&lt;b&gt;x&lt;/b&gt;\n</code></pre>\n'
    )


@pytest.mark.parametrize(
    "source",
    [
        "{% highlight python %}\nprint('{{ x }}', '{% if %}')\n{% endhighlight %}",
        "{% highlight text %}\n```\n{{ x }} {% if %}\n```\n{% endhighlight %}",
        "```\n{% highlight python %}\n{{ x }} {% if %}\n{% endhighlight %}\n```",
    ],
    ids=["liquid-in-highlight", "fence-in-highlight", "highlight-in-fence"],
)
def test_liquid_inside_code_stays_literal(source):
    rendered = render_markdown(source)
    assert "{{ x }}" in visible_text(rendered)
    assert "{% if %}" in visible_text(rendered)
    assert rendered.count("<pre>") == 1


@pytest.mark.parametrize(
    "source",
    [
        "1. Step one\n\n   {% highlight python %}\n   x = 1\n   {% endhighlight %}\n2. Step two",
        "> {% highlight python %}\n> x = 1\n> {% endhighlight %}",
        "Text right above\n{% highlight python %}\nx = 1\n{% endhighlight %}",
    ],
    ids=["in-list", "in-blockquote", "after-paragraph"],
)
def test_highlight_works_inside_containers(source):
    rendered = render_markdown(source)
    assert '<span class="n">x</span> <span class="o">=</span>' in rendered
    assert "{%" not in rendered


def test_unclosed_highlight_runs_to_the_end_like_a_fence():
    rendered = render_markdown("{% highlight python %}\nx = 1\n\n# Not a heading")
    assert "<h1>" not in rendered
    assert "# Not a heading" in visible_text(rendered)


@pytest.mark.parametrize(
    "source",
    [
        '```liquid\n{% highlight python %}\n```\n\n{% include figure.liquid path="a.png" %}',
        'Text\n\n    {% highlight python %}\n\n{% include figure.liquid path="a.png" %}',
        'Text\n    {% highlight python %}\n\n{% include figure.liquid path="a.png" %}',
    ],
    ids=["in-fence", "in-indented-code", "in-paragraph"],
)
def test_highlight_tag_that_opens_no_block_hides_no_block_tag_after_it(source):
    rendered = render_markdown(source)
    assert "{% highlight python %}" in visible_text(rendered)
    assert '<figure><img src="/a.png"' in rendered


def test_highlight_tags_inside_a_paragraph_are_text():
    rendered = render_markdown(
        "Text\n    {% highlight python %}\n    # not a heading\n    {% endhighlight %}"
    )
    assert rendered == (
        '<p>Text\n<code class="liquid">{% highlight python %}</code>\n# not a heading\n'
        '<code class="liquid">{% endhighlight %}</code></p>\n'
    )


def test_only_an_endhighlight_in_the_same_blockquote_closes_a_highlight():
    rendered = render_markdown(
        "{% highlight text %}\na\n> {% endhighlight %}\nb\n{% endhighlight %}"
    )
    assert rendered.count("<pre>") == 1
    assert visible_text(rendered) == "a\n> {% endhighlight %}\nb\n\n"


def test_highlighted_code_may_hold_closing_processing_instructions():
    rendered = render_markdown(
        "{% highlight php %}\n<?php echo 1; ?>\nafter\n{% endhighlight %}\n\nText"
    )
    assert visible_text(rendered) == "<?php echo 1; ?>\nafter\n\nText\n"
    assert rendered.endswith("<p>Text</p>\n")


# --- fenced and inline code -----------------------------------------------------------------


def test_fenced_code_with_language_is_highlighted():
    rendered = render_markdown("```python\ndef f():\n    return {1: 2}\n```")
    assert rendered.startswith('<div class="highlight"><pre>')
    assert '<span class="k">def</span>' in rendered


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("```\na < b\n```", "<pre><code>a &lt; b\n</code></pre>\n"),
        (
            "```nosuchlang\na < b\n```",
            '<pre><code class="language-nosuchlang">a &lt; b\n</code></pre>\n',
        ),
    ],
)
def test_fenced_code_without_known_language_is_plain(source, expected):
    assert render_markdown(source) == expected


def test_liquid_in_inline_code_stays_literal():
    rendered = render_markdown("Write `{{ page.title }}` or `{% if x %}`.")
    assert "<code>{{ page.title }}</code>" in rendered
    assert "<code>{% if x %}</code>" in rendered


# --- {% include figure.liquid %} --------------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        (
            '{% include figure.liquid loading="eager" path="assets/img/2024/a.webp" sizes = "400px"'
            ' zoomable=true class="img-fluid rounded z-depth-1" %}',
            '<figure><img src="/assets/img/2024/a.webp" alt="" loading="eager"></figure>',
        ),
        (
            "{% include figure.liquid alt='A \"quoted\" chart' path='assets/img/chart.png' %}",
            '<figure><img src="/assets/img/chart.png" alt="A &quot;quoted&quot; chart"'
            ' loading="lazy"></figure>',
        ),
        (
            '{%- include figure.html path="/img/b.png" title="T" width="300" -%}',
            '<figure><img src="/img/b.png" alt="" title="T" width="300" loading="lazy"></figure>',
        ),
        (
            '{% include figure.liquid path="https://example.com/c.jpg" caption="A < B" %}',
            '<figure><img src="https://example.com/c.jpg" alt="" loading="lazy">'
            "<figcaption>A &lt; B</figcaption></figure>",
        ),
    ],
    ids=["al-folio", "single-quotes", "root-relative", "absolute-with-caption"],
)
def test_figure_include_on_its_own_line(tag, expected):
    assert render_markdown(tag) == expected + "\n"


def test_consecutive_figure_lines_are_separate_figures():
    line = '{% include figure.liquid path="assets/img/x.png" class="img-fluid" %}\n'
    rendered = render_markdown("Look:\n" + line * 3)
    assert rendered.startswith("<p>Look:</p>\n<figure>")
    assert rendered.count("<figure>") == 3


def test_figure_include_inside_a_paragraph_is_an_image():
    rendered = render_markdown('See {% include figure.liquid path="a.png" alt="A" %} here.')
    assert rendered == '<p>See <img src="/a.png" alt="A" loading="lazy"> here.</p>\n'


def test_figure_include_inside_raw_html_is_rendered():
    source = '<div class="row">\n  {% include figure.liquid path="assets/img/9.jpg" %}\n</div>'
    rendered = render_markdown(source)
    assert '<div class="row">\n  <figure><img src="/assets/img/9.jpg"' in rendered


def test_figure_include_without_a_path_is_shown_as_code():
    rendered = render_markdown("{% include figure.liquid alt='no path' %}")
    assert (
        rendered
        == "<p><code class=\"liquid\">{% include figure.liquid alt='no path' %}</code></p>\n"
    )


# --- {% raw %} and other Liquid -----------------------------------------------------------------


def test_raw_content_is_shown_literally_as_text():
    rendered = render_markdown("Print {% raw %}{{ page.title }}{% endraw %} in a layout.")
    assert rendered == "<p>Print {{ page.title }} in a layout.</p>\n"


@pytest.mark.parametrize(
    "source",
    [
        "{% raw %}\n```liquid\n{{ page.title }}\n```\n{% endraw %}",
        "```liquid\n{% raw %}\n{{ page.title }}\n{% endraw %}\n```",
    ],
    ids=["raw-around-fence", "raw-inside-fence"],
)
def test_raw_markers_disappear_and_code_stays_code(source):
    rendered = render_markdown(source)
    assert "{{ page.title }}" in visible_text(rendered)
    assert "raw" not in rendered
    assert "```" not in rendered


def test_unclosed_raw_is_shown_as_code():
    assert (
        render_markdown("{% raw %} oops") == '<p><code class="liquid">{% raw %}</code> oops</p>\n'
    )


@pytest.mark.parametrize(
    "tag",
    [
        "{{ site.url }}",
        "{% if page.toc %}",
        "{% post_url 2024-01-19-cvpr-en %}",
        "{%- assign n = 1 -%}",
        '{% include video.liquid path="assets/v.mp4" %}',
        '{{< figure src="x.png" >}}',
    ],
)
def test_other_liquid_is_shown_as_escaped_inline_code(tag):
    rendered = render_markdown(f"Before {tag} after")
    assert rendered.startswith('<p>Before <code class="liquid">')
    assert visible_text(rendered) == f"Before {tag} after\n"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Use `{{` and `}}` here.", "<p>Use <code>{{</code> and <code>}}</code> here.</p>\n"),
        ("`` {{ x }} `` and ` {% y %} `", "<p><code>{{ x }}</code> and <code>{% y %}</code></p>\n"),
        ("Write \\{{ page.title }} as is.", "<p>Write {{ page.title }} as is.</p>\n"),
        (
            "**{{ x }}** {{ a }}{{ b }}",
            '<p><strong><code class="liquid">{{ x }}</code></strong> <code class="liquid">{{ a }}'
            '</code><code class="liquid">{{ b }}</code></p>\n',
        ),
        (
            'A {% include figure.liquid\n   path="m.png" alt="M" %} B',
            '<p>A <img src="/m.png" alt="M" loading="lazy"> B</p>\n',
        ),
        (
            "> a {{ b\n> c }}",
            '<blockquote>\n<p>a <code class="liquid">{{ b\nc }}</code></p>\n</blockquote>\n',
        ),
        ("A {{ x\n```\ny }}\n```", "<p>A {{ x</p>\n<pre><code>y }}\n</code></pre>\n"),
        (
            "[a]({{site.url}}/p)",
            '<p><a href="%7B%7Bsite.url%7D%7D/p" rel="noopener noreferrer">a</a></p>\n',
        ),
        ("[b]({{ site.url }}/p)", '<p>[b](<code class="liquid">{{ site.url }}</code>/p)</p>\n'),
    ],
    ids=[
        "code-spans",
        "double-backtick-code-span",
        "escaped",
        "in-emphasis",
        "over-two-lines",
        "over-two-lines-in-blockquote",
        "not-over-a-fence",
        "link-destination",
        "destination-with-spaces-is-no-link",
    ],
)
def test_liquid_in_running_text_is_one_token_as_markdown_it_read_it(source, expected):
    assert render_markdown(source) == expected


def test_a_pipe_inside_liquid_does_not_split_a_table_cell():
    rendered = render_markdown("| {{ a | upcase }} | b |\n|---|---|\n| c | d |")
    assert '<th><code class="liquid">{{ a | upcase }}</code></th>' in rendered
    assert "<td>d</td>" in rendered


def test_internal_noncharacters_in_a_body_are_dropped():
    assert (
        render_markdown("a \ufdd1 0\ufdd2 <?\ufdd30\ufdd2 \ufdd0{ b") == "<p>a  0 &lt;?0 { b</p>\n"
    )


# --- footnotes, tables, strikethrough, lists --------------------------------------------------


def test_footnotes():
    rendered = render_markdown("A claim.[^src]\n\n[^src]: Where it comes from.")
    assert '<sup class="footnote-ref"><a href="#fn1" id="fnref1"' in rendered
    assert '<section class="footnotes">' in rendered
    assert '<li id="fn1" class="footnote-item"><p>Where it comes from.' in rendered
    assert 'href="#fnref1"' in rendered


def test_table_alignment_becomes_align_attribute_not_style():
    rendered = render_markdown("| 模型 | 参数 |\n|:--|--:|\n| MoE | 1.8T |")
    assert '<th align="left">模型</th>' in rendered
    assert '<td align="right">1.8T</td>' in rendered
    assert "style" not in rendered


def test_strikethrough_and_ordered_list_start():
    rendered = render_markdown("~~old~~ new\n\n16. sixteenth\n17. seventeenth")
    assert "<s>old</s>" in rendered
    assert '<ol start="16">' in rendered


def test_footnotes_are_numbered_by_first_reference_with_a_back_link_each():
    rendered = render_markdown("a[^x] b[^y] c[^x]\n\n[^y]: Why.\n[^x]: Ex.\n[^z]: Unused.")
    assert re.findall(
        r'<sup class="footnote-ref"><a href="#(fn\d)" id="(fnref[\d:]+)"', rendered
    ) == [
        ("fn1", "fnref1"),
        ("fn2", "fnref2"),
        ("fn1", "fnref1:1"),
    ]
    assert re.findall(r'<li id="(fn\d)" class="footnote-item"><p>(\w+)\.', rendered) == [
        ("fn1", "Ex"),
        ("fn2", "Why"),
    ]
    assert re.findall(r'href="#(fnref[\d:]+)" class="footnote-backref"', rendered) == [
        "fnref1",
        "fnref1:1",
        "fnref2",
    ]
    assert "Unused" not in rendered


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("about ~60%~ and a ~b~ c", "<p>about ~60%~ and a ~b~ c</p>\n"),
        ("~~gone~~", "<p><s>gone</s></p>\n"),
        ("```\n~ x ~\n```", "<pre><code>~ x ~\n</code></pre>\n"),
        (
            "[home](https://x.com/~user)",
            '<p><a href="https://x.com/~user" rel="noopener noreferrer">home</a></p>\n',
        ),
    ],
)
def test_only_double_tildes_strike_through(source, expected):
    assert render_markdown(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("- a\n  - b\n- c", "<ul>\n<li>a\n<ul>\n<li>b</li>\n</ul>\n</li>\n<li>c</li>\n</ul>\n"),
        ("1. a\n\n   b", "<ol>\n<li>\n<p>a</p>\n<p>b</p>\n</li>\n</ol>\n"),
        ("- a\n  ```\n  x\n  ```", "<ul>\n<li>a<pre><code>x\n</code></pre>\n</li>\n</ul>\n"),
        ("    a\n    b", "<pre><code>a\nb\n</code></pre>\n"),
        ("> [r]: /r", "<blockquote></blockquote>\n"),
        (
            "[x](https://例子.com/路径)",
            '<p><a href="https://xn--fsqu00a.com/%E8%B7%AF%E5%BE%84" rel="noopener noreferrer">x'
            "</a></p>\n",
        ),
        ('![a *b* `c`](/i.png "T")', '<p><img src="/i.png" alt="a b c" title="T"></p>\n'),
        (
            "<https://zh.wikipedia.org/wiki/%E6%A8%A1%E5%9E%8B>",
            '<p><a href="https://zh.wikipedia.org/wiki/%E6%A8%A1%E5%9E%8B"'
            ' rel="noopener noreferrer">https://zh.wikipedia.org/wiki/模型</a></p>\n',
        ),
    ],
    ids=[
        "tight-list",
        "loose-list",
        "code-after-tight-text",
        "indented-code",
        "empty-quote",
        "link-in-other-scripts",
        "image-alt",
        "autolink-text-decoded",
    ],
)
def test_block_and_link_markup_is_as_markdown_it_wrote_it(source, expected):
    assert render_markdown(source) == expected


# --- math -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("Let $x<y$ hold.", '<p>Let <span class="math inline">x&lt;y</span> hold.</p>\n'),
        (
            "$$ \\mathcal{M}_D $$ (thing-in-itself): text",
            '<p><span class="math inline">\\mathcal{M}_D</span> (thing-in-itself): text</p>\n',
        ),
        ("$$\na & b \\\\\nc\n$$", '<div class="math display">a &amp; b \\\\\nc</div>\n'),
        ("$$ E = mc^2 $$", '<div class="math display">E = mc^2</div>\n'),
        ("It cost $10 billion, then $20 more.", "<p>It cost $10 billion, then $20 more.</p>\n"),
        ("`$x$` is code", "<p><code>$x$</code> is code</p>\n"),
    ],
    ids=["inline", "double-inline", "display", "display-one-line", "money", "in-code"],
)
def test_math(source, expected):
    assert render_markdown(source) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("$$x$$\nmore text", '<div class="math display">x</div>\n<p>more text</p>\n'),
        ("$$a$$\n$$b$$", '<div class="math display">a</div>\n<div class="math display">b</div>\n'),
        ("Text\n$$\nx\n$$", '<p>Text\n<span class="math inline">x</span></p>\n'),
        ("$$ a $$b", '<p><span class="math inline">a</span>b</p>\n'),
        (
            "- $$x$$\n- b",
            '<ul>\n<li>\n<div class="math display">x</div>\n</li>\n<li>b</li>\n</ul>\n',
        ),
        ("$x$5 and 5$y$ and $$z$$9", "<p>$x$5 and 5$y$ and $$z$$9</p>\n"),
    ],
    ids=["display-then-text", "two-displays", "after-text", "then-text", "list-item", "digits"],
)
def test_math_display_only_on_lines_of_its_own_and_never_next_to_digits(source, expected):
    assert render_markdown(source) == expected


# --- sanitising -------------------------------------------------------------------------------

FORBIDDEN_TAGS = {"script", "style", "iframe", "object", "embed", "form", "input", "svg", "math"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}


class TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {name: value or "" for name, value in attrs}))


def assert_safe(rendered: str) -> None:
    collector = TagCollector()
    collector.feed(rendered)
    for tag, attributes in collector.tags:
        assert tag not in FORBIDDEN_TAGS, rendered
        assert not any(name.startswith("on") or name == "style" for name in attributes), rendered
        for name in ("href", "src"):
            if name in attributes:
                scheme = urlsplit(attributes[name].strip()).scheme.lower()
                assert scheme in SAFE_SCHEMES, rendered
        if tag == "a" and "href" in attributes:
            assert attributes.get("rel") == "noopener noreferrer", rendered


XSS_CASES = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    '<img src="x.png" onerror="alert(1)">',
    "[click](javascript:alert(1))",
    "[click](jAvAsCrIpT:alert(1))",
    "[click](&#106;avascript:alert(1))",
    '<a href="javascript:alert(1)">click</a>',
    '<a href="jAvAsCrIpT:alert(1)">click</a>',
    '<a href="&#106;avascript:alert(1)">click</a>',
    '<a href="java&#x09;script:alert(1)">click</a>',
    '<a href="vbscript:msgbox(1)">click</a>',
    "![x](data:image/png;base64,iVBORw0KGgo=)",
    '<img src="data:image/svg+xml;base64,PHN2Zz4=">',
    '<a href="data:text/html,<script>alert(1)</script>">click</a>',
    '<svg onload="alert(1)"><circle r="1"/></svg>',
    '<iframe src="https://evil.example"></iframe>',
    '<p style="position:fixed;top:0">cover</p>',
    '<object data="x.swf"></object><embed src="x.swf">',
    '<form action="https://evil.example"><input name="q"></form>',
    '<div onclick="alert(1)" onmouseover="alert(2)">x</div>',
    '<math><mi xlink:href="javascript:alert(1)">x</mi></math>',
    "<style>body { display: none }</style>",
    '{% include figure.liquid path="javascript:alert(1)" %}',
    '```"><script>alert(1)</script>\ncode\n```',
    "$<img src=x onerror=alert(1)>$",
    '<a href="https://example.com" target="_blank" rel="opener">ok</a>',
]


@pytest.mark.parametrize("source", XSS_CASES)
def test_xss_is_removed(source):
    assert_safe(render_markdown(source))


@pytest.mark.parametrize("source", XSS_CASES)
def test_xss_is_removed_from_html_bodies(source):
    assert_safe(sanitize_html(source))


def test_script_content_is_dropped_not_shown():
    assert "alert" not in render_markdown("<script>alert(1)</script>\n\nText")


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ('<p class="lead" id="x">Hi</p>', "<p>Hi</p>"),
        ('<h2 id="intro" class="big">Intro</h2>', '<h2 id="intro">Intro</h2>'),
        (
            '<a href="/posts/2024/" title="T">in site</a>',
            '<a href="/posts/2024/" title="T" rel="noopener noreferrer">in site</a>',
        ),
        (
            '<img src="/a.png" alt="A" width="10" loading="lazy">',
            '<img src="/a.png" alt="A" width="10" loading="lazy">',
        ),
        (
            "<kbd>Ctrl</kbd> H<sub>2</sub>O x<sup>2</sup>",
            "<kbd>Ctrl</kbd> H<sub>2</sub>O x<sup>2</sup>",
        ),
        ('<td align="justify">x</td>', "x"),
        ("<!-- more --><p>x</p>", "<p>x</p>"),
    ],
)
def test_sanitize_html_keeps_only_the_allow_list(source, expected):
    assert sanitize_html(source) == expected


def test_raw_html_in_markdown_is_kept_when_allowed():
    rendered = render_markdown('<think>hidden?</think> Server busy.\n\n<div class="note">ok</div>')
    assert rendered == '<p>hidden? Server busy.</p>\n<div class="note">ok</div>'


# --- pathological input -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        "[" * 5000,
        ">" * 5000 + " deep",
        "*" * 5000 + "x" + "*" * 5000,
        "_a" * 5000,
        "[^" * 5000,
        "[^" * 5000 + "\n\n[^1]: a defined footnote makes footnote_ref scan",
        "{{" * 5000,
        "{%" * 5000,
        "{% raw %}" * 5000,
        "$" * 5000,
        "$$x\n" * 5000,
        "<" * 5000,
        "<div>\n" + "{{" * 5000 + "\n</div>",
        "{% include figure.liquid " + " " * 50000 + "x %}",
        "".join("  " * depth + "- item\n" for depth in range(500)),
        "{% highlight x %}\n" * 5000,
        "```\n{% highlight python %}\n```\n" * 2000,
        "text\n    {% highlight x %}\n" * 2000,
        '{% include figure.liquid path="a.png" %}\n' * 5000,
        "`{{` " * 5000,
        "".join("`" * (n % 50 + 1) + " {{ x }} " for n in range(5000)),
        "{{ a\na" * 5000,
        ">" * 100_000,  # nested 100,000 deep: sanitising that took a minute
        "> - " * 25_000,
        "1. " * 33_000,
        "> " * 50_000,
        "[a](" * 25_000,
        "<!--" * 25_000,
        "<!-- " + "-" * 100_000,
    ],
    ids=lambda source: repr(source[:12]),
)
def test_pathological_input_completes(source):
    assert isinstance(render_markdown(source), str)
    assert reading_time_minutes(source) >= 1
    assert body_tokens(source) is None or isinstance(body_tokens(source), str)


def test_containers_deeper_than_the_limit_keep_their_content_not_their_tags():
    quotes = render_markdown(">" * 30 + " deep")
    items = render_markdown("".join("  " * depth + f"- item {depth}\n" for depth in range(30)))

    assert quotes.count("<blockquote>") == quotes.count("</blockquote>") == MAX_NESTING
    assert "<p>deep</p>" in quotes
    assert items.count("<ul>") + items.count("<li>") == MAX_NESTING
    assert items.count("<ul>") == items.count("</ul>") and "item 29" in items


MARKDOWN_AND_LIQUID = st.lists(
    st.sampled_from(
        [
            *("{{", "}}", "{%", "%}", "{{ x }}", "{% highlight python %}", "{% endhighlight %}"),
            *('{% include figure.liquid path="a.png" %}', "{% raw %}", "{% endraw %}"),
            *("`", "```", "\\", "~", "<?", "?>", "> ", "- ", "1. ", "    ", "\n", "\n\n"),
            *("$", "$$", "|", "---", "*", "[", "](", ")", "[^1]", "[^1]: ", "<div>", "a", "中"),
            *("\ufdd1", "\ufdd2", "\ufdd3"),
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=300, deadline=None)
@given(MARKDOWN_AND_LIQUID)
def test_no_stand_in_is_left_in_the_html(source):
    assert not re.search("[\ufdd0-\ufdd7]", render_markdown(source))


# --- reading time -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "minutes"),
    [
        ("", 0),
        ("  \n\t", 0),
        ("短", 1),
        ("大模型训练需要高质量数据。" * 40, 2),  # 12 Han characters x 40 = 480
        ("模型训练" * 100, 1),  # 400 characters
        ("模型训练" * 100 + "数", 2),
        ("ひらがなカタカナ한국어" * 40, 2),  # 11 x 40 = 440, Japanese and Korean count too
        ("one two three four five " * 46, 1),  # 230 words
        ("one two three four five " * 46 + "six", 2),
        ("don't " * 230, 1),  # a contraction is one word
        ("模型" * 100 + " model" * 115, 1),  # 200/400 + 115/230 = 1
        ("模型" * 100 + " model" * 116, 2),
    ],
)
def test_reading_time(text, minutes):
    assert reading_time_minutes(text) == minutes


def test_reading_time_ignores_markup():
    words = "word " * 228  # + "a link" = 230
    markup = (
        '{% include figure.liquid path="assets/img/a/b/c.png" class="img-fluid rounded" %}\n'
        "[a link](https://example.com/some/long/path/to/page) <https://example.com/x/y/z>\n"
        '<div class="row mt-3 col-sm">{{ site.baseurl }}</div>\n'
    )
    assert reading_time_minutes(words + markup) == 1


def test_reading_time_counts_no_chinese_quotes_as_contractions_nor_comments():
    quoted = "他说‘大模型’是未来，‘对齐’很重要。" * 40  # 13 x 40 = 520 characters, no words
    commented = "word " * 230 + "<!-- a note to self, not read -->\n\n<!--more-->\n"

    assert readable_text(quoted).word_count == 0
    assert reading_time_minutes(quoted) == 2
    assert reading_time_minutes(commented) == 1
    assert "note" not in body_tokens(commented).split() and "more" not in body_tokens(commented)


def test_reading_time_counts_the_text_search_reads():
    """Bare URLs and list numbers are not read; the same readable text as search tokens."""
    body = "word " * 229 + "\n\nhttps://example.com/a/b/c/d/e\n\n1. item\n"
    readable = readable_text(body)

    assert reading_time_minutes(body) == reading_time_minutes(body, readable) == 1
    assert readable.word_count == 230 and readable.characters == 0
    assert reading_time_minutes("![](only-an-image.png)") == 1  # not blank: at least a minute


# --- the sample blog --------------------------------------------------------------------------


def strip_front_matter(text: str) -> str:
    if not text.startswith("---\n"):
        return text
    return text.split("---\n", 2)[2]


@pytest.mark.samples
def test_every_sample_post_renders_without_leftover_liquid():
    if not SAMPLE_POSTS.is_dir():
        pytest.skip(f"{SAMPLE_POSTS} is absent")
    leftovers = []
    for path in sorted(SAMPLE_POSTS.glob("*.md")):
        rendered = render_markdown(strip_front_matter(path.read_text(encoding="utf-8")))
        if "{%" in outside_code(rendered) or "{{" in outside_code(rendered):
            leftovers.append(path.name)
    assert leftovers == []
