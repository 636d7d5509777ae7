"""Constant tracking beyond single assignments (issue 15 part B, issue 13 part 6): grown
lists, list arithmetic, loops over constants, constant lookups, paths of the project and
instance attributes assigned once in ``__init__``. A guess is never constant."""

from __future__ import annotations

import pytest

from tests.conftest import findings

H = "import os, subprocess, sys\nfrom pathlib import Path\n"

CASES = [
    # issue 13: list arithmetic on known items keeps the program known (pytest: pip would
    # read `entry` as its sub-command, and pip install SPEC runs the package's code)
    (
        H + "def f(entry, cmd):\n"
        "    prefix = [sys.executable, '-m', 'pytest']\n"
        "    prefix += [entry]\n"
        "    subprocess.Popen(prefix + cmd)\n",
        "fixed-program",
    ),
    # ... but Python running a script chosen at run time runs anything
    (
        H + "def f(entry, cmd):\n"
        "    prefix = [sys.executable]\n"
        "    prefix += [entry]\n"
        "    subprocess.Popen(prefix + cmd)\n",
        "dynamic",
    ),
    (H + "cmd = ['ls']\ncmd.append('-l')\ncmd += ['-a']\nsubprocess.run(cmd)\n", "constant"),
    (H + "cmd = ['ls']\ncmd.extend(['-l', '-a'])\nsubprocess.run(cmd)\n", "constant"),
    (
        H + "def f(p):\n    cmd = ['ls']\n    cmd.append(p)\n    subprocess.run(cmd)\n",
        "fixed-program",
    ),
    # a mutation that may put something first: the program is no longer known
    (H + "def f(p):\n    cmd = ['ls']\n    cmd.insert(0, p)\n    subprocess.run(cmd)\n", "dynamic"),
    (H + "def f(p):\n    cmd = ['ls']\n    cmd[0] = p\n    subprocess.run(cmd)\n", "dynamic"),
    # a list grown from another function of the module (a global mutated elsewhere)
    (
        H + "CMD = ['ls']\ndef add(x):\n    CMD.append(x)\ndef run():\n    subprocess.run(CMD)\n",
        "fixed-program",
    ),
    (
        H + "def f():\n    cmd = [sys.executable, '-m', 'pip']\n    cmd += ['list']\n"
        "    subprocess.run(cmd)\n",
        "constant",
    ),
    # a command line split into an argv list: the words of a constant are constant; of a
    # string built at run time, the words before the first hole are known
    (H + "subprocess.run('ls -l /tmp'.split())\n", "constant"),
    (H + "import shlex\nsubprocess.run(shlex.split('ls -l \"/tmp/a b\"'))\n", "constant"),
    (H + "subprocess.run('a,b'.split(','))\n", "dynamic"),  # not read (yet): a guess
    (
        H + "def f(port):\n    subprocess.run(f'python3 -m http.server {port}'.split())\n",
        "fixed-program",
    ),
    (
        H + "import shlex\ndef f(port):\n"
        "    subprocess.run(shlex.split(f'ls -l --color {port}'))\n",
        "fixed-program",
    ),
    # the program's own name glued to a hole, or a hole first: not known
    (H + "def f(v):\n    subprocess.run(f'python{v} -c pass'.split())\n", "dynamic"),
    (H + "def f(p):\n    subprocess.run(f'{p} -l'.split())\n", "dynamic"),
    # shlex.split of a start with quotes: the words are not read without the rest
    (
        H + "import shlex\ndef f(p):\n    subprocess.run(shlex.split(f'ls \"a {p}\"'))\n",
        "dynamic",
    ),
    (H + "def f(p):\n    subprocess.run(f'sudo {p}'.split())\n", "dynamic"),
    # loops over constants
    (H + "for c in ('uptime', 'df -h'):\n    subprocess.run(c, shell=True)\n", "constant"),
    (H + "for c in ['uptime', x]:\n    subprocess.run(c, shell=True)\n", "dynamic"),
    (H + "def f(names):\n    for c in names:\n        subprocess.run(c, shell=True)\n", "dynamic"),
    # constant lookups, whatever the key
    (
        H + "CMDS = {'a': 'ls', 'b': 'df'}\ndef f(k):\n    subprocess.run(CMDS[k], shell=True)\n",
        "constant",
    ),
    (
        H + "CMDS = {'a': 'ls', 'b': x}\ndef f(k):\n    subprocess.run(CMDS[k], shell=True)\n",
        "dynamic",
    ),
    (
        H + "CMDS = {'a': 'ls'}\ndef f(k):\n    subprocess.run(CMDS.get(k, 'true'), shell=True)\n",
        "constant",
    ),
    (
        H + "CMDS = {'a': 'ls'}\ndef f(k, d):\n    subprocess.run(CMDS.get(k, d), shell=True)\n",
        "dynamic",
    ),
    (H + "TOOLS = ('ls', 'df')\ndef f(i):\n    subprocess.run([TOOLS[i], '-h'])\n", "constant"),
    # a row of a constant table unpacked (agno's provider table: module, class = T[key])
    (
        H + "T = {'a': ('ls', '-l'), 'b': ('df', '-h')}\n"
        "def f(k):\n    prog, opt = T[k]\n    subprocess.run([prog, opt])\n",
        "constant",
    ),
    (
        H + "T = {'a': ('ls', '-l')}\n"
        "def f(k):\n    row = T.get(k)\n    prog, opt = row\n"
        "    subprocess.run(prog, shell=True)\n",
        "constant",
    ),
    (
        H + "T = {'a': ('ls', '-l')}\n"
        "def f(k, x):\n    prog, opt = T.get(k, x)\n    subprocess.run(prog, shell=True)\n",
        "dynamic",
    ),
    (
        H + "def f(k):\n    prog, opt = k.split(':')\n    subprocess.run(prog, shell=True)\n",
        "dynamic",
    ),
    (
        H + "def f(k):\n    prog, opt = 'ls', k\n    subprocess.run([prog, opt])\n",
        "fixed-program",
    ),
    (
        H + "def f(k):\n    d = {'a': 'ls'}\n    d[k] = k\n    subprocess.run(d[k], shell=True)\n",
        "dynamic",
    ),
    # paths of the project
    (
        H + "SCRIPT = Path(__file__).parent / 'monitor.py'\n"
        "subprocess.Popen([sys.executable, str(SCRIPT)])\n",
        "constant",
    ),
    (
        H + "SCRIPT = Path(__file__).resolve().parent / 'bin' / 'x'\nsubprocess.run([SCRIPT])\n",
        "constant",
    ),
    (
        H + "S = os.path.join(os.path.dirname(__file__), 'x.py')\n"
        "subprocess.run([sys.executable, S])\n",
        "constant",
    ),
    (
        H + "def f(name):\n    s = Path(__file__).parent / name\n    subprocess.run(['cat', s])\n",
        "fixed-program",
    ),
    (
        H + "s = Path(__file__).parent / 'tool.py'\n"
        "def f(arg):\n    subprocess.run([sys.executable, s, arg])\n",
        "fixed-program",
    ),
    # an imported module's own file, as ansible-core's test scripts find their tree
    # (``os.path.dirname(os.path.abspath(release.__file__))``); a parameter's is not known
    (
        H + "from ansible import release\n"
        "S = os.path.join(os.path.dirname(os.path.abspath(release.__file__)), 'x.py')\n"
        "subprocess.run([sys.executable, S])\n",
        "constant",
    ),
    (
        H + "def f(mod):\n"
        "    s = os.path.join(os.path.dirname(mod.__file__), 'x.py')\n"
        "    subprocess.run([sys.executable, s])\n",
        "dynamic",
    ),
    # a table built by a comprehension over a constant one (agno 3.1's models/utils.py:
    # ``MODEL_PROVIDER_CLASSES = {key: (mod, cls) for key, (mod, cls, _n) in
    # _PROVIDERS.items()}``, then ``module_path, _ = MODEL_PROVIDER_CLASSES.get(provider)``)
    (
        H + "T = {'a': ('git', 'A', 'x'), 'b': ('hg', 'B', 'y')}\n"
        "C = {k: (m, c) for k, (m, c, _n) in T.items()}\n"
        "def f(p):\n    entry = C.get(p)\n    prog, cls = entry\n"
        "    subprocess.run([prog, 'status'])\n",
        "constant",
    ),
    (
        H + "T = {'a': 'ls', 'b': 'df'}\nC = [v + ' -l' for v in T.values()]\n"
        "def f(i):\n    subprocess.run(C[i], shell=True)\n",
        "constant",
    ),
    (
        H + "T = ['ls', 'df']\ndef f(i):\n"
        "    for c in (t for t in T if t):\n        subprocess.run(c, shell=True)\n",
        "constant",
    ),
    # ... not one over what is not constant, or that builds its items by a call
    (
        H + "def f(p, i):\n    C = {k: v for k, v in p.items()}\n"
        "    subprocess.run(C[i], shell=True)\n",
        "dynamic",
    ),
    (
        H + "T = ['HOME', 'USER']\nC = [os.environ[n] for n in T]\n"
        "def f(i):\n    subprocess.run(C[i], shell=True)\n",
        "dynamic",
    ),
    (
        H + "T = ['ls', 'df']\nC = [x.upper() for x in T]\n"
        "def f(i):\n    subprocess.run(C[i], shell=True)\n",
        "dynamic",
    ),
    (
        H + "T = ['ls', 'df']\ndef f(u, i):\n    C = [t + u for t in T]\n"
        "    subprocess.run(C[i], shell=True)\n",
        "dynamic",
    ),
    (
        H + "T = [['ls'], ['df']]\nC = [w for ws in T for w in ws + sys.argv]\n"
        "def f(i):\n    subprocess.run(C[i], shell=True)\n",
        "dynamic",
    ),
    # a constant dict grown by what is not: its items are not constant either
    (
        H + "def f(k, v):\n    d = {'a': 'ls'}\n    d[k] = v\n"
        "    for c in d.values():\n        subprocess.run(c, shell=True)\n",
        "dynamic",
    ),
]


