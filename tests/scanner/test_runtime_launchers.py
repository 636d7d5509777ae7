"""Runtimes, package runners, build tools and copy tools that run code or a command named by an
operand or an option (deno eval/run, bun, tclsh, expect, jshell, java, psql, make, pnpm dlx,
yarn dlx, gem install, cargo install/run, go run, rsync -e, zip -TT, scp -S): a value known only
at run time there is code, a shell command or a program chosen at run time, not "a fixed program
with arguments" (AUD203 allow). Constant calls stay constant, and a build tool that runs the
project's own code (cargo run) is a fixed program unless what it builds is chosen at run time."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import scan_run_line

CASES = [
    # (the call, rule, action, via, language)
    ('subprocess.run(["deno", "eval", x])', "AUD103", "isolate", ("deno eval",), "deno"),
    ('subprocess.run(["deno", "run", "-A", x])', "AUD102", "isolate", ("deno run",), None),
    ('subprocess.run(["deno", "run", "-"], input=x, text=True)', "AUD103", "isolate",
     ("deno run",), "deno"),
    ('subprocess.run(["deno", "x", x])', "AUD102", "isolate", ("deno x",), None),
    ('subprocess.run(["bun", "-e", x])', "AUD103", "isolate", ("bun -e",), "bun"),
    ('subprocess.run(["bun", "run", x])', "AUD102", "isolate", ("bun run",), None),
    ('subprocess.run(["bun", "exec", x])', "AUD101", "isolate", ("bun exec",), None),
    ('subprocess.run(["bunx", x])', "AUD102", "isolate", ("bunx",), None),
    ('subprocess.run(["pnpm", "dlx", x])', "AUD102", "isolate", ("pnpm dlx",), None),
    ('subprocess.run(["pnpx", x])', "AUD102", "isolate", ("pnpx",), None),
    ('subprocess.run(["yarn", "dlx", "-p", x, "tool"])', "AUD102", "isolate", ("yarn dlx",),
     None),
    ('subprocess.run(["tclsh", x])', "AUD102", "isolate", ("tclsh",), None),
    ('subprocess.run(["wish"], input=x, text=True)', "AUD103", "isolate", ("wish",), "tcl"),
    ('subprocess.run(["expect", "-c", x])', "AUD103", "isolate", ("expect -c",), "expect"),
    ('subprocess.run(["jshell", x])', "AUD102", "isolate", ("jshell",), None),
    ('subprocess.run(["gem", "install", x])', "AUD102", "isolate", ("gem install",), None),
    ('subprocess.run(["cargo", "install", "--git", x])', "AUD102", "isolate",
     ("cargo install",), None),
    ('subprocess.run(["cargo", "run", "--manifest-path", x])', "AUD102", "isolate",
     ("cargo run",), None),
    ('subprocess.run(["go", "run", x])', "AUD102", "isolate", ("go run",), None),
    ('subprocess.run(["rsync", "-a", "-e", x, "src/", "host:/srv/"])', "AUD102", "isolate",
     ("rsync",), None),
    ('subprocess.run(["rsync", "-a", "--rsync-path=" + x, "src/", "host:/srv/"])', "AUD102",
     "isolate", ("rsync",), None),
    ('subprocess.run(["rsync", "-a", x, "host:/srv/"])', "AUD102", "isolate", ("rsync",), None),
    ('subprocess.run(["zip", "-T", "-TT", x, "out.zip", "f"])', "AUD101", "isolate",
     ("zip -TT",), None),
    ('subprocess.run(["scp", "-S", x, "f", "host:/tmp/"])', "AUD102", "isolate", ("scp",), None),
    ('subprocess.run(["scp", x, "host:/tmp/"])', "AUD102", "isolate", ("scp",), None),
    ('subprocess.run(["env", "RSYNC_RSH=" + x, "rsync", "-a", "--", "a", "b"])', "AUD102",
     "isolate", ("env",), None),
    ('subprocess.run(["java", "-jar", x])', "AUD102", "isolate", ("java -jar",), None),
    ('subprocess.run(["java", "-cp", x, "com.example.Main"])', "AUD102", "isolate", ("java",),
     None),
    ('subprocess.run(["psql", "-c", x])', "AUD103", "isolate", ("psql -c",), "psql"),
    ('subprocess.run(["psql", "app"], input=x, text=True)', "AUD103", "isolate", ("psql",),
     "psql"),
    ('subprocess.run(["make", "--eval", x])', "AUD103", "isolate", ("make -E",), "make"),
    ('subprocess.run(["make", "-C", x, "test"])', "AUD102", "isolate", ("make",), None),
    ('subprocess.run(["make", "build", "VERSION=" + x])', "AUD102", "isolate", ("make",), None),
    # a variable of env= that chooses the remote shell or the compiler
    ('subprocess.run(["rsync", "-a", "--", "a", "h:/b"], env={"RSYNC_RSH": x})', "AUD102",
     "isolate", (), None),
    ('subprocess.run(["cargo", "build"], env={"RUSTC_WRAPPER": x})', "AUD102", "isolate", (),
     None),
    ('subprocess.run(["rsync", "-a", "--", "a", "h:/b"], env={"LANG": x})', "AUD301", "allow",
     (), None),
    # constant controls
    ('subprocess.run(["psql", "-d", "app", "-c", "SELECT 1"])', "AUD302", "allow", ("psql -c",),
     "psql"),
    ('subprocess.run(["make", "-j4", "all"])', "AUD301", "allow", (), None),
    ('subprocess.run(["deno", "eval", "console.log(1)"])', "AUD302", "allow", ("deno eval",),
     "deno"),
    ('subprocess.run(["expect", "-c", "spawn ls; expect eof"])', "AUD302", "allow",
     ("expect -c",), "expect"),
    ('subprocess.run(["gem", "install", "rails", "-v", "7.1.3"])', "AUD301", "allow",
     ("gem install",), None),
    ('subprocess.run(["rsync", "-a", "-e", "ssh -p 2222", "src/", "host:/srv/"])', "AUD301",
     "allow", ("rsync",), None),
    ('subprocess.run(["zip", "-r", "out.zip", "dist"])', "AUD301", "allow", (), None),
    # a fixed program (or script) with arguments built at run time
    ('subprocess.run(["deno", "run", "-A", "main.ts", x])', "AUD203", "allow", ("deno run",),
     None),
    ('subprocess.run(["expect", "login.exp", x])', "AUD203", "allow", ("expect",), None),
    ('subprocess.run(["cargo", "run", "--release", "--", x])', "AUD203", "allow", (), None),
    ('subprocess.run(["go", "run", "./cmd/tool", x])', "AUD203", "allow", ("go run",), None),
    ('subprocess.run(["rsync", "-a", "--", x, "host:/srv/"])', "AUD203", "allow", (), None),
    ('subprocess.run(["scp", "-q", "f", x])', "AUD203", "allow", (), None),
    ('subprocess.run(["pnpm", "exec", "eslint", x])', "AUD203", "allow", ("pnpm exec",), None),
    ('subprocess.run(["java", "-jar", "app.jar", x])', "AUD203", "allow", ("java -jar",), None),
]  # fmt: skip


@pytest.mark.parametrize(("line", "rule", "action", "via", "language"), CASES)
def test_what_the_launcher_runs(
    tmp_path: Path,
    line: str,
    rule: str,
    action: str,
    via: tuple[str, ...],
    language: str | None,
) -> None:
    finding = scan_run_line(tmp_path, line)
    got = (finding.rule, finding.action, tuple(finding.via), finding.language)
    assert got == (rule, action, via, language), finding.message


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ('subprocess.run(["deno", "eval", x])', "JavaScript or TypeScript (Deno) code"),
        ('subprocess.run(["bun", "--eval", x])', "JavaScript or TypeScript (Bun) code"),
        ('subprocess.run(["expect", "-c", x])', "Expect (Tcl) code"),
        ('subprocess.run(["tclsh"], input=x, text=True)', "Tcl code"),
        ('subprocess.run(["jshell", "-"], input=x, text=True)', "Java (JShell) code"),
    ],
)
def test_the_message_names_the_language(tmp_path: Path, line: str, words: str) -> None:
    finding = scan_run_line(tmp_path, line)
    assert f"runs {words} generated at run time" in finding.message, finding.message
    assert "Python" not in finding.message
