"""Tests for posts.liquid: Liquid tags swapped for stand-ins before Markdown parsing, and back.
Plain functions, no database; rendering through them is in test_markdown.py."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posts.liquid import StandIns, protect_raw_sections, restore_literals

NONCHARACTERS = re.compile("[\ufdd0-\ufdd7]")


def without_liquid(text: str) -> bool:
    return "{{" not in text and "{%" not in text


@pytest.mark.parametrize(
    "body",
    [
        "Use `{{ x }}` here",
        "``{% a %}`` and `{{`",
        "Escaped \\{{ x }} and \\{% y %}",
        "{{ x",
        "{{ x\n\ny }}",
        "{{ x\n```\n}}",
    ],
    ids=["code-span", "double-backticks", "escaped", "unclosed", "over-a-blank-line", "fence"],
)
def test_tags_markdown_it_never_saw_are_left_as_they_are(body):
    assert StandIns(body).text == body


def test_each_block_tag_line_becomes_a_type_3_html_block():
    body = (
        "- a\n  {% highlight python %}\n  x ?> y\n  {% endhighlight %}\n"
        '> {% include figure.liquid path="f.png" %}\nText {{ t }}\n'
    )
    stand_ins = StandIns(body)
    assert stand_ins.text == (
        "- a\n  <?\ufdd30\ufdd2\n  x ?\ufdd7> y\n  \ufdd41\ufdd2?>\n"
        "> <?\ufdd52\ufdd2?>\nText {\ufdd1 3\ufdd2}\n"
    )
    assert stand_ins.tags == [
        "{% highlight python %}",
        "{% endhighlight %}",
        '{% include figure.liquid path="f.png" %}',
        "{{ t }}",
    ]


def test_a_highlight_line_swapped_back_as_text_is_reported_and_can_be_skipped():
    body = "```\n{% highlight python %}\n```\n\n{% include figure.liquid path='f.png' %}\n"
    stand_ins = StandIns(body)
    assert stand_ins.literal(stand_ins.text) == body
    assert stand_ins.highlight_offsets() == frozenset({4})
    again = StandIns(body, stand_ins.highlight_offsets())
    assert again.text == "```\n{% highlight python %}\n```\n\n<?\ufdd50\ufdd2?>\n"


def test_raw_sections_and_lone_tildes_come_back_with_restore_literals():
    stand_ins = StandIns("{% raw %}{{ a }}{% endraw %} ~b~ ~~c~~")
    assert without_liquid(stand_ins.text)
    assert restore_literals(stand_ins.text) == "{{ a }} ~b~ ~~c~~"


MARKDOWN_AND_LIQUID = st.lists(
    st.sampled_from(
        [
            *("{{", "}}", "{%", "%}", "{{ x }}", "{% highlight python %}", "{% endhighlight %}"),
            *('{% include figure.liquid path="a.png" %}', "{% raw %}", "{% endraw %}"),
            *("`", "``", "\\", "~", "<?", "?>", "> ", "- ", "    ", "\n", "\n\n", "a"),
            *("\ufdd0", "\ufdd1", "\ufdd2", "\ufdd4", "\ufdd7"),
        ]
    ),
    max_size=40,
).map("".join)


@settings(max_examples=500, deadline=None)
@given(MARKDOWN_AND_LIQUID)
def test_every_stand_in_swaps_back_to_the_text_it_replaced(body):
    stand_ins = StandIns(body)
    original = protect_raw_sections(NONCHARACTERS.sub("", body))
    assert restore_literals(stand_ins.literal(stand_ins.text)) == restore_literals(original)