@pytest.mark.parametrize(("code", "payload"), CASES)
def test_payload(code: str, payload: str) -> None:
    [finding] = findings(code)
    assert finding.payload == payload


ATTR = (
    H + "class Monitor:\n"
    "    def __init__(self, root=None):\n"
    "        self.root = Path(__file__).parent\n"
    "        self.monitor_script = self.root / 'monitor.py'\n"
    "{extra}"
    "    def start(self):\n"
    "        return subprocess.Popen([sys.executable, str(self.monitor_script)])\n"
)


def test_an_instance_attribute_assigned_once_in_init_is_known() -> None:
    # the user's audit allows Popen([sys.executable, str(self.monitor_script)])
    [finding] = findings(ATTR.format(extra=""))
    assert (finding.payload, finding.rule) == ("constant", "AUD301")


@pytest.mark.parametrize(
    "extra",
    [
        "    def move(self, p):\n        self.monitor_script = p\n",
        "    def pad(self):\n        print(1)\n\n\n\n        self.monitor_script += 'x'\n",
        # a method with no sink, far from the call: the survey must keep it
        "    def reset(self, p):\n" + "        x = 1\n" * 30 + "        self.monitor_script = p\n",
    ],
)
def test_an_instance_attribute_assigned_elsewhere_is_not(extra: str) -> None:
    [finding] = findings(ATTR.format(extra=extra))
    assert finding.payload != "constant"


def test_an_attribute_set_outside_init_only_is_not_known() -> None:
    code = (
        H + "class M:\n"
        "    def setup(self):\n        self.s = 'ls'\n"
        "    def run(self):\n        subprocess.run(self.s, shell=True)\n"
    )
    [finding] = findings(code)
    assert finding.payload == "dynamic"


@pytest.mark.parametrize(
    "outside",
    [
        "def main():\n    m = Monitor()\n    m.monitor_script = sys.argv[1]\n    m.start()\n",
        "def main(holder):\n    holder.monitor.monitor_script = sys.argv[1]\n",
        "def main():\n    m = Monitor()\n    setattr(m, 'monitor_script', sys.argv[1])\n",
    ],
)
def test_an_instance_attribute_set_from_outside_its_class_is_not_known(outside: str) -> None:
    # an attacker's second round: r = Runner(); r.cmd = request.args["x"]; r.go() was
    # "constant" (the one assignment in __init__) while the request's command ran
    [finding] = findings(ATTR.format(extra="") + outside)
    assert finding.payload != "constant"
