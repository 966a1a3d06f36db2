"""Tests for posts.importers.frontmatter: fences, formats, the strict YAML loader, errors."""

import json

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from posts.importers.frontmatter import (
    FastFrontMatterLoader,
    FrontMatterError,
    FrontMatterLoader,
    _load_with,
    libyaml_reads_alike,
    split_front_matter,
)


def yaml_post(front_matter: str, body: str = "Body\n") -> str:
    return f"---\n{front_matter}---\n{body}"


def error_of(text: str) -> FrontMatterError:
    with pytest.raises(FrontMatterError) as caught:
        split_front_matter(text)
    return caught.value


# Fences and formats ----------------------------------------------------------------------


def test_yaml_front_matter_and_body():
    front = split_front_matter("---\ntitle: Hello\ntags: misc\n---\n\n# Body\n")
    assert front.data == {"title": "Hello", "tags": "misc"}
    assert front.body == "\n# Body\n"
    assert front.format == "yaml"
    assert front.body_line == 5


def test_yaml_may_close_with_dots():
    front = split_front_matter("---\ntitle: Hello\n...\nBody")
    assert front.data == {"title": "Hello"}
    assert front.body == "Body"


def test_bom_is_tolerated():
    front = split_front_matter("\ufeff---\ntitle: Hello\n---\nBody\n")
    assert front.data == {"title": "Hello"}
    assert front.body == "Body\n"


def test_crlf_line_ends_are_read_and_the_body_keeps_them():
    front = split_front_matter("---\r\ntitle: Hello\r\ntags: [a, b]\r\n---\r\nOne\r\nTwo\r\n")
    assert front.data == {"title": "Hello", "tags": ["a", "b"]}
    assert front.body == "One\r\nTwo\r\n"
    assert front.body_line == 5


def test_fence_with_trailing_spaces_counts():
    assert split_front_matter("---  \ntitle: x\n---   \nBody").data == {"title": "x"}


def test_empty_front_matter_is_an_empty_mapping():
    front = split_front_matter("---\n---\nBody")
    assert front.data == {}
    assert front.body == "Body"
    assert front.body_line == 3


def test_closing_fence_on_the_last_line_gives_an_empty_body():
    front = split_front_matter("---\ntitle: x\n---")
    assert front.data == {"title": "x"}
    assert front.body == ""


@pytest.mark.parametrize(
    "text",
    [
        "# Just Markdown\n\nText.\n",
        "",
        "\n---\ntitle: late\n---\n",  # the fence must be on line 1
        "{% include figure.liquid path='a.png' %}\nText",  # Liquid, not JSON
        "{{ site.title }}\n",
    ],
)
def test_no_front_matter_gives_empty_data_and_the_whole_text(text):
    front = split_front_matter(text)
    assert front.data == {}
    assert front.body == text
    assert front.format == "none"
    assert front.body_line == 1


def test_toml_front_matter():
    text = '+++\ntitle = "Hello"\ntags = ["a", "b"]\nversion = 3.10\n+++\nBody\n'
    front = split_front_matter(text)
    assert front.data == {"title": "Hello", "tags": ["a", "b"], "version": "3.10"}
    assert front.format == "toml"
    assert front.body == "Body\n"
    assert front.body_line == 6


@pytest.mark.parametrize(
    ("toml_value", "expected"),
    [
        ("1979-05-27T07:32:00-08:00", "1979-05-27T07:32:00-08:00"),
        ("1979-05-27T07:32:00Z", "1979-05-27T07:32:00+00:00"),
        ("1979-05-27 07:32:00", "1979-05-27T07:32:00"),
        ("1979-05-27", "1979-05-27"),
        ("07:32:00", "07:32:00"),
    ],
)
def test_toml_dates_become_iso_text(toml_value, expected):
    front = split_front_matter(f"+++\ndate = {toml_value}\n+++\n")
    assert front.data == {"date": expected}


def test_json_front_matter():
    text = '{\n  "title": "Hello",\n  "weight": 3.10,\n  "draft": false\n}\nBody\n'
    front = split_front_matter(text)
    assert front.data == {"title": "Hello", "weight": "3.10", "draft": False}
    assert front.format == "json"
    assert front.body == "Body\n"
    assert front.body_line == 6


def test_json_front_matter_with_body_on_the_same_line():
    front = split_front_matter('{"title": "x"} Body')
    assert front.data == {"title": "x"}
    assert front.body == " Body"


