"""WeChat-style bylines ("author · local time · place"): parse them, and format them back.

Pure functions: no ORM, no I/O. Place names are kept as written; see posts.places to resolve them.
"""

import re
from dataclasses import dataclass, fields
from datetime import datetime

ZH_HANS = "zh-hans"
EN = "en"
LANGUAGES = (ZH_HANS, EN)

# Locale-independent on purpose: calendar.month_name follows the process locale.
_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
# Lower-cased month word -> (month number, written abbreviated?). "May" counts as a full name.
_MONTH_WORDS = {name[:3].lower(): (number, True) for number, name in enumerate(_MONTHS, 1)} | {
    name.lower(): (number, False) for number, name in enumerate(_MONTHS, 1)
}

# The whole byline: three parts, separated by one of · ・ • | with optional spaces around it.
# Author and place are single-line text without separators (the place starts with neither a
# space nor a colon); the middle part is checked by _parse_when().
_BYLINE_RE = re.compile(
    r"""
    (?P<author>[^\s·・•|][^·・•|\r\n]*?)
    (?P<first_separator>\s*[·・•|]\s*)
    (?P<when>[^·・•|\r\n]+?)
    (?P<second_separator>\s*[·・•|]\s*)
    (?P<ip_prefix>IP属地\s*[:：]?\s*)?
    (?P<place>(?!IP属地)[^\s:：·・•|][^·・•|\r\n]*)
    """,
    re.VERBOSE,
)

_TIME = r"(?P<hour>\d{1,2}) : (?P<minute>\d{2}) (?: : (?P<second>\d{2}) )?"

# 2025年03月30日 04:23, 2025年3月30日 04:23:15
_ZH_WHEN_RE = re.compile(
    r"(?P<year>\d{4}) 年 (?P<month>\d{1,2}) 月 (?P<day>\d{1,2}) 日 \s+" + _TIME,
    re.VERBOSE,
)

# March 30, 2025 04:23 / March 20, 2023, 01:13 / Mar 8, 2023 20:05:15
_EN_WHEN_RE = re.compile(
    r"""
    (?P<month>[A-Za-z]+) \s+ (?P<day>\d{1,2}) , \s* (?P<year>\d{4})
    (?P<comma>,)? \s+
    """
    + _TIME,
    re.VERBOSE,
)


@dataclass(frozen=True)
class BylineStyle:
    """How a byline was written, so that it can be formatted again the same way.

    `day_padded` also covers the month in Chinese dates; `comma_before_time` and
    `month_abbreviated` only apply to English dates.
    """

    first_separator: str = " · "
    second_separator: str = " · "
    day_padded: bool = True
    comma_before_time: bool = False
    month_abbreviated: bool = False
    with_seconds: bool = False
    ip_prefix: str = ""

    def as_dict(self) -> dict:
        """The fields by name (as dataclasses.asdict(), much faster: the values are immutable)."""
        return dict(vars(self))

    @classmethod
    def from_dict(cls, data: dict | None) -> "BylineStyle":
        """Rebuild a stored as_dict(): missing keys take defaults, unknown keys are ignored."""
        known = {field.name for field in fields(cls)}
        return cls(**{key: value for key, value in (data or {}).items() if key in known})


@dataclass(frozen=True)
class Byline:
    author: str
    local_time: datetime
    place: str
    language: str
    style: BylineStyle


def parse_byline(text: str) -> Byline | None:
    """Parse "author · local time · place"; None when the text is not such a byline.

    All three parts are required: "2025年03月30日 04:23 · 广东" (no author) is not a byline.
    The language comes from the date form (年月日 is zh-hans, "March 30, 2025" is en);
    impossible dates or times (2025年02月30日, 24:00) give None, never an exception.
    """
    parts = _BYLINE_RE.fullmatch(text.strip())
    if parts is None:
        return None
    when = _parse_when(parts["when"])
    if when is None:
        return None
    local_time, language, when_style = when
    style = BylineStyle(
        first_separator=parts["first_separator"],
        second_separator=parts["second_separator"],
        ip_prefix=parts["ip_prefix"] or "",
        **when_style,
    )
    return Byline(parts["author"], local_time, parts["place"], language, style)


def format_byline(
    author: str,
    local_time: datetime,
    place: str,
    language: str,
    style: BylineStyle | None = None,
) -> str:
    """Write a byline; the default style gives "蚂蚁海星 · 2025年03月30日 04:23 · 广东"."""
    style = style or BylineStyle()
    when = _format_when(local_time, language, style)
    return f"{author}{style.first_separator}{when}{style.second_separator}{style.ip_prefix}{place}"


def _parse_when(text: str) -> tuple[datetime, str, dict] | None:
    """The local time, language and date/time style of a byline's middle part."""
    if zh := _ZH_WHEN_RE.fullmatch(text):
        style = {"day_padded": _is_padded(zh["month"], zh["day"])}
        return _with_time(zh, int(zh["month"]), ZH_HANS, style)
    if (en := _EN_WHEN_RE.fullmatch(text)) and en["month"].lower() in _MONTH_WORDS:
        month, abbreviated = _MONTH_WORDS[en["month"].lower()]
        style = {
            "day_padded": _is_padded(en["day"]),
            "comma_before_time": en["comma"] is not None,
            "month_abbreviated": abbreviated,
        }
        return _with_time(en, month, EN, style)
    return None


def _with_time(
    match: re.Match, month: int, language: str, style: dict
) -> tuple[datetime, str, dict] | None:
    try:
        local_time = datetime(
            int(match["year"]),
            month,
            int(match["day"]),
            int(match["hour"]),
            int(match["minute"]),
            int(match["second"] or 0),
        )
    except ValueError:
        return None
    return local_time, language, style | {"with_seconds": match["second"] is not None}


def _is_padded(*numbers: str) -> bool:
    """False as soon as one number is written with a single digit ('7', not '07')."""
    return all(len(number) == 2 for number in numbers)


def _format_when(local_time: datetime, language: str, style: BylineStyle) -> str:
    clock = f"{local_time:%H:%M:%S}" if style.with_seconds else f"{local_time:%H:%M}"
    pad = "02" if style.day_padded else ""
    if language == ZH_HANS:
        return f"{local_time.year:04d}年{local_time.month:{pad}}月{local_time.day:{pad}}日 {clock}"
    if language == EN:
        month = _MONTHS[local_time.month - 1]
        month = month[:3] if style.month_abbreviated else month
        comma = "," if style.comma_before_time else ""
        return f"{month} {local_time.day:{pad}}, {local_time.year:04d}{comma} {clock}"
    raise ValueError(f"Unknown byline language {language!r}; expected one of {LANGUAGES}.")
