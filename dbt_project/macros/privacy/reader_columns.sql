{#- The reader layer: every mart again, as BI readers may see it. Each mart column carries
    a privacy class in its YAML (meta.pii), and one macro per class says what a reader
    gets of it:
      identifier  the keyed hash (keyed_hash.sql): counting and joining still work, the
                  value cannot be recovered without the key
      free_text   null (var reader_text: omitted, the default), or the text with phone
                  numbers, e-mail addresses and URLs replaced (reader_text: redacted)
      staff       unchanged: agents' names and ids are what the per-agent reports are for
      none        unchanged: metrics, dates, business names and internal ids
    A reader model is one line, {{ omnireport.reader_model('<mart>') }}: its relation is
    reader.<mart>, with the mart's columns in the mart's order and types. -#}

{% macro pii_classes() -%}
    {{ return(['identifier', 'free_text', 'staff', 'none']) }}
{%- endmacro %}

{% macro reader_model(mart) -%}
    {{- config(alias=mart) -}}
    {%- do omnireport.require_pii_key() -%}
select
    {{ omnireport.reader_columns(mart) }}
from {{ ref(mart) }}
{%- endmacro %}

{#- The select list of the mart's reader model. -#}
{% macro reader_columns(mart) -%}
    {%- if not execute -%}{{ return('*') }}{%- endif -%}
    {%- set expressions = [] -%}
    {%- for name, class in omnireport.mart_column_classes(mart) -%}
        {%- if class == 'identifier' -%}
            {%- do expressions.append(omnireport.reader_identifier(name)) -%}
        {%- elif class == 'free_text' -%}
            {%- do expressions.append(omnireport.reader_free_text(name)) -%}
        {%- elif class == 'staff' -%}
            {%- do expressions.append(omnireport.reader_staff(name)) -%}
        {%- elif class == 'none' -%}
            {%- do expressions.append(omnireport.reader_none(name)) -%}
        {%- else -%}
            {{ exceptions.raise_compiler_error(omnireport.missing_class_message([mart ~ '.' ~ name])) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(expressions | join(',\n    ')) }}
{%- endmacro %}

{% macro reader_identifier(column) -%}
    {{ return(omnireport.keyed_hash(column) ~ ' as ' ~ column) }}
{%- endmacro %}

{% macro reader_free_text(column) -%}
    {%- set mode = var('reader_text') -%}
    {%- if mode == 'omitted' -%}
        {{ return('cast(null as ' ~ (dbt.type_string() | lower) ~ ') as ' ~ column) }}
    {%- elif mode == 'redacted' -%}
        {{ return(omnireport.redact_text(column) ~ ' as ' ~ column) }}
    {%- endif -%}
    {{ exceptions.raise_compiler_error("var reader_text is '" ~ mode ~ "': give omitted (the default) or redacted") }}
{%- endmacro %}

{% macro reader_staff(column) -%}
    {{ return(column) }}
{%- endmacro %}

{% macro reader_none(column) -%}
    {{ return(column) }}
{%- endmacro %}

{#- (column, class) of every column of the mart, in the mart's order: its YAML columns,
    and the columns add_sla_contract_columns generates from var sla_minutes (counts of
    the sla_<X>m kind: class none) after the one its meta names. -#}
{% macro mart_column_classes(mart) -%}
    {%- set node = graph.nodes['model.' ~ project_name ~ '.' ~ mart] -%}
    {%- set generated = node.config.get('meta', {}).get('sla_contract_columns') -%}
    {%- set columns = [] -%}
    {%- for name, column in node.columns.items() if not (generated and name in omnireport.sla_column_names()) -%}
        {%- do columns.append((name, column.get('meta', {}).get('pii'))) -%}
        {%- if generated and name == generated['after'] -%}
            {%- for sla_name in omnireport.sla_column_names() -%}
                {%- do columns.append((sla_name, 'none')) -%}
            {%- endfor -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(columns) }}
{%- endmacro %}

{% macro sla_column_names() -%}
    {%- set names = [] -%}
    {%- for minutes in var('sla_minutes') -%}
        {%- do names.append('sla_' ~ minutes ~ 'm') -%}
    {%- endfor -%}
    {{ return(names) }}
{%- endmacro %}

{% macro missing_class_message(columns) -%}
    {{ return("Mart column(s) without a privacy class: " ~ (columns | join(', ')) ~ ". Give each "
        ~ "one meta: {pii: identifier|free_text|staff|none} in models/marts/_marts__models.yml "
        ~ "(what each class means: DECISIONS.md, Privacy), then run "
        ~ "`python -m omnireport.privacy.classes --write` to update the docs page.") }}
{%- endmacro %}

{#- on-run-start: every build stops before it starts when a mart column has no privacy
    class, or a mart has no reader model, naming them. -#}
{% macro check_pii_classes() -%}
    {%- if not execute -%}{{ return('') }}{%- endif -%}
    {%- set missing = [] -%}
    {%- set readers = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.fqn[1] == 'reader' -%}
        {%- do readers.append(node.name) -%}
    {%- endfor -%}
    {%- set without_reader = [] -%}
    {%- for node in graph.nodes.values() if node.resource_type == 'model' and node.fqn[1] == 'marts' -%}
        {%- for name, column in node.columns.items() -%}
            {%- if column.get('meta', {}).get('pii') not in omnireport.pii_classes() -%}
                {%- do missing.append(node.name ~ '.' ~ name) -%}
            {%- endif -%}
        {%- endfor -%}
        {%- if ('reader_' ~ node.name) not in readers -%}
            {%- do without_reader.append(node.name) -%}
        {%- endif -%}
    {%- endfor -%}
    {%- set problems = [] -%}
    {%- if missing -%}
        {%- do problems.append(omnireport.missing_class_message(missing | sort)) -%}
    {%- endif -%}
    {%- if without_reader -%}
        {%- do problems.append("Mart(s) without a reader model: " ~ (without_reader | sort | join(', '))
            ~ ". Add models/reader/reader_<mart>.sql holding {{ omnireport.reader_model('<mart>') }} and its "
            ~ "entry in models/reader/_reader__models.yml.") -%}
    {%- endif -%}
    {%- if problems -%}
        {{ exceptions.raise_compiler_error(problems | join('\n')) }}
    {%- endif -%}
    {{ return('') }}
{%- endmacro %}
