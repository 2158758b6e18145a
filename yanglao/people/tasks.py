from django_tasks import task


@task()
def run_import(job_id: int) -> None:
    """Background import (django-tasks); safe to re-run."""
    from .importing import run_job

    run_job(job_id)
