"""The reader layer's privacy: which mart columns are personal data, and the key that hashes
the identifiers.

- ``classes``: the privacy class of every mart column (``meta: {pii: ...}`` in the marts'
  YAML) and the dbt docs page listing them (``python -m omnireport.privacy.classes``).
- ``keys``: the PII key (``OMNIREPORT_PII_KEY``, else a key made once per warehouse in its
  state folder, owner-only) and how each engine's session receives it without the key ever
  passing through dbt's Jinja, logs or artifacts.

The SQL lives in ``dbt_project/macros/privacy/``; DECISIONS.md (Privacy) says why.
"""
