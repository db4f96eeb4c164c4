"""Warehouse engines other than the default DuckDB file: connection settings per dbt
target (`targets`) and the PostgreSQL loader and serving grants (`postgres`)."""
