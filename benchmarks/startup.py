"""Benchmark: the start-up cost of the ``xlbilling`` command line against three baselines.

Each command runs in its own process, N times (median), and its CPU time (user + sys of the child, from
``resource.getrusage(RUSAGE_CHILDREN)`` before and after) is compared with ``python -c pass``, ``python -c
"import click"`` and ``python -c "import pandas"``, all run by the same interpreter. The commands run as
``python -m xlbilling ...`` (what the ``xlbilling`` script runs) from an empty temporary folder, with no
``XLBILLING_`` variable but ``XLBILLING_CONFIG`` naming a file that does not exist, so ``config`` reads no
real settings. A second run of each command under ``-X importtime`` lists the heavy packages it imported.
Aim: ``--help``, ``--version`` and ``config`` within 0.3 s of CPU; the last line says whether it is met.

Run: ``.venv/bin/python benchmarks/startup.py [--repeat N]``
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HEAVY = frozenset(
    {"pandas", "numpy", "fastapi", "uvicorn", "fpdf", "openpyxl", "msgspec", "orjson", "httpx", "rich", "keyring",
     "xlwings", "PIL"}
)  # fmt: skip
BASELINES = {
    "python -c pass": ["-c", "pass"],
    "import click": ["-c", "import click"],
    "import pandas": ["-c", "import pandas"],
}
COMMANDS = {
    "xlbilling --help": ["--help"],
    "xlbilling --version": ["--version"],
    "xlbilling config": ["config"],
    "xlbilling periods --help": ["periods", "--help"],
    "xlbilling report --help": ["report", "--help"],
    "xlbilling sandbox --help": ["sandbox", "--help"],
}
TARGET = 0.3  # seconds of CPU
TARGETED = ("xlbilling --help", "xlbilling --version", "xlbilling config")


def _argv(python: str, name: str) -> list[str]:
    if name in BASELINES:
        return [python, *BASELINES[name]]
    return [python, "-m", "xlbilling", *COMMANDS[name]]


def cpu_seconds(argv: list[str], env: dict[str, str], cwd: Path) -> float:
    """The user + sys CPU time of one run of ``argv``; ``RuntimeError`` when it fails."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    done = subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {done.returncode}: {done.stderr.decode(errors='replace')}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def heavy_imports(argv: list[str], env: dict[str, str], cwd: Path) -> list[str]:
    """The heavy top-level packages ``argv`` (a python command line) imports, read from ``-X importtime``."""
    done = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]], env=env, cwd=cwd, capture_output=True, text=True, check=False
    )
    found = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and line.count("|") == 2:
            module = line.rsplit("|", 1)[1].strip()
            if module.split(".")[0] in HEAVY:
                found.add(module.split(".")[0])
    return sorted(found)


def _ratio(value: float, base: float) -> str:
    ratio = value / base if base > 0 else float("inf")
    if ratio >= 10:
        return f"{ratio:.0f}x"
    return f"{ratio:.1f}x" if ratio >= 1 else f"{ratio:.2f}x"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", "-n", type=int, default=5, help="runs of each command (the median counts)")
    parser.add_argument("--python", default=sys.executable, help="the interpreter with xlbilling installed")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="xlbilling-startup-") as folder:
        cwd = Path(folder)
        env = {key: value for key, value in os.environ.items() if not key.startswith("XLBILLING_")}
        env["XLBILLING_CONFIG"] = str(cwd / "no-such-folder" / "config.toml")
        names = [*BASELINES, *COMMANDS]
        for name in names:  # warm the file cache and the .pyc files; fail here, before any timing
            cpu_seconds(_argv(args.python, name), env, cwd)
        runs: dict[str, list[float]] = {name: [] for name in names}
        for _ in range(max(1, args.repeat)):  # interleaved, so a busy moment hits every command alike
            for name in names:
                runs[name].append(cpu_seconds(_argv(args.python, name), env, cwd))
        median = {name: statistics.median(times) for name, times in runs.items()}
        heavy = {name: heavy_imports(_argv(args.python, name), env, cwd) for name in COMMANDS}

    width = max(map(len, names))
    print(f"CPU time (user+sys), median of {max(1, args.repeat)} runs; heavy = {', '.join(sorted(HEAVY))}")
    for name in names:
        ratios = " | ".join(f"{_ratio(median[name], median[base])} {base}" for base in BASELINES)
        print(f"{name:<{width}}  {median[name]:.3f} s = {ratios}")
    for name in COMMANDS:
        print(f"{name:<{width}}  imports: {', '.join(heavy[name]) or 'nothing heavy'}")
    slow = [f"{name} {median[name]:.3f} s" for name in TARGETED if median[name] > TARGET]
    verdict = "met" if not slow else f"NOT met ({'; '.join(slow)})"
    print(f"target: --help, --version and config within {TARGET} s of CPU: {verdict}")


if __name__ == "__main__":
    main()
