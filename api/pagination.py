"""Page-number pagination with a client-chosen page size, capped, and strict about bad values."""

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class PostPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,6}", raw) or int(raw) < 1:
            raise ValidationError(
                {"page_size": [f"must be a whole number from 1 to {self.max_page_size}."]}
            )
        if int(raw) > self.max_page_size:
            raise ValidationError({"page_size": [f"must not exceed {self.max_page_size}."]})
        return int(raw)
