"""The per-file stage of a scan, one module per step, in the order a file goes through them:

- ``discover``: the files to scan (git-aware, include/exclude globs, never a virtualenv);
- ``prefilter``: a sound text check for the names a finding needs, then a survey of the
  standard library's ``ast`` that finds the calls that may resolve to a sink;
- ``skeleton``: the source libcst parses, with the bodies that cannot reach a sink dropped;
- ``walk`` and ``collect``: one pass over the libcst module that builds ``scopes`` and records
  the calls that may reach a sink;
- ``resolve``: what a callee refers to, through imports, aliases and indirection;
- ``payload``: whether a payload is known at compile time;
- ``analyze``: one file, end to end (bytes in, findings and errors out), with ``positions``
  for the spans and ``suppress`` for ``# auditor: ignore`` comments;
- ``cache`` and ``worker``: results cached by content, and the worker processes (which also
  plan each file's migration when a report or ``auditor migrate`` asks, see auditor.plans).

The judgement (policy, catalogue, classification) lives in ``auditor.judge``; the plain API
that runs the stages is ``auditor.api``.
"""
