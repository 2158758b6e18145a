from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "yanglao.people"
    label = "people"
    verbose_name = "老年人档案"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from yanglao.core.selectors import register_division_counter, register_workbench_card

        from .selectors import count_by_division, workbench_people, workbench_people_80

        register_division_counter("people", _("在册老年人"), count_by_division)
        register_workbench_card("people", _("在册老年人"), workbench_people)
        register_workbench_card("people_80", _("80岁及以上"), workbench_people_80)
