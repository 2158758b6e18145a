from rest_framework.pagination import PageNumberPagination


class CountedPagination(PageNumberPagination):
    """{"count", "next", "previous", "results"}, 20 a page, up to 200 with ?page_size=."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200
