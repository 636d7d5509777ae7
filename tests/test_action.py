"""The GitHub Action (action.yml): its steps run here as the runner runs a composite action.

A small runner reads action.yml, fills in the ``${{ inputs.* }}``, ``${{ github.* }}``,
``${{ runner.* }}`` and ``${{ steps.*.outputs.* }}`` expressions of each step (and refuses any
other), gives it the runner's files (GITHUB_ENV, GITHUB_OUTPUT...) and runs its ``run:``
with bash in a fixture repository, from a copy of the action's checkout (the files git
tracks). So the commands tested are the ones the composite runs: a finding fails the step, a
clean tree passes, and the SARIF file is valid against the SARIF 2.1.0 schema."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = ROOT / "action.yml"
# ../shared/reference beside the repository (as CI lays it out), else the copy in the tests
SCHEMAS = (
    ROOT.parent / "shared" / "reference" / "sarif-schema-2.1.0.json",
    ROOT / "tests" / "reports" / "data" / "sarif-schema-2.1.0.json",
)
EXPRESSION = re.compile(r"\$\{\{\s*([^}]*?)\s*\}\}")

FINDING = "import os\n\n\ndef run(cmd):\n    os.system(cmd)\n"
CLEAN = 'import subprocess\n\n\ndef ok():\n    subprocess.run(["ls", "-l"])\n'


@dataclass
class Run:
    status: int  # of the first failing step, else 0
    stdout: str
    outputs: dict[str, str]  # the action's outputs
    steps_run: int


def _action() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(ACTION.read_text("utf-8"))
    return data


def _read_pairs(path: Path) -> dict[str, str]:
    """KEY=VALUE lines of GITHUB_ENV / GITHUB_OUTPUT (heredoc form not used by our steps)."""
    out = {}
    for line in path.read_text("utf-8").splitlines():
        if line:
            assert "=" in line and "<<" not in line, line
            key, value = line.split("=", 1)
            out[key] = value
    return out


class Runner:
    """Runs the composite action's steps as GitHub's runner does (bash steps only)."""

    def __init__(self, action_path: Path, temp: Path, env: dict[str, str]) -> None:
        self.action_path = action_path
        self.temp = temp
        self.base_env = env
        # (python, engines) -> what the install step wrote to GITHUB_ENV: a later run with
        # the same inputs reuses the venv instead of building the wheel again (speed only;
        # the first run of each kind runs the step)
        self.installed: dict[tuple[str, str], dict[str, str]] = {}

    def run(self, workspace: Path, with_: dict[str, str]) -> Run:
        action = _action()
        assert action["runs"]["using"] == "composite"
        declared = action["inputs"]
        unknown = set(with_) - set(declared)
        assert not unknown, f"not inputs of action.yml: {unknown}"
        inputs = {k: str(v.get("default", "")) for k, v in declared.items()}
        inputs.update(with_)
        steps_outputs: dict[str, dict[str, str]] = {}
        added_env: dict[str, str] = {}
        stdout = []
        status = 0
        ran = 0

        def evaluate(text: str) -> str:
            def one(match: re.Match[str]) -> str:
                expr = match.group(1)
                parts = expr.split(".")
                if parts[0] == "inputs" and len(parts) == 2:
                    return inputs[parts[1]]
                if expr == "github.action_path":
                    return str(self.action_path)
                if expr == "runner.temp":
                    return str(self.temp)
                if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
                    return steps_outputs.get(parts[1], {}).get(parts[3], "")
                raise AssertionError(f"the test runner does not know ${{{{ {expr} }}}}")

            return EXPRESSION.sub(one, text)

        for index, step in enumerate(action["runs"]["steps"]):
            assert step.get("shell") == "bash" and "run" in step, step
            assert "if" not in step, "the test runner does not evaluate if: conditions"
            if status != 0:
                break  # a failed step stops the composite
            key = (inputs["python"], inputs["engines"])
            if step.get("name") == "Install auditor" and key in self.installed:
                added_env.update(self.installed[key])
                continue
            files = {
                name: self.temp / f"{name.lower()}-{index}"
                for name in ("GITHUB_ENV", "GITHUB_OUTPUT", "GITHUB_PATH", "GITHUB_STEP_SUMMARY")
            }
            for path in files.values():
                path.write_text("", "utf-8")
            env = {
                **self.base_env,
                **added_env,
                "GITHUB_ACTIONS": "true",
                "GITHUB_ACTION_PATH": str(self.action_path),
                "GITHUB_WORKSPACE": str(workspace),
                "RUNNER_TEMP": str(self.temp),
                **{k: str(v) for k, v in files.items()},
                **{k: evaluate(str(v)) for k, v in step.get("env", {}).items()},
            }
            done = subprocess.run(
                # as the runner runs a bash step: bash --noprofile --norc -eo pipefail {0}
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", evaluate(step["run"])],
                cwd=workspace,
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
                check=False,
            )
            ran += 1
            stdout.append(done.stdout)
            sys.stderr.write(done.stderr)
            status = done.returncode
            added_env.update(_read_pairs(files["GITHUB_ENV"]))
            if step.get("name") == "Install auditor" and status == 0:
                self.installed[key] = _read_pairs(files["GITHUB_ENV"])
            if "id" in step:
                steps_outputs[step["id"]] = _read_pairs(files["GITHUB_OUTPUT"])
        outputs = {name: evaluate(o["value"]) for name, o in action["outputs"].items()}
        return Run(status, "".join(stdout), outputs, ran)


@pytest.fixture(scope="module")
def runner(tmp_path_factory: pytest.TempPathFactory) -> Runner:
    """The action's checkout (the files git tracks, as GitHub downloads it) and a runner
    whose first run installs auditor into its venv; later runs reuse that venv, as the
    install step would leave it."""
    base = tmp_path_factory.mktemp("action")
    checkout = base / "checkout"
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode().split("\0")  # fmt: skip
    for name in filter(None, listed):
        source = ROOT / name
        if source.is_file():
            target = checkout / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    temp = base / "runner-temp"
    temp.mkdir()
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(base / "home"),
        "XDG_CACHE_HOME": str(base / "cache"),  # the scan's cache: nothing of the user's
        "LANG": "C.UTF-8",
    }
    for name in ("PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL", "PIP_FIND_LINKS", "PIP_CONFIG_FILE"):
        if name in os.environ:
            env[name] = os.environ[name]
    return Runner(checkout, temp, env)


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    for name, content in files.items():
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(content, "utf-8")
    return repo


def _sarif(path: Path) -> dict[str, Any]:
    log: dict[str, Any] = json.loads(path.read_text("utf-8"))
    schema_path = next(p for p in SCHEMAS if p.is_file())
    schema = json.loads(schema_path.read_text("utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls(schema, format_checker=cls.FORMAT_CHECKER).validate(log)
    return log


# The first test installs auditor (the action's first step) into the module's venv.
def test_a_finding_fails_the_step_with_annotations_and_valid_sarif(
    runner: Runner, tmp_path: Path
) -> None:
    repo = _repo(tmp_path, {"app.py": FINDING, "lib/ok.py": CLEAN})
    run = runner.run(repo, {"python": sys.executable})
    assert run.steps_run == 2
    assert run.status == 1
    assert run.outputs == {"exit-code": "1", "sarif-file": "auditor.sarif"}
    annotations = [line for line in run.stdout.splitlines() if line.startswith("::")]
    assert annotations == [
        "::error file=app.py,line=5,col=5,endColumn=19,endLine=5,title=AUD101 high/isolate"
        "::os.system() runs a shell command assembled at run time; isolate it in the sandbox",
        # every new finding is annotated; only those at or above fail-on fail the step
        "::notice file=lib/ok.py,line=5,col=5,endColumn=33,endLine=5,title=AUD301 low/allow"
        "::subprocess.run() runs a constant command without a shell",
    ]
    assert "auditor check FAILED: new findings at or above the threshold" in run.stdout
    results = _sarif(repo / "auditor.sarif")["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["AUD101", "AUD301"]


def test_a_clean_tree_passes(runner: Runner, tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"lib/ok.py": CLEAN})
    run = runner.run(repo, {"python": sys.executable, "sarif-file": "out/a b.sarif"})
    assert run.status == 0
    assert run.outputs == {"exit-code": "0", "sarif-file": "out/a b.sarif"}
    assert "auditor check passed" in run.stdout
    # the low-risk constant command is in the SARIF log, below the threshold
    results = _sarif(repo / "out" / "a b.sarif")["runs"][0]["results"]
    assert [r["level"] for r in results] == ["note"]


def test_inputs_fail_on_paths_args_and_text_output(runner: Runner, tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"app.py": FINDING, "lib/ok.py": CLEAN, "tests/t.py": FINDING})
    common = {"python": sys.executable, "annotations": "false"}
    run = runner.run(repo, {**common, "paths": "lib", "fail-on": "low"})
    assert run.status == 1  # the constant argv command is low risk
    assert run.stdout.splitlines()[-1].startswith("auditor check FAILED: 1 finding at or above low")
    run = runner.run(repo, {**common, "paths": "lib\n  tests", "args": "--exclude tests"})
    # tests/ named as a path is scanned; --exclude filters only walked files
    assert run.status == 1 and "tests/t.py:5:5: AUD101" in run.stdout
    run = runner.run(repo, {**common, "paths": "lib app.py"})
    assert run.status == 1 and "app.py:5:5" in run.stdout and "::" not in run.stdout
    run = runner.run(repo, {**common, "paths": " \n ", "fail-on": "critical"})
    assert run.status == 0  # blank paths: the whole tree, as auditor check with no PATH
    assert run.stdout.splitlines()[-1].endswith("3 files scanned")


def test_a_baseline_adopts_the_old_findings(runner: Runner, tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"app.py": FINDING})
    run = runner.run(repo, {"python": sys.executable, "baseline": "base.json"})
    assert run.status == 2  # no such baseline file yet
    env = runner.installed[(sys.executable, "libcst")]
    subprocess.run(
        [env["AUDITOR_BIN"], "baseline", "-o", "base.json"], cwd=repo, check=True,
        env={"PATH": os.environ["PATH"], "XDG_CACHE_HOME": str(tmp_path / "cache")},
    )  # fmt: skip
    run = runner.run(repo, {"python": sys.executable, "baseline": "base.json"})
    assert run.status == 0
    assert _sarif(repo / "auditor.sarif")["runs"][0]["results"] == []
    (repo / "new.py").write_text(FINDING, "utf-8")
    run = runner.run(repo, {"python": sys.executable, "baseline": "base.json"})
    assert run.status == 1 and "file=new.py" in run.stdout and "file=app.py" not in run.stdout


def test_usage_errors_fail_with_status_2(runner: Runner, tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"app.py": FINDING})
    run = runner.run(repo, {"python": sys.executable, "baseline": "missing.json"})
    assert run.status == 2 and run.outputs["exit-code"] == "2"
    run = runner.run(repo, {"python": sys.executable, "annotations": "yes"})
    assert run.status == 2
    assert "::error title=auditor::annotations must be true or false" in run.stdout
    run = runner.run(repo, {"python": sys.executable, "fail-on": "severe"})
    assert run.status == 2


def test_the_engines_input_installs_and_runs_bandit(runner: Runner, tmp_path: Path) -> None:
    repo = _repo(tmp_path, {"app.py": FINDING})
    run = runner.run(repo, {"python": sys.executable, "engines": "libcst,bandit"})
    assert run.status == 1
    [result] = _sarif(repo / "auditor.sarif")["runs"][0]["results"]
    assert result["properties"]["alsoFlaggedBy"] == ["bandit:B605"]


def test_an_old_python_is_refused_with_a_clear_error(runner: Runner, tmp_path: Path) -> None:
    fake = tmp_path / "python-old"
    fake.write_text("#!/bin/sh\nexit 1\n", "utf-8")
    fake.chmod(0o755)
    repo = _repo(tmp_path, {"app.py": CLEAN})
    fresh = Runner(runner.action_path, tmp_path, runner.base_env)
    run = fresh.run(repo, {"python": str(fake)})
    assert run.status == 2 and run.steps_run == 1
    assert f"::error title=auditor::{fake} is not Python 3.11 or newer" in run.stdout


def test_the_readme_snippet_uses_the_action_s_inputs() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    section = readme.split("## GitHub Actions", 1)[1].split("\n## ", 1)[0]
    block = section.split("```yaml", 1)[1].split("```", 1)[0]
    workflow = yaml.safe_load(block)
    steps = workflow["jobs"]["auditor"]["steps"]
    ours = [s for s in steps if "auditor@" in s.get("uses", "")]
    assert len(ours) == 1
    assert set(ours[0]["with"]) <= set(_action()["inputs"])
    upload = [s for s in steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif")]
    assert upload and upload[0]["with"]["sarif_file"] == ours[0]["with"]["sarif-file"]
    assert "always()" in upload[0]["if"]  # the upload runs when the check step failed
    assert workflow["permissions"]["security-events"] == "write"
