"""``auditor policy``: print the effective policy."""

from __future__ import annotations

import json
from pathlib import Path

import click

from auditor.commands.common import load_policy_or_fail, require_existing


@click.command("policy")
@click.argument("path", required=False, type=click.Path(path_type=Path))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text for people, json for scripts.",
)
@click.option(
    "--presets",
    "list_presets",
    is_flag=True,
    help="List the named presets a project can extend ('extends = \"NAME\"' in "
    "[tool.auditor]) and exit.",
)
@click.option(
    "--config",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Policy file (pyproject.toml or auditor.toml); default: found upward from PATH.",
)
def command(path: Path | None, fmt: str, list_presets: bool, config: Path | None) -> int:
    """Print the effective isolation policy for PATH (default: .): the built-in defaults
    (rules/policy.toml, which trust no path and no command), then the presets named in
    'extends', then [tool.auditor] of the nearest pyproject.toml or auditor.toml. Each trust
    rule says where it comes from."""
    if list_presets:
        from auditor.judge.policy import presets

        if fmt == "json":
            click.echo(json.dumps(presets(), indent=2))
        else:
            for name, description in presets().items():
                click.echo(f"{name}: {description}")
        return 0
    require_existing([path or Path(".")])
    policy = load_policy_or_fail(path or Path("."), config)
    if fmt == "json":
        click.echo(json.dumps(policy.to_json(), indent=2))
        return 0
    described = policy.describe()
    out = [f"Policy: {policy.source or 'built-in defaults (no [tool.auditor] found)'}"]
    if policy.extends:
        out.append("Presets: " + ", ".join(policy.extends))
    out.append(f"Project root: {policy.root}")
    out.append("")
    out.append("MUST be isolated:")
    out += [f"  - {i['text']} ({i['rule']})" for i in described["must_isolate"]]
    out.append("MAY run directly:")
    for item in described["may_run_directly"]:
        label = {
            "trusted_path": "files under ",
            "trusted_command": "commands matching ",
            "isolation_wrapper": "calls through ",
        }.get(item["key"], "")
        rule = f" ({item['rule']})" if item["rule"] else ""
        source = f"  [from {item['source']}]" if item.get("source") else ""
        out.append(f"  - {label}{item['text']}{rule}{source}")
    out.append("")
    out.append("Classes (rule, risk, action):")
    for name, c in policy.classes.items():
        out.append(f"  {c.rule}  {name:<17} {c.risk:<6} {c.action:<8} {c.summary}")
    if policy.sinks:
        out.append("")
        out.append("Project sinks:")
        for sink in policy.sinks:
            flag = " (isolation wrapper)" if sink.isolated else ""
            out.append(
                f"  {sink.name}: {sink.kind}, payload {sink.payload}, shell {sink.shell}{flag}"
            )
    out.append(f"Files larger than {policy.max_file_size} bytes are not parsed.")
    if policy.exclude:
        out.append("Excluded: " + ", ".join(policy.exclude))
    if policy.include:
        out.append("Included: " + ", ".join(policy.include))
    click.echo("\n".join(out))
    return 0
