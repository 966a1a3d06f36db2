"""Places from pycountry: every ISO 3166-1 country and China's provinces, with short zh/en names.

Hong Kong, Macao and Taiwan are the countries HK, MO, TW (never CN-HK/CN-MO/CN-TW, whose names
and codes still resolve to them), named 中国香港 / 中国澳门 / 中国台湾 as WeChat's IP location does.
"""

import gettext
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import pycountry

# ISO 3166-2 entries that are the countries HK, MO and TW here (see the module docstring).
_SUBDIVISION_COUNTRIES = {"CN-HK": "HK", "CN-MO": "MO", "CN-TW": "TW"}

# How our user writes these places (WeChat's IP location), not the catalogue's 香港 / 澳门 / 台湾.
_ZH_NAME_OVERRIDES = {"HK": "中国香港", "MO": "中国澳门", "TW": "中国台湾"}

# The zh_CN catalogue has no translation for Ningxia: its full name, shortened like the others.
_ZH_FULL_NAME_OVERRIDES = {"CN-NX": "宁夏回族自治区"}

# English names that read badly as ISO writes them. CN-XZ stays 'Xizang' (the pinyin, like every
# other province); 'Tibet' is accepted by resolve_place().
_EN_NAME_OVERRIDES = {
    "CN-NM": "Inner Mongolia",  # ISO: 'Nei Mongol Zizhiqu'
    "CD": "DR Congo",  # 'Congo, The Democratic Republic of the'
    "FM": "Micronesia",  # 'Micronesia, Federated States of'
    "PS": "Palestine",  # 'Palestine, State of'
    "RU": "Russia",  # 'Russian Federation' (no common_name upstream)
    "VG": "British Virgin Islands",  # 'Virgin Islands, British'
    "VI": "U.S. Virgin Islands",  # 'Virgin Islands, U.S.'
}

# Other ways of writing a place that the names above do not cover.
_EXTRA_ALIASES = {
    "MO": ("Macau",),
    "CN-NM": ("Nei Mongol",),
    "CN-XZ": ("Tibet",),
}

# zone.tab also lists Asia/Urumqi for China, but the country keeps one official time.
_TIMEZONE_OVERRIDES = {"CN": "Asia/Shanghai"}

# 广东省 → 广东, 北京市 → 北京, 广西壮族自治区 → 广西 ...
_ZH_SUFFIX_RE = re.compile(r"(?:壮族|回族|维吾尔)?(?:自治区|省|市)$")
# 'Guangdong Sheng' → 'Guangdong', 'Guangxi Zhuangzu Zizhiqu' → 'Guangxi' ...
_EN_SUFFIX_RE = re.compile(r"\s+(?:(?:Zhuangzu|Huizu|Uygur)\s+)?(?:Sheng|Shi|Zizhiqu)$")


@dataclass(frozen=True)
class Place:
    code: str
    parent_code: str | None
    name_zh_hans: str
    name_en: str
    timezone: str | None


def iter_places() -> Iterator[Place]:
    """Every ISO 3166-1 country, then every ISO 3166-2 subdivision of China (by code)."""
    return iter(_places_by_code().values())


def get_place(code: str) -> Place | None:
    """The place with this ISO code ('JP', 'CN-GD'), case-insensitive; None when unknown."""
    return _places_by_code().get(code.strip().upper())


def resolve_place(text: str) -> Place | None:
    """The place a written name stands for: 广东, 广东省, Guangdong Sheng, HongKong, USA, CN-GD...

    Matching ignores case, spaces and full-width forms; None when nothing matches.
    """
    code = _alias_index().get(_normalize(text))
    return _places_by_code()[code] if code else None


@cache
def _places_by_code() -> dict[str, Place]:
    places = {country.alpha_2: _country_place(country) for country in pycountry.countries}
    for subdivision in _chinese_subdivisions():
        places[subdivision.code] = _subdivision_place(subdivision)
    return places


def _chinese_subdivisions() -> list:
    subdivisions = pycountry.subdivisions.get(country_code="CN")
    return sorted(
        (s for s in subdivisions if s.code not in _SUBDIVISION_COUNTRIES), key=lambda s: s.code
    )


def _country_place(country) -> Place:
    code = country.alpha_2
    name_en = _EN_NAME_OVERRIDES.get(code) or getattr(country, "common_name", country.name)
    name_zh = (
        _ZH_NAME_OVERRIDES.get(code)
        or _translate("iso3166-1", getattr(country, "common_name", None), country.name)
        or name_en
    )
    return Place(code, None, name_zh, name_en, _timezone(code))


def _subdivision_place(subdivision) -> Place:
    code = subdivision.code
    full_zh = _full_zh_name(subdivision)
    name_en = _EN_NAME_OVERRIDES.get(code) or _EN_SUFFIX_RE.sub("", subdivision.name)
    name_zh = _ZH_SUFFIX_RE.sub("", full_zh) if full_zh else name_en
    country = subdivision.country_code
    return Place(code, country, name_zh, name_en, _timezone(country))


def _full_zh_name(subdivision) -> str | None:
    """广东省, 北京市, 宁夏回族自治区: the full Chinese name of a subdivision, if known."""
    return _ZH_FULL_NAME_OVERRIDES.get(subdivision.code) or _translate(
        "iso3166-2", subdivision.name
    )


@cache
def _catalogue(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=["zh_CN"])


def _translate(domain: str, *names: str | None) -> str | None:
    """The zh_CN translation of the first name the catalogue translates; None if none is."""
    for name in filter(None, names):
        translated = _catalogue(domain).gettext(name)
        if translated != name:
            return translated
    return None


def _timezone(country_code: str) -> str | None:
    """The IANA zone of a country; None when it spans several zones (US, RU, AU...)."""
    if country_code in _TIMEZONE_OVERRIDES:
        return _TIMEZONE_OVERRIDES[country_code]
    zones = _zones_by_country().get(country_code, [])
    return zones[0] if len(zones) == 1 else None


@cache
def _zones_by_country() -> dict[str, list[str]]:
    zone_tab = resources.files("tzdata").joinpath("zoneinfo", "zone.tab")
    zones = defaultdict(list)
    for line in zone_tab.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            country_code, _coordinates, zone = line.split("\t")[:3]
            zones[country_code].append(zone)
    return dict(zones)


@cache
def _alias_index() -> dict[str, str]:
    """Normalized written name -> place code. On a clash the first place listed keeps the name."""
    index = {}
    for code, names in _written_names():
        for name in filter(None, names):
            index.setdefault(_normalize(name), code)
    return index


def _written_names() -> Iterator[tuple[str, Iterable[str | None]]]:
    places = _places_by_code()
    for country in pycountry.countries:
        iso_names = [
            country.name,
            getattr(country, "common_name", None),
            getattr(country, "official_name", None),
        ]
        yield country.alpha_2, [country.alpha_2, country.alpha_3, *iso_names]
        yield country.alpha_2, [_translate("iso3166-1", name) for name in iso_names]
    for subdivision in pycountry.subdivisions.get(country_code="CN"):
        code = _SUBDIVISION_COUNTRIES.get(subdivision.code, subdivision.code)
        yield code, [subdivision.code, subdivision.name, _full_zh_name(subdivision)]
    for place in places.values():
        yield place.code, [place.name_zh_hans, place.name_en, *_EXTRA_ALIASES.get(place.code, ())]


def _normalize(text: str) -> str:
    """'Hong Kong', 'HongKong' and 'ＨＯＮＧ　ＫＯＮＧ' all become 'hongkong'."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())
