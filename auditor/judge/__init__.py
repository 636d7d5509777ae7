"""The judgement, in one place: the sink ``catalogue`` (rules/sinks.toml), the isolation
``policy`` (rules/policy.toml, presets, and the project's [tool.auditor]), ``shellwords`` (what a
shell command string is, for trusted-command patterns) and ``classify`` (class, rule, risk and
action of a call site)."""
