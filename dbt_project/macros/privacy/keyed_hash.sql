{#- The keyed hash of the reader layer: lower-case hex sha256 of key || ':' || value, null
    for null (DECISIONS.md, Privacy). The same construction on every engine, so a value
    hashes alike in DuckDB, PostgreSQL and Spark (tests compare it with Python's hashlib).

    The key never passes through Jinja: dbt writes every rendered model into target/compiled
    and target/run and logs its SQL, and it refuses DBT_ENV_SECRET_ variables outside
    profiles.yml. Each engine reads the key from its own session instead, where the
    orchestration (omnireport.privacy) put it: DuckDB the variable omnireport_pii_key (set
    by the publish step, which evaluates the reader views), PostgreSQL the setting
    omnireport.pii_key (PGOPTIONS of the dbt process), Spark the conf
    spark.omnireport.pii_key (set on the session dbt runs in). -#}
{% macro keyed_hash(expression) -%}
    {{ return(adapter.dispatch('keyed_hash', 'omnireport')(expression)) }}
{%- endmacro %}

{% macro default__keyed_hash(expression) -%}
    encode(sha256(convert_to({{ omnireport.pii_key() }} || ':' || {{ expression }}, 'UTF8')), 'hex')
{%- endmacro %}

{% macro duckdb__keyed_hash(expression) -%}
    sha256({{ omnireport.pii_key() }} || ':' || {{ expression }})
{%- endmacro %}

{% macro spark__keyed_hash(expression) -%}
    sha2(concat({{ omnireport.pii_key() }}, ':', {{ expression }}), 256)
{%- endmacro %}

{#- The key as a SQL expression read from the engine's session (see above). DuckDB
    evaluates the reader views long after dbt built them, so the expression itself fails
    when the key is missing or short; PostgreSQL and Spark build tables, and
    require_pii_key checks the key before each is built. -#}
{% macro pii_key() -%}
    {{ return(adapter.dispatch('pii_key', 'omnireport')()) }}
{%- endmacro %}

{% macro default__pii_key() -%}
    current_setting('omnireport.pii_key')
{%- endmacro %}

{% macro duckdb__pii_key() -%}
    {%- set key = "getvariable('omnireport_pii_key')" -%}
    cast(case when length({{ key }}) >= 32 then {{ key }} else error('the reader layer needs the PII key: omnireport sets it when it publishes') end as varchar)
{%- endmacro %}

{% macro spark__pii_key() -%}
    '${spark.omnireport.pii_key}'
{%- endmacro %}

{#- Fail the model before it is built when the engine's session holds no usable key. -#}
{% macro require_pii_key() -%}
    {{ return(adapter.dispatch('require_pii_key', 'omnireport')()) }}
{%- endmacro %}

{#- PostgreSQL: current_setting(name, true) is null instead of an error when it is missing. -#}
{% macro default__require_pii_key() -%}
    {%- if execute -%}
        {%- set found = run_query("select length(current_setting('omnireport.pii_key', true))").columns[0].values()[0] -%}
        {%- if found is none or found < 32 -%}
            {{ exceptions.raise_compiler_error(
                "The reader layer needs the PII key (32 characters or more) in the PostgreSQL session: "
                ~ "build through omnireport (omnireport run --target postgres), which sets it from "
                ~ "OMNIREPORT_PII_KEY or the warehouse's key file; by hand, run dbt with "
                ~ "PGOPTIONS='-c omnireport.pii_key=<key>'.") }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro spark__require_pii_key() -%}
    {#- An unset conf reads as '' (as written when variable substitution is off): never the key. -#}
    {%- if execute -%}
        {%- set found = run_query('select ' ~ omnireport.pii_key()).columns[0].values()[0] -%}
        {%- if found is none or found | length < 32 or found.startswith('${') -%}
            {{ exceptions.raise_compiler_error(
                "The reader layer needs the PII key (32 characters or more) as the Spark conf "
                ~ "spark.omnireport.pii_key: build through omnireport (omnireport run --target spark), "
                ~ "which sets it from OMNIREPORT_PII_KEY or the warehouse's key file.") }}
        {%- endif -%}
    {%- endif -%}
{%- endmacro %}

{% macro duckdb__require_pii_key() -%}
{%- endmacro %}
