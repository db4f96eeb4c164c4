"""The publish asset: after the marts and their error-severity checks, swap in new snapshots.

It runs only when every upstream step succeeded (a failed dbt model or test fails the dbt
step, and Dagster skips what depends on it), and it refuses to publish when any
error-severity asset check of this run failed (a landing file that could not be loaded, a
blocking Great Expectations check, ...). Its materialization records the quarantined rows
per raw table and the newest event of the data, read while the run still holds the writer
lock: ``omnireport status`` reads them from the instance.
"""

from collections.abc import Sequence
from typing import Any

from dagster import (
    AssetCheckSeverity,
    AssetExecutionContext,
    AssetKey,
    AssetsDefinition,
    DagsterEventType,
    Failure,
    MaterializeResult,
    MetadataValue,
    asset,
)

from omnireport.build_record import record_published
from omnireport.build_state import read_state
from omnireport.settings import Settings
from orchestration.resources import (
    ProgressResource,
    WarehouseResource,
    WriterLockResource,
)

PUBLISH_ASSET_KEY = AssetKey(["published", "marts_snapshot"])
PUBLISH_GROUP = "published"
# How the publish step's failure begins when checks of the run failed (they say why).
CHECKS_FAILED = "not published: "


def failed_error_checks(context: AssetExecutionContext) -> list[str]:
    """The error-severity asset checks that failed earlier in this run."""
    records = context.instance.all_logs(
        context.run_id, of_type=DagsterEventType.ASSET_CHECK_EVALUATION
    )
    failed = []
    for record in records:
        evaluation = record.dagster_event.event_specific_data  # type: ignore[union-attr]
        if not evaluation.passed and evaluation.severity == AssetCheckSeverity.ERROR:
            failed.append(f"{evaluation.asset_key.to_user_string()} {evaluation.check_name}")
    return sorted(failed)


def build_publish_asset(marts: Sequence[AssetKey]) -> AssetsDefinition:
    """The publish asset, downstream of every ``marts`` and ``reader`` asset."""

    @asset(
        key=PUBLISH_ASSET_KEY,
        group_name=PUBLISH_GROUP,
        deps=list(marts),
        kinds={"duckdb"},
        description=(
            "Where readers read. DuckDB: two files swapped in together (storage v1.0.0): the "
            "full snapshot (every relation of schema marts, owner-only, for trusted analysts) "
            "and the reader snapshot (the reader layer under the marts' names: identifiers "
            "hashed, free text left out or redacted, for BI); after an incremental build only "
            "the rebuilt rows are replaced in copies of the last files. PostgreSQL: role "
            "omnireport_reader on schema reader, omnireport_analyst on schema marts. Spark: "
            "schemas reader and marts themselves, read through the same Spark Connect server."
        ),
    )
    def marts_snapshot(
        context: AssetExecutionContext,
        warehouse: WarehouseResource,
        progress: ProgressResource,
        writer_lock: WriterLockResource,
    ) -> MaterializeResult:
        from omnireport.status import collect_health

        settings = warehouse.settings()
        failed = failed_error_checks(context)
        if failed:
            raise Failure(
                description=(
                    f"{CHECKS_FAILED}{len(failed)} error-severity check(s) failed in this run "
                    f"({', '.join(failed[:10])}); readers keep the previous snapshot"
                ),
            )
        with warehouse.cursor() as con:
            health = collect_health(con)
            state = read_state(con)
        metadata = _publish(settings, context.run_id, progress)
        if state is not None:
            record_published(settings.state_dir, state.built_at)
        return MaterializeResult(
            metadata={
                **metadata,
                "newest_event_at": health.newest_event_at or "",
                "quarantined_rows": sum((health.quarantined or {}).values()),
                "quarantined_by_table": MetadataValue.json(health.quarantined or {}),
            }
        )

    return marts_snapshot


def _publish(settings: Settings, run_id: str, progress: ProgressResource) -> dict[str, Any]:
    """Publish where the target's readers read; the metadata of what was published (never
    the PII key: at most its fingerprint)."""
    if settings.target == "postgres":
        from omnireport.warehouse.postgres import (
            ANALYST_ROLE,
            READER_ROLE,
            READER_SCHEMA,
            SERVED_SCHEMA,
            grant_serving_roles,
        )

        target = settings.warehouse_target()
        grant_serving_roles(target.settings.conninfo())
        progress.report(
            f"Granted the read-only role {READER_ROLE} on schema {READER_SCHEMA} and "
            f"{ANALYST_ROLE} on schema {SERVED_SCHEMA}."
        )
        return {
            "reader_role": READER_ROLE,
            "schema": READER_SCHEMA,
            "analyst_role": ANALYST_ROLE,
            "analyst_schema": SERVED_SCHEMA,
        }
    from omnireport.privacy.keys import load_pii_key

    if settings.target == "spark":
        # Readers query the server's tables: each write replaced whole partitions. The
        # reader layer was built with the key dbt's session held.
        server = settings.warehouse_target().describe()
        pii_key = load_pii_key(settings.state_dir)
        progress.report(
            f"Readers read schema reader (BI) and analysts schema marts on {server} ({pii_key})."
        )
        return {
            "schema": "reader",
            "analyst_schema": "marts",
            "server": server,
            "pii_key_fingerprint": pii_key.fingerprint,
        }
    from omnireport.publish import publish

    pii_key = load_pii_key(settings.state_dir)
    result = publish(settings.warehouse, run_id=run_id, pii_key=pii_key)
    progress.report(
        f"Published {len(result.tables)} marts relations to {result.snapshot} "
        f"({result.mode}: {result.reason}) and the reader layer to {result.reader_snapshot} "
        f"({result.reader_mode}: {result.reader_reason}; {pii_key}) in {result.seconds:.1f} s."
    )
    return {
        "snapshot": MetadataValue.path(str(result.snapshot)),
        "reader_snapshot": MetadataValue.path(str(result.reader_snapshot)),
        "published_at": result.published_at,
        "relations": len(result.tables),
        "mode": result.mode,
        "reader_mode": result.reader_mode,
        "pii_key_fingerprint": pii_key.fingerprint,
        "rows": MetadataValue.json(result.tables),
    }
