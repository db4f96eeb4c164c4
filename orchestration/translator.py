"""How dbt nodes become Dagster assets: keys are relations, groups are layers.

A model's asset key is ``[schema, relation]`` (``["staging", "stg_crm__sessions"]``,
``["quarantine", "sessions"]``, ``["marts", "fct_sessions"]``) and its group is its
schema, which ``generate_schema_name`` keeps exactly one of raw, staging, quarantine,
intermediate, marts, reader, audit. A source table ``crm.<table>`` maps to ``["raw", <table>]``,
the key of the landing load's output, so lineage runs from the files to the marts.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from dagster import AssetKey
from dagster_dbt import DagsterDbtTranslator

from omnireport.contract import RAW_SCHEMA

# The dbt layers, then "published": the snapshot readers open (assets/publish.py), not a dbt schema.
LAYERS: tuple[str, ...] = (
    "raw",
    "staging",
    "quarantine",
    "intermediate",
    "marts",
    "reader",
    "audit",
    "published",
)


def _relation_name(dbt_resource_props: Mapping[str, Any]) -> str:
    return dbt_resource_props.get("alias") or dbt_resource_props["name"]


class OmnireportDbtTranslator(DagsterDbtTranslator):
    """Asset keys from the relation each dbt node builds; groups from its layer (schema)."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return AssetKey([RAW_SCHEMA, dbt_resource_props["name"]])
        return AssetKey([dbt_resource_props["schema"], _relation_name(dbt_resource_props)])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return RAW_SCHEMA
        schema = dbt_resource_props["schema"]
        return schema if schema in LAYERS else "other"
