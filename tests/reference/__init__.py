"""An independent pandas implementation of CONTRACT.md, used as a test oracle for the dbt marts."""
