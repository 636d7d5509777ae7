"""The per-file stage of a scan, one module per step, in the order a file goes through them:

- ``discover``: the files to scan (git-aware, include/exclude globs, never a virtualenv);
- ``prefilter``: a sound text check for the names a finding needs, then a survey of the
  standard library's ``ast`` that finds the calls that may resolve to a sink;
- ``skeleton``: the source libcst parses, with the bodies that cannot reach a sink dropped;
  ``cst_parse``: libcst's parse, without validating each node the parser builds;
- ``walk`` and ``collect``: one pass over the libcst module that builds ``scopes`` and records
  the calls that may reach a sink;
- ``resolve``: what a callee refers to, through imports, aliases and indirection;
- ``payload``: whether a payload is known at compile time (``written``: what a function
  writes into a file it then runs or reads; ``strings``: string literals' values, memoised);
- ``summary``: the file's summary for the project stage (its functions, the calls of other
  functions with what they pass, what each site's payload carries; data in
  ``auditor.file_summary``, sources from ``auditor.judge.sources``);
- ``analyze``: one file, end to end (bytes in, findings, errors and summary out), with
  ``positions`` for the spans (from the ``ast``; a node libcst alone places, by
  regenerating its top-level statement), ``suppress`` for ``# auditor: ignore`` comments
  and ``isolation`` for whether a call of the sandbox surely runs there;
- ``cache``: results cached by content.

The worker processes that run this stage (and plan each file's migration when a report or
``auditor migrate`` asks) are ``auditor.worker``; the project-wide stage that follows is
``auditor.flow``; the judgement (policy, catalogues, classification) lives in
``auditor.judge``; the plain API that runs the stages is ``auditor.api``.
"""
