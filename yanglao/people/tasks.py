from django_tasks import task

IMPORTS_QUEUE = "imports"  # its own worker (docs/configuration.md): an import never delays a payment run


@task(queue_name=IMPORTS_QUEUE)
def run_import(job_id: int) -> None:
    """Background import (django-tasks), on the imports queue; safe to re-run."""
    from .importing import run_job

    run_job(job_id)
