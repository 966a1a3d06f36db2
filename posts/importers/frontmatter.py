"""Split a Markdown text into its front matter (YAML, TOML or JSON) and its verbatim body.

Pure: text in, JSON-safe data out. YAML is read with a strict loader (see FrontMatterLoader).
"""

import json
import re
import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time

import yaml
from yaml.composer import Composer, ComposerError
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, ScalarNode
from yaml.parser import Parser
from yaml.reader import Reader, ReaderError
from yaml.resolver import Resolver
from yaml.scanner import Scanner

try:
    from yaml._yaml import CParser  # libyaml, when PyYAML was built with it
except ImportError:  # pragma: no cover
    CParser = None

BOM = "\ufeff"
MAX_DEPTH = 50
# Plain (untagged) values and the explicit tags that cannot smuggle in another type.
_ALLOWED_TAGS = {
    None,
    "!",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:seq",
    "tag:yaml.org,2002:map",
}
# A JSON object opens with `{` then a key or `}`; `{%` and `{{` (Liquid) are body text.
_JSON_START_RE = re.compile(r"\{\s*[\"}]")
# What libyaml reads otherwise than the Python loader (see libyaml_reads_alike): tabs, some
# line breaks and BOMs, a comment right after a block scalar indicator, a tag.
_LIBYAML_DIFFERS_RE = re.compile(
    r"[\t\x85\u2028\u2029\ufeff]|[|>][-+0-9]*#|(?:^|[\s\[{,])!", re.MULTILINE
)
_TOML_LINE_RE = re.compile(r"\s*\(at line (\d+), column \d+\)$")


@dataclass(frozen=True)
class FrontMatter:
    data: dict
    body: str
    format: str  # "yaml" | "toml" | "json" | "none"
    body_line: int  # 1-based line of the text where the body starts


class FrontMatterError(ValueError):
    """The front matter cannot be read; `line` is 1-based in the whole text, when known."""

    def __init__(self, reason: str, line: int | None = None):
        super().__init__(reason, line)
        self.reason = reason
        self.line = line

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}" if self.line else self.reason


class _StrictComposer(Composer):
    """Composes nodes from events, refusing anchors, aliases, other tags and deep nesting."""

    def __init__(self):
        super().__init__()
        self.depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, AliasEvent) or event.anchor is not None:
            raise ComposerError(None, None, "anchors and aliases are not allowed", event.start_mark)
        if getattr(event, "tag", None) not in _ALLOWED_TAGS:
            raise ComposerError(None, None, f"tag {event.tag!r} is not allowed", event.start_mark)
        self.depth += 1
        try:
            if self.depth > MAX_DEPTH:
                reason = f"nested more than {MAX_DEPTH} levels deep"
                raise ComposerError(None, None, reason, event.start_mark)
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _StrictConstructor(SafeConstructor):
    """Mapping keys are the text written; a duplicate key is refused."""

    def __init__(self, first_line: int):
        super().__init__()
        self.first_line = first_line

    def construct_mapping(self, node, deep=False):
        if not isinstance(node, MappingNode):
            raise ConstructorError(None, None, "expected a mapping", node.start_mark)
        mapping, key_lines = {}, {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise ConstructorError(None, None, "keys must be plain text", key_node.start_mark)
            key = key_node.value
            if key in mapping:
                reason = f"duplicate key {key!r} (first on line {key_lines[key]})"
                raise ConstructorError(None, None, reason, key_node.start_mark)
            key_lines[key] = key_node.start_mark.line + self.first_line
            mapping[key] = self.construct_object(value_node, deep=deep)
        return mapping


class _StrictResolver(Resolver):
    """Only null, true/false (YAML 1.2) and plain decimal integers are resolved."""

    yaml_implicit_resolvers: dict = {}


_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""]
)
_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
_StrictResolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"), list("-+0123456789")
)


class FrontMatterLoader(Reader, Scanner, Parser, _StrictComposer, _StrictConstructor,
                        _StrictResolver):  # fmt: skip
    """A YAML loader that keeps values as written and refuses what a post never needs.

    Only null, true/false (YAML 1.2: not yes/no/on/off) and plain decimal integers are
    resolved; dates, floats (3.10), octal, hex and sexagesimal (12:30) numbers stay text.
    Mapping keys are always the text written, and duplicates are refused. Anchors, aliases,
    tags other than !!str/!!seq/!!map and nesting deeper than MAX_DEPTH are refused.
    Pure Python: its errors are the ones reported (see load_yaml).
    """

    def __init__(self, stream, first_line: int = 1):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        _StrictComposer.__init__(self)
        _StrictConstructor.__init__(self, first_line)


if CParser is not None:

    class FastFrontMatterLoader(_StrictComposer, CParser, _StrictConstructor, _StrictResolver):
        """FrontMatterLoader with libyaml's scanner and parser (the slow part) making the events;
        composing, the checks and constructing are the same Python code. Its errors are never
        reported: what it refuses is read again by FrontMatterLoader (see _load_strict_yaml)."""

        def __init__(self, stream, first_line: int = 1):
            CParser.__init__(self, stream)
            _StrictComposer.__init__(self)
            _StrictConstructor.__init__(self, first_line)

else:  # pragma: no cover
    FastFrontMatterLoader = None