# The strict YAML loader ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("yaml_value", "expected"),
    [
        ("2023-06-26 13:32", "2023-06-26 13:32"),
        ("2025-03-30 04:23:00", "2025-03-30 04:23:00"),
        ("2025-03-30", "2025-03-30"),
        ("2025-02-30", "2025-02-30"),  # PyYAML would raise ValueError
        ("3.10", "3.10"),
        ("1e3", "1e3"),
        (".inf", ".inf"),
        ("012", "012"),  # octal in YAML 1.1
        ("0x1F", "0x1F"),
        ("12:30", "12:30"),  # sexagesimal 750 in YAML 1.1
        ("1_000", "1_000"),
        ("yes", "yes"),
        ("no", "no"),
        ("on", "on"),
        ("off", "off"),
        ("y", "y"),
        ("true", True),
        ("False", False),
        ("42", 42),
        ("-7", -7),
        ("0", 0),
        ("~", None),
        ("null", None),
        ("", None),
        ("'quoted'", "quoted"),
        ("!!str 3.10", "3.10"),
    ],
)
def test_yaml_values_stay_as_written(yaml_value, expected):
    assert split_front_matter(yaml_post(f"value: {yaml_value}\n")).data == {"value": expected}


def test_keys_are_the_text_written():
    data = split_front_matter(yaml_post("404: page\ntrue: t\nnull: n\n")).data
    assert data == {"404": "page", "true": "t", "null": "n"}


def test_comment_after_key_gives_empty_value():
    assert split_front_matter(yaml_post("description: #comment\n")).data == {"description": None}


def test_merge_key_is_plain_text():
    assert split_front_matter(yaml_post("<<: {a: 1}\n")).data == {"<<": {"a": 1}}


@pytest.mark.parametrize(
    "text",
    [
        yaml_post("title: x\nweight: 3.10\ndate: 2025-03-30 04:23:00\ntags: [a, 1]\n"),
        "+++\ndate = 2025-03-30T04:23:00+08:00\nweight = 0.5\nnested = {a = [1, 2.5]}\n+++\n",
        '{"weight": 0.5, "tags": [1.25, {"a": null}]}\n',
    ],
)
def test_data_is_json_serialisable(text):
    data = split_front_matter(text).data
    assert json.loads(json.dumps(data)) == data


# Errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "reason_part", "line"),
    [
        ("---\ntitle: x\nBody\n", "never closed", 1),
        ("+++\ntitle = 'x'\n", "never closed", 1),
        ("---\n- a\n- b\n---\n", "not a list", 2),
        ("---\njust text\n---\n", "not the single value 'just text'", 2),
        ("---\n42\n---\n", "not the single value 42", 2),
        ("---\ntitle: x\ntitle: y\n---\n", "duplicate key 'title' (first on line 2)", 3),
        ("---\nt: x\na:\n  b: 1\n  b: 2\n---\n", "duplicate key 'b'", 5),
        ("---\na: &x 1\nb: *x\n---\n", "anchors and aliases", 2),
        ("---\na: b: c\n---\n", "invalid YAML", 2),
        ("---\ntitle: x\ntags: [a, b\n---\n", "invalid YAML", 4),
        ("---\ntitle: 'open\n---\n", "invalid YAML", 3),
        ("---\n\ttitle: x\n---\n", "invalid YAML", 2),
        ("---\n? [a, b]\n: c\n---\n", "keys must be plain text", 2),
        ("+++\ntitle = \n+++\n", "invalid TOML", 2),
        ("+++\n\n\ntitle = 'a'\ntitle = 'b'\n+++\n", "invalid TOML", 5),
        ('{\n"title": "x",\n"tags": ]\n}\n', "invalid JSON", 3),
        ('{"a": 1, "a": 2}\n', "duplicate key 'a'", None),
        ('{"a": NaN}\n', "NaN is not a JSON value", None),
    ],
)
def test_errors_give_a_reason_and_a_line(text, reason_part, line):
    error = error_of(text)
    assert reason_part in error.reason
    assert error.line == line


@pytest.mark.parametrize(
    "document",
    [
        "a: &anchor [1, 2]\n",
        "a: *nothing\n",
        "base: &b {x: 1}\nother:\n  <<: *b\n",
        'lol: &a ["lol","lol"]\nlol2: &b [*a,*a,*a,*a]\nlol3: [*b,*b,*b,*b]\n',
    ],
)
def test_anchors_and_aliases_are_refused(document):
    assert "anchors and aliases" in error_of(yaml_post(document)).reason


