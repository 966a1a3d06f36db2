"""Search results in rank order without ranking every match (PostgreSQL).

Posts whose titles hold every term come first, ranked on the titles; the others follow newest
first. Broad queries match tens of thousands of posts, and ranking them all means reading
every large bigram vector; here each part is read through an index, a page at a time: first
the ids of the page (no joins), then those rows with everything a list page loads.
"""

from __future__ import annotations

from functools import cached_property

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import F


class RankedSearchResults:
    """The posts of `posts` matching `query`, sliced and counted like a QuerySet so a paginator
    can page them: title matches by rank, then the rest by date.
    """

    ordered = True  # for Django's paginator: the order is defined

    def __init__(self, posts, query: SearchQuery, weights: list[float], ordering: list):
        # A page's rows are read again through `posts` itself, not just by id, so a post
        # unpublished between the two queries is not served.
        self.rows = posts
        lean = posts.select_related(None).prefetch_related(None)
        self.matches = lean.filter(search_vector=query)
        # Title tokens are part of the whole document: a title match is a match.
        self.in_titles = (
            lean.filter(search_title_vector=query)
            .annotate(
                search_rank=1.0 + SearchRank(F("search_title_vector"), query, weights=weights)
            )
            .order_by("-search_rank", *ordering)
        )
        self.elsewhere = self.matches.exclude(search_title_vector=query).order_by(*ordering)

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    @cached_property
    def total(self) -> int:
        return self.matches.count()

    @cached_property
    def title_matches(self) -> int:
        return self.in_titles.count()

    def __getitem__(self, key: slice) -> list:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("search results are read a page (a slice) at a time")
        start = key.start or 0
        stop = self.total if key.stop is None else key.stop
        ids: list[int] = []
        if start < self.title_matches:
            page = self.in_titles[start : min(stop, self.title_matches)]
            ids += page.values_list("pk", flat=True)
        if stop > self.title_matches:
            page = self.elsewhere[max(start - self.title_matches, 0) : stop - self.title_matches]
            ids += page.values_list("pk", flat=True)
        if not ids:
            return []
        rows = self.rows.in_bulk(ids)  # the filters keep only what may still be shown
        return [rows[pk] for pk in ids if pk in rows]
