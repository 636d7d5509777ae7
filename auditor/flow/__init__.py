"""The project-wide stage of a scan: where each payload comes from.

It reads what the per-file stage left in each file's summary (``auditor.file_summary``,
built by ``auditor.scan.summary`` with the source catalogue ``auditor.judge.sources``):

- ``propagate``: the call graph over every summary, and the propagation of origins from
  sources to sinks through parameters and return values, to a fixpoint; with the derived
  sinks (functions whose parameter reaches a sink) called only with constants;
- ``constants``: the module-level constants of the scan's modules, read with the standard
  library's ``ast``, for the names a file imports from them;
- ``stage``: the stage itself, between the per-file analysis and the final classification.
"""
