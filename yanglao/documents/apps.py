from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "yanglao.documents"
    label = "documents"
    verbose_name = "文书打印"

    def ready(self) -> None:
        from yanglao.core.roles import Role, register_capabilities

        # Every console role may see its own print jobs and the documents it issued; what it may print is
        # the capability of each document kind (registry.py). Only the city administrator edits the
        # wording of the printed forms (title, issuing unit, footer, seal text).
        everyone = {"documents.view"}
        register_capabilities({role: set(everyone) for role in Role.values})
        register_capabilities({Role.CITY_ADMIN: {"documents.templates"}})