@pytest.mark.parametrize(
    "tagged",
    [
        "!!python/object:os.system 'ls'",
        "!!python/object/apply:os.system ['ls']",
        "!!python/name:os.system",
        "!!binary aGVsbG8=",
        "!!timestamp 2025-03-30",
        "!!float 3.10",
        "!!bool yes",
        "!!int 012",
        "!!set {a, b}",
        "!custom x",
    ],
)
def test_tags_other_than_str_seq_map_are_refused(tagged):
    error = error_of(yaml_post(f"value: {tagged}\n"))
    assert "is not allowed" in error.reason
    assert error.line == 2


@pytest.mark.parametrize(
    "text",
    [
        yaml_post("a: " + "[" * 5000 + "]" * 5000 + "\n"),
        yaml_post("a: " + "{b: " * 5000 + "c" + "}" * 5000 + "\n"),
        "+++\na = " + "[" * 5000 + "]" * 5000 + "\n+++\n",
        '{"a": ' + "[" * 5000 + "]" * 5000 + "}\n",
    ],
)
def test_deep_nesting_is_an_error_not_a_crash(text):
    assert "nested" in error_of(text).reason


def test_huge_integer_is_an_error_not_a_crash():
    assert "invalid YAML" in error_of(yaml_post("n: " + "9" * 5000 + "\n")).reason


def test_error_message_names_the_line():
    assert str(error_of("---\ntitle: x\ntitle: y\n---\n")).startswith("line 3: ")


@settings(max_examples=300, deadline=None)
@given(
    opening=st.sampled_from(["---\n", "\ufeff---\r\n", "+++\n", "{", ""]),
    middle=st.text(max_size=120),
    closing=st.sampled_from(["\n---\n", "\n+++\n", "}\n", ""]),
)
def test_any_text_splits_to_json_safe_data_or_fails_cleanly(opening, middle, closing):
    try:
        front = split_front_matter(opening + middle + closing)
    except FrontMatterError:
        return
    assert json.loads(json.dumps(front.data)) == front.data


# The libyaml loader ------------------------------------------------------------------------

needs_libyaml = pytest.mark.skipif(
    FastFrontMatterLoader is None, reason="PyYAML was built without libyaml"
)


def load_with(loader_class, source: str):
    """(data, None) or (None, the exception's class name) from one loader, no fallback."""
    try:
        return _load_with(loader_class, source, 2), None
    except (yaml.YAMLError, RecursionError, ValueError) as error:
        return None, type(error).__name__


@needs_libyaml
@pytest.mark.parametrize(
    ("document", "reason_part"),
    [
        ("a: &x 1\nb: *x\n", "anchors and aliases"),
        ("a: &anchor [1, 2]\n", "anchors and aliases"),
        ("value: !!int 012\n", "is not allowed"),
        ("value: !custom x\n", "is not allowed"),
        ("title: x\ntitle: y\n", "duplicate key 'title'"),
        ("? [a, b]\n: c\n", "keys must be plain text"),
        ("a: " + "[" * 60 + "]" * 60 + "\n", "nested more than"),
    ],
)
def test_libyaml_loader_makes_every_check_itself(document, reason_part):
    """The fast path refuses these on its own; the fallback only rewords the error."""
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        _load_with(FastFrontMatterLoader, document, 2)
    assert reason_part in str(caught.value)


@needs_libyaml
def test_libyaml_is_used_for_front_matter(monkeypatch):
    used = []
    monkeypatch.setattr(
        FastFrontMatterLoader, "dispose", lambda self: used.append(type(self).__name__)
    )
    assert split_front_matter(yaml_post("title: x\n")).data == {"title": "x"}
    assert used == ["FastFrontMatterLoader"]


YAML_PIECES = st.sampled_from(
    [
        "title", "tags", ":", ": ", "- ", "\n", "\n  ", "  ", "\t", "#", "'", '"', "[", "]",
        "{", "}", ",", "&a ", "*a", "!!str ", "!!int ", "! ", "? ", "|", ">", "---", "...",
        "3.10", "2025-03-30 04:23", "yes", "true", "~", "null", "42", "012", "%YAML 1.1\n",
        "哲学", "\\", "\\n", "\u00a0", "\x85", "\ufeff", "\x07", "é",
    ]
)  # fmt: skip


@needs_libyaml
@settings(max_examples=2000, deadline=None)
@given(st.lists(YAML_PIECES | st.text(max_size=4), max_size=30))
def test_libyaml_loader_agrees_with_the_python_loader(pieces):
    """Same data from both loaders, or a refusal from the fast one (then the Python loader
    decides, see _load_strict_yaml): libyaml never accepts what the Python loader refuses."""
    source = "".join(pieces)
    fast = load_with(FastFrontMatterLoader, source)
    if fast[1] is None and libyaml_reads_alike(source):
        assert fast == load_with(FrontMatterLoader, source)
