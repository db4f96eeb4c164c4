"""The record that lets a run with nothing new skip dbt (omnireport.build_record)."""

import json
from datetime import datetime
from pathlib import Path

from omnireport.build_record import (
    build_fingerprint,
    forget_build,
    is_published_build,
    record_build,
    record_published,
)

BUILT = datetime(2026, 3, 1, 8, 0, 0, 123456)
LATER = datetime(2026, 3, 1, 9, 0, 0)


def _project(folder: Path, *, model_checksum: str = "a1", macro_sql: str = "select 1") -> tuple:
    manifest = folder / "manifest.json"
    manifest.write_text(
        json.dumps(
            {
                "nodes": {
                    "model.p.m": {"checksum": {"name": "sha256", "checksum": model_checksum}}
                },
                "macros": {"macro.p.x": {"macro_sql": macro_sql}},
            }
        )
    )
    project = folder / "dbt_project.yml"
    if not project.exists():
        project.write_text("vars: {reader_text: omitted}\n")
    return manifest, project


def test_the_fingerprint_changes_with_each_input(tmp_path):
    manifest, project = _project(tmp_path)
    base = build_fingerprint(manifest, project, {"report_timezone": "UTC"}, "f" * 16)
    assert base == build_fingerprint(manifest, project, {"report_timezone": "UTC"}, "f" * 16)
    changed = {
        build_fingerprint(manifest, project, {"report_timezone": "UTC"}, "e" * 16),  # PII key
        build_fingerprint(manifest, project, {"report_timezone": "Asia/Tokyo"}, "f" * 16),
        build_fingerprint(manifest, project, {"report_timezone": "UTC", "reader_text": "redacted"}, "f" * 16),
    }  # fmt: skip
    _project(tmp_path, model_checksum="b2")  # a model changed
    changed.add(build_fingerprint(manifest, project, {"report_timezone": "UTC"}, "f" * 16))
    _project(tmp_path, macro_sql="select 2")  # a macro changed
    changed.add(build_fingerprint(manifest, project, {"report_timezone": "UTC"}, "f" * 16))
    _project(tmp_path)
    project.write_text("vars: {reader_text: omitted, reader_redactions: []}\n")  # a var changed
    changed.add(build_fingerprint(manifest, project, {"report_timezone": "UTC"}, "f" * 16))
    assert base not in changed and len(changed) == 6


def test_only_a_published_record_of_the_same_build_and_fingerprint_matches(tmp_path):
    state = tmp_path / "state"
    assert not is_published_build(state, BUILT, "x")  # no record yet
    record_build(state, BUILT, "x")
    assert not is_published_build(state, BUILT, "x")  # built, not yet published
    record_published(state, LATER)  # another build's publish marks nothing
    assert not is_published_build(state, BUILT, "x")
    record_published(state, BUILT)
    assert is_published_build(state, BUILT, "x")
    assert not is_published_build(state, BUILT, "y")
    assert not is_published_build(state, LATER, "x")
    forget_build(state)  # a build starts
    assert not is_published_build(state, BUILT, "x")
    forget_build(state)  # nothing to remove: no error


def test_an_unreadable_record_never_matches(tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    (state / "last_build.json").write_text("{not json")
    assert not is_published_build(state, BUILT, "x")


def test_nothing_new_is_never_said_of_a_warehouse_that_was_never_built(tmp_path: Path) -> None:
    import duckdb

    from omnireport.build_record import nothing_new
    from omnireport.build_state import BuildSettings
    from omnireport.settings import load_settings

    landing = tmp_path / "landing"
    (landing / "tags").mkdir(parents=True)
    (landing / "tags" / "t.csv").write_text("tag_id,tag_name\nt1,VIP\n", encoding="utf-8")
    warehouse = tmp_path / "wh.duckdb"
    settings = load_settings(landing_dir=landing, warehouse=warehouse, env={})
    build = BuildSettings.resolve()
    assert nothing_new(settings, build) is None  # no warehouse file
    duckdb.connect(str(warehouse)).close()  # a file with no table in it
    assert nothing_new(settings, build) is None
