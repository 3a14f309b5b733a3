"""Background work. Tasks take ids, never model instances or secrets."""

from django.tasks import task

from . import services


@task()
def submit_project(project_id: int) -> None:
    services.project_submit(project_id)
