"""Site search: one engine for `/search/`, the lists' `q` and the API's `q`.

`fields` says what is searched and how heavily; `query` reads what people type;
`engine` runs it on PostgreSQL or SQLite; `index` keeps SQLite's FTS5 index in
step; `suggest` offers "did you mean"; `views` is the `/search/` page.
"""

from ldnsite.search.engine import filter_queryset, matching, parse_query
from ldnsite.search.views import search, search_view

__all__ = ["filter_queryset", "matching", "parse_query", "search", "search_view"]
