from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


class StandardPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000

    def get_page_size(self, request):
        """A page_size that is given must be a whole number; DRF would silently ignore it."""
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        value = raw.strip()
        if not (value.isascii() and value.isdigit()) or int(value) < 1:
            raise ValidationError(
                {
                    self.page_size_query_param: (
                        _("Give a whole number from 1 to %(max)s, not %(given)s.")
                        % {"max": self.max_page_size, "given": repr(raw[:40])}
                    )
                }
            )
        return min(int(value), self.max_page_size)
