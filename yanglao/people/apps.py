from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "yanglao.people"
    label = "people"
    verbose_name = "老年人档案"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.selectors import register_division_counter

        from .selectors import count_by_division

        register_division_counter("people", _("在册老年人"), count_by_division)
