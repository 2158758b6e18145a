from django_tasks import task


@task()
def run_bulk_job(job_id: int) -> None:
    """Background run of a confirmed bulk action (core/bulkactions.py), on the default queue; safe to re-run."""
    from .bulkactions import bulk_job_run

    bulk_job_run(job_id)
