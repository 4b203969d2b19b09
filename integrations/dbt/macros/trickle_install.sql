{#- The deploy script of a stream-table model, as `trickle dbt compile` wrote it into a macro of the project (one file
    per model, in a folder listed in the project's macro-paths). The script is trickle's idempotent deploy script: it
    installs the stream table when absent, does nothing when this definition is installed, switches mode or schedule,
    or upgrades online. Nothing here compiles anything: every decision is in the script. -#}
{% macro trickle_script(model_node=none) -%}
  {%- set node = model_node if model_node is not none else model -%}
  {%- set macro_name = 'trickle_script__' ~ trickle_identifier(node['package_name']) ~ '__' ~ trickle_identifier(node['name']) -%}
  {%- if macro_name not in context -%}
    {{ exceptions.raise_compiler_error(
        "stream table model " ~ node['unique_id'] ~ " has no compiled script (macro " ~ macro_name ~ "): run "
        ~ "`trickle dbt compile --manifest target/manifest.json ... -o <a folder in macro-paths>` after dbt compile") }}
  {%- endif -%}
  {#- The script was compiled from this model's SQL and configuration: refuse one compiled from an older version. -#}
  {%- set compiled_sql = node['compiled_code'] if node.get('compiled_code') is not none else sql -%}
  {%- set inputs = compiled_sql ~ '\n' ~ (node['config'].get('refresh_mode') or '') ~ '\n' ~ (node['config'].get('schedule') or '') -%}
  {%- if context[macro_name ~ '__inputs']() | trim != local_md5(inputs) -%}
    {{ exceptions.raise_compiler_error(
        "the compiled script of stream table model " ~ node['unique_id'] ~ " is out of date (the model's SQL, "
        ~ "refresh_mode or schedule changed since): run `trickle dbt compile` again") }}
  {%- endif -%}
  {{ return(context[macro_name]()) }}
{%- endmacro %}

{#- Letters, digits and underscores, lower case: how `trickle dbt compile` names the macros. -#}
{% macro trickle_identifier(text) -%}
  {{ return(modules.re.sub('_+', '_', modules.re.sub('[^a-z0-9]', '_', text | lower)).strip('_')) }}
{%- endmacro %}

{#- Installs or upgrades a model's stream table by running its deploy script: as a pre-hook
    (pre_hook="{{ trickle_install() }}") or from the command line
    (dbt run-operation trickle_install --args '{model_name: order_totals}'). -#}
{% macro trickle_install(model_name=none) -%}
  {%- if execute -%}
    {%- set node = model -%}
    {%- if model_name is not none -%}
      {%- set matches = graph.nodes.values() | selectattr('resource_type', 'equalto', 'model') | selectattr('name', 'equalto', model_name) | list -%}
      {%- if matches | length != 1 -%}
        {{ exceptions.raise_compiler_error("trickle_install: no single model named " ~ model_name) }}
      {%- endif -%}
      {%- set node = matches[0] -%}
    {%- endif -%}
    {%- do run_query(trickle_script(node)) -%}
    {%- do log("trickle: stream table " ~ node['unique_id'] ~ " deployed", info=true) -%}
  {%- endif -%}
{%- endmacro %}
