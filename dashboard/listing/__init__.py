"""The read side: what the pages list, search and count. Queries only, no writes."""

from dashboard.listing.activity import ACTIVITY_KINDS, activity, link_batches
from dashboard.listing.projects import (
    DEFAULT_SORT,
    LIST_FIELDS,
    PAGE_SIZE,
    SORTS,
    ProjectQuery,
    clean_filters,
    list_counts,
    list_page,
    next_sorts,
    project_list,
    project_query,
)

__all__ = [
    "ACTIVITY_KINDS",
    "DEFAULT_SORT",
    "LIST_FIELDS",
    "PAGE_SIZE",
    "SORTS",
    "ProjectQuery",
    "activity",
    "clean_filters",
    "link_batches",
    "list_counts",
    "list_page",
    "next_sorts",
    "project_list",
    "project_query",
]
