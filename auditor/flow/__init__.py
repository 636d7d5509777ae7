"""The project-wide stage of a scan: where each payload comes from.

- ``sources``: the source catalogue (rules/sources.toml): request data, model output,
  command line, environment, files; entry points, sanitizers;
- ``taint``: what an expression carries, inside one function (sources, parameters, the
  results of calls);
- ``summary``: one file's summary, built in the per-file stage and cached with its findings:
  its functions (parameters, returns, entry points), its calls of other functions with what
  they pass, and what each call site's payload carries;
- ``propagate``: the call graph over every summary, and the propagation of origins from
  sources to sinks through parameters and return values, to a fixpoint; with the derived
  sinks (functions whose parameter reaches a sink) called only with constants;
- ``stage``: the stage itself, between the per-file analysis and the final classification.
"""