def split_front_matter(text: str) -> FrontMatter:
    """Split `text` into front matter data and body; no front matter gives {} and the text."""
    text = text.removeprefix(BOM)
    first_line = text.split("\n", 1)[0].rstrip()
    if first_line == "---":
        return _split_fenced(text, "yaml", ("---", "..."), load_yaml)
    if first_line == "+++":
        return _split_fenced(text, "toml", ("+++",), load_toml)
    if _JSON_START_RE.match(text):
        return _split_json(text)
    return FrontMatter({}, text, "none", 1)


def _split_fenced(text: str, format: str, closers: tuple[str, ...], load) -> FrontMatter:
    """Front matter between an opening fence on line 1 and the first closing fence line."""
    lines = _split_lines(text)
    offset = len(lines[0])
    for index, line in enumerate(lines[1:], start=2):
        if line.rstrip() in closers:
            data = load(text[len(lines[0]) : offset], first_line=2)
            return FrontMatter(data, text[offset + len(line) :], format, index + 1)
        offset += len(line)
    raise FrontMatterError(f"the front matter opened by {lines[0].strip()!r} is never closed", 1)


def _split_lines(text: str) -> list[str]:
    """Lines ending in \\n only (str.splitlines also breaks on \\u2028, \\x0c and others)."""
    return re.findall(r"[^\n]*\n|[^\n]+$", text)


def load_yaml(source: str, first_line: int = 1) -> dict:
    """YAML front matter as a dict; errors carry the line in the whole text."""
    try:
        data = _load_strict_yaml(source, first_line)
    except ReaderError as error:
        line = source.count("\n", 0, error.position) + first_line
        reason = f"invalid YAML: character U+{error.character:04X} is not allowed"
        raise FrontMatterError(reason, line) from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        reason = "invalid YAML: " + ", ".join(filter(None, [error.context, error.problem]))
        raise FrontMatterError(reason, mark.line + first_line if mark else None) from error
    except yaml.YAMLError as error:
        raise FrontMatterError(f"invalid YAML: {error}") from error
    except RecursionError as error:
        raise FrontMatterError("invalid YAML: nested too deeply", first_line) from error
    except ValueError as error:  # e.g. an integer over Python's 4300-digit limit
        raise FrontMatterError(f"invalid YAML: {error}", first_line) from error
    return _require_mapping(data, first_line)


def _load_strict_yaml(source: str, first_line: int):
    """Read with libyaml when available; whatever it refuses (or fails on) is read again by the
    pure-Python loader, whose error, with its message and line, is the one reported."""
    if FastFrontMatterLoader is not None and libyaml_reads_alike(source):
        try:
            return _load_with(FastFrontMatterLoader, source, first_line)
        except (yaml.YAMLError, RecursionError, ValueError):
            pass
    return _load_with(FrontMatterLoader, source, first_line)


def libyaml_reads_alike(source: str) -> bool:
    """Whether libyaml reads `source` as the Python loader does. It accepts what the Python
    loader refuses: tabs (after a value, after `:`, inside [...]), `|#`, and `?` inside a
    plain value in [...] or {...}; and resolves an empty value tagged `!` differently. Such
    text, and any explicit tag, is left to the Python loader."""
    if _LIBYAML_DIFFERS_RE.search(source):
        return False
    return "?" not in source or not ("[" in source or "{" in source)


def _load_with(loader_class, source: str, first_line: int):
    loader = loader_class(source, first_line=first_line)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def load_toml(source: str, first_line: int = 1) -> dict:
    """TOML front matter with floats kept as written and dates as ISO 8601 text."""
    try:
        data = tomllib.loads(source, parse_float=str)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        found = _TOML_LINE_RE.search(message)
        line = int(found.group(1)) + first_line - 1 if found else None
        reason = _TOML_LINE_RE.sub("", message)
        raise FrontMatterError(f"invalid TOML: {reason}", line) from error
    except RecursionError as error:
        raise FrontMatterError("invalid TOML: nested too deeply", first_line) from error
    return _iso_dates(data)


def _iso_dates(value):
    if isinstance(value, dict):
        return {key: _iso_dates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_iso_dates(item) for item in value]
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return value


def _split_json(text: str) -> FrontMatter:
    """A JSON object at the very start (Hugo); the body starts on the line after it ends."""
    decoder = json.JSONDecoder(
        object_pairs_hook=_refuse_duplicate_keys,
        parse_float=str,
        parse_constant=_refuse_constant,
    )
    try:
        data, end = decoder.raw_decode(text)
    except json.JSONDecodeError as error:
        raise FrontMatterError(f"invalid JSON: {error.msg}", error.lineno) from error
    except RecursionError as error:
        raise FrontMatterError("invalid JSON: nested too deeply", 1) from error
    except ValueError as error:
        raise FrontMatterError(f"invalid JSON: {error}", None) from error
    rest_of_line = re.match(r"[ \t]*(?:\r\n|\n|\r|$)", text[end:])
    if rest_of_line:
        end += rest_of_line.end()
    return FrontMatter(data, text[end:], "json", text.count("\n", 0, end) + 1)


def _refuse_duplicate_keys(pairs: list[tuple[str, object]]) -> dict:
    data = {}
    for key, value in pairs:
        if key in data:
            raise ValueError(f"duplicate key {key!r}")
        data[key] = value
    return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON value")


def _require_mapping(data, line: int) -> dict:
    if data is None:
        return {}
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else f"the single value {data!r}"
        raise FrontMatterError(f"front matter must be keys and values, not {kind}", line)
    return data
