from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "yanglao.people"
    label = "people"
    verbose_name = "老年人档案"

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from . import dictionaries

        dictionaries.register()
        from . import notices

        notices.register()  # the import-finished notice (yanglao/notices)

        from . import documents

        documents.register()

        from yanglao.core.selectors import register_division_counter, register_workbench_card

        from .selectors import count_by_division, workbench_people, workbench_people_80

        register_division_counter("people", _("在册老年人"), count_by_division)
        register_workbench_card("people", _("在册老年人"), workbench_people, capability="people.view")
        register_workbench_card("people_80", _("80岁及以上"), workbench_people_80, capability="people.view")

        from yanglao.core.todos import register_todo

        from . import workbench

        register_todo("people.imports_with_errors", _("有错误行的导入（近30天）"), workbench.todo_imports_with_errors,
                      capability="people.import")
        register_todo("people.unmasked_exports", _("待审批的完整信息导出"), workbench.todo_unmasked_exports,
                      capability="people.export_unmasked")
