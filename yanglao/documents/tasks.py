from django_tasks import task

from .services import JOB_QUEUE


@task(queue_name=JOB_QUEUE)
def render_job(job_id: int) -> None:
    """Render a print job (a large approval sheet, or many documents as one PDF); safe to re-run."""
    from .services import run_job

    run_job(job_id)
