"""The dbt project as Dagster sees it.

Nothing here runs at import. ``dbt_project(settings)`` describes the project with a
target path beside the warehouse (``omnireport.dbt_command.ensure_manifest`` keeps its
manifest fresh); ``dbt_resource(settings)`` is the dbt CLI resource of the runs.
"""

from __future__ import annotations

from dagster_dbt import DbtCliResource, DbtProject

from omnireport.dbt_command import dbt_executable
from omnireport.settings import Settings


def dbt_project(settings: Settings) -> DbtProject:
    """The dbt project of ``settings``, with the warehouse's own target path."""
    if not (settings.dbt_project_dir / "dbt_project.yml").is_file():
        raise FileNotFoundError(
            f"No dbt_project.yml in {settings.dbt_project_dir}: set OMNIREPORT_DBT_PROJECT_DIR "
            "to the folder of the omnireport dbt project."
        )
    return DbtProject(
        project_dir=settings.dbt_project_dir,
        profiles_dir=settings.dbt_project_dir,
        target_path=settings.dbt_target_path,
    )


def dbt_resource(settings: Settings) -> DbtCliResource:
    """The dbt CLI resource: the venv's dbt, the project and its profiles."""
    return DbtCliResource(
        project_dir=dbt_project(settings),
        profiles_dir=str(settings.dbt_project_dir),
        dbt_executable=dbt_executable(),
    )
