{#- models materialized as stream_table: {{ config(materialized='stream_table', refresh_mode='differential',
    schedule='5m') }}. The model's relation becomes a stream table, maintained incrementally by trickle; its SQL is
    compiled by `trickle dbt compile` (configured by refresh_mode and schedule), and this materialization only runs the
    compiled deploy script, which installs, keeps, switches or upgrades the stream table as needed. -#}
{% materialization stream_table, adapter='postgres' %}
  {%- set target_relation = this.incorporate(type='view') -%}
  {{ run_hooks(pre_hooks) }}
  {% call statement('main') -%}
    {{ trickle_script() }}
  {%- endcall %}
  {{ run_hooks(post_hooks) }}
  {{ return({'relations': [target_relation]}) }}
{% endmaterialization %}
