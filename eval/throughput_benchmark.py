"""Residents served per core: the project's city conversations next to Rasa's own starter bot.

One run, one machine, the same load generator for both:

* **the project**: the whole embedded stack (``eval/stack.py``: guard, Rasa, action server,
  Open311 server, outbox) under realistic multi-turn conversations in English and Spanish —
  reports that go through the form and are filed, knowledge questions, a status check, a
  handoff, a question that turns into a report — sent through the guard, as residents' traffic
  goes;
* **the starter bot**: ``rasa init``'s project (DIET + TED, no custom actions) trained with its
  defaults by the same Rasa (the Rasa environment of this repository, in a throwaway project
  folder, cached in ``var/starter-bot``), served by ``rasa run`` and sent its own stories.

For 1, 10 and 30 residents at once (``--levels``) each system gets ``--seconds`` of load after a
warm-up; the two alternate at each level so that both see the same machine. Each resident plays
conversations one after another, a new conversation id each time, and waits for every reply
before sending the next message (no think time: this measures capacity). Printed per system and
level: messages per second, p50/p95/p99 round trip, errors (non-200 or an empty reply),
conversations that missed their goal (a report that was not filed), CPU-seconds per message of
every process (from ``/proc`` via psutil), and the ratios project/starter. Then the resident
set size (RSS) of every process of both stacks.

``--profile RAW`` samples the project's Rasa process with py-spy during the 10-resident run and
splits its CPU into stages by the frames on each sample (NLU, policies, the call to the action
server, the tracker store, the channel/HTTP server, other); together with the action server's
and the guard's own CPU this gives CPU-seconds per message per stage.

Targets (issue 16): at 10 residents ≥ 2.0× the starter bot's throughput and ≤ 0.5× its p95,
0 errors; at 1 resident a greeting p50 ≤ 25 ms and a knowledge answer p50 ≤ 60 ms; whole-stack
RSS ≤ 2.5 GB. Exits non-zero when one is missed.

Usage: ``.venv/bin/python -m eval.throughput_benchmark [--seconds 30] [--levels 1,10,30]
[--profile var/profile.txt] [--json out.json]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from eval.latency_benchmark import percentile
from eval.stack import RASA_PYTHON, ROOT, Service, Stack, free_port, start_stack

STARTER_DIR = ROOT / "var" / "starter-bot"
TARGETS = {"throughput_ratio": 2.0, "p95_ratio": 0.5, "greet_p50_ms": 25.0,
           "question_p50_ms": 60.0, "rss_gb": 2.5}

@dataclass(frozen=True)
class Script:
    """One scripted conversation of the load: the messages a resident sends in order.

    ``files``: it ends with a report that must then be on the City backend.
    """

    name: str
    messages: tuple[str, ...]
    files: bool = False


PROJECT = (
    Script("en-greet-question", ("hello", "what goes in the green bin?",
                                 "how do I contest a parking ticket", "thanks, bye")),
    Script("en-bulky", ("hi", "I need a couch and a mattress picked up", "1420 W 38th St",
                        "left by the curb", "skip", "yes"), files=True),
    Script("en-graffiti", ("someone tagged my garage wall at 200 N Spring St",
                           "blue paint on the door", "skip", "yes"), files=True),
    Script("en-question-then-report", ("how much does bulky item pickup cost?",
                                       "ok please schedule a pickup for my old fridge",
                                       "4219 S Normandie Ave", "it is by the driveway", "skip",
                                       "yes"), files=True),
    Script("en-status-handoff", ("what is the status of my request 1-1000001",
                                 "I want to talk to a real person")),
    Script("es-question", ("hola", "¿qué días puedo regar mi jardín?",
                           "¿cuánto cuesta la licencia de perro?", "gracias")),
    Script("es-pothole", ("hay un bache enorme en la calle", "3500 W 6th St",
                          "está en el carril derecho", "saltar", "sí"), files=True),
    Script("es-bulky", ("buenas, quiero que recojan un sofá viejo", "1000 S Vermont Ave",
                        "saltar", "sí"), files=True),
    Script("es-handoff", ("quiero hablar con una persona",)),
)

STARTER = (
    Script("greet-great", ("hello", "I am feeling great", "bye")),
    Script("greet-sad-yes", ("hi", "I am very sad", "yes", "goodbye")),
    Script("greet-sad-no", ("hey", "I feel unhappy", "no", "bye")),
    Script("bot-challenge", ("are you a bot?", "hello there", "amazing", "see you")),
)


@dataclass
class Load:
    """What one system did at one level."""

    system: str
    residents: int
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)
    conversations: int = 0
    reports: int = 0
    cpu: dict[str, float] = field(default_factory=dict)
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    @property
    def messages(self) -> int:
        """Messages answered or failed."""
        return len(self.latencies)

    def percentile(self, share: float) -> float:
        """A round-trip percentile in ms (0 when nothing was sent)."""
        return percentile(sorted(self.latencies), share) if self.latencies else 0.0

    def summary(self) -> dict[str, Any]:
        """The figures printed and written to --json."""
        messages = max(1, self.messages)
        return {
            "residents": self.residents,
            "messages": self.messages,
            "throughput": round(self.messages / self.seconds, 2) if self.seconds else 0.0,
            "p50_ms": round(self.percentile(0.50), 1),
            "p95_ms": round(self.percentile(0.95), 1),
            "p99_ms": round(self.percentile(0.99), 1),
            "errors": sum(self.errors.values()),
            "error_kinds": dict(self.errors),
            "conversations": self.conversations,
            "cpu_s_per_message": {name: round(cpu / messages, 5)
                                  for name, cpu in sorted(self.cpu.items())},
            "cpu_s_per_message_total": round(sum(self.cpu.values()) / messages, 5),
        }


# --------------------------------------------------------------------------------------------
# The starter bot
# --------------------------------------------------------------------------------------------


def rasa_version() -> str:
    out = subprocess.run([str(RASA_PYTHON), "-c", "import rasa; print(rasa.__version__)"],
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


def starter_project(directory: Path = STARTER_DIR) -> Path:
    """``rasa init``'s project in ``directory``, trained; made once per Rasa version."""
    version = rasa_version()
    stamp = directory / ".rasa-version"
    if stamp.exists() and stamp.read_text().strip() == version and list(
        (directory / "models").glob("*.tar.gz")
    ):
        return directory
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    print(f"Creating and training rasa init's starter bot (Rasa {version}) in {directory} …",
          flush=True)
    subprocess.run(
        [str(RASA_PYTHON), "-m", "rasa", "init", "--no-prompt", "--init-dir", str(directory)],
        cwd=directory, check=True, stdout=subprocess.DEVNULL,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2"},
    )
    stamp.write_text(version)
    return directory


def start_starter(directory: Path, workdir: Path) -> tuple[Service, str]:
    """``rasa run`` of the starter bot on a free port (REST channel, its default credentials)."""
    port = free_port()
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "SANIC_HOST": "127.0.0.1"}
    service = Service(
        "starter",
        [str(RASA_PYTHON), "-m", "rasa", "run", "--model", str(directory / "models"),
         "--credentials", str(directory / "credentials.yml"),
         "--endpoints", str(directory / "endpoints.yml"),
         "--interface", "127.0.0.1", "--port", str(port)],
        f"http://127.0.0.1:{port}/", env, workdir / "starter.log",
        startup_timeout=240, cwd=directory,
    )
    service.start()
    return service, f"http://127.0.0.1:{port}"


# --------------------------------------------------------------------------------------------
# Load
# --------------------------------------------------------------------------------------------


@dataclass
class Target:
    """A system under load: where to post, and its processes."""

    name: str
    url: str
    headers: dict[str, str]
    scripts: tuple[Script, ...]
    processes: dict[str, psutil.Process]


def _tree_sum(process: psutil.Process, measure: Callable[[psutil.Process], float]) -> float:
    """``measure`` summed over a process and its children (those that have exited: 0)."""
    total = 0.0
    for proc in [process, *process.children(recursive=True)]:
        try:
            total += measure(proc)
        except psutil.NoSuchProcess:
            continue
    return total


def process_tree_cpu(process: psutil.Process) -> float:
    """User + system CPU seconds of a process and its children."""
    return _tree_sum(process, lambda p: p.cpu_times().user + p.cpu_times().system)


def process_tree_rss(process: psutil.Process) -> float:
    """Resident set size of a process and its children, in bytes."""
    return _tree_sum(process, lambda p: p.memory_info().rss)


async def resident(client: httpx.AsyncClient, target: Target, load: Load, until: float,
                   rng: random.Random, kinds: bool = False) -> None:
    """One resident playing ``target``'s scripts back to back until ``until``."""
    while time.monotonic() < until:
        script = rng.choice(target.scripts)
        sender = f"bench-{uuid.uuid4().hex[:12]}"
        load.conversations += 1
        for number, message in enumerate(script.messages):
            started = time.perf_counter()
            try:
                reply = await client.post(f"{target.url}/webhooks/rest/webhook",
                                          json={"sender": sender, "message": message},
                                          headers=target.headers)
                elapsed = (time.perf_counter() - started) * 1000
                if reply.status_code != 200:
                    load.errors[f"http {reply.status_code}"] += 1
                elif not reply.json():
                    load.errors["empty reply"] += 1
            except httpx.HTTPError as error:
                elapsed = (time.perf_counter() - started) * 1000
                load.errors[type(error).__name__] += 1
            load.latencies.append(elapsed)
            if kinds:
                kind = "greet" if number == 0 and message in ("hello", "hi", "hola") else (
                    "question" if script.name.endswith("question") and number > 0 else "")
                if kind:
                    load.by_kind.setdefault(kind, []).append(elapsed)
        if script.files:
            load.reports += 1


async def run_level(target: Target, residents: int, seconds: float, seed: int,
                    kinds: bool = False) -> Load:
    load = Load(target.name, residents)
    rng = random.Random(seed)
    limits = httpx.Limits(max_connections=residents + 5, max_keepalive_connections=residents + 5)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        before = {name: process_tree_cpu(p) for name, p in target.processes.items()}
        started = time.monotonic()
        until = started + seconds
        await asyncio.gather(*(resident(client, target, load, until,
                                        random.Random(rng.random()), kinds)
                               for _ in range(residents)))
        load.seconds = time.monotonic() - started
        load.cpu = {name: process_tree_cpu(p) - before[name]
                    for name, p in target.processes.items()}
    return load


def filed(stack: Stack, expected: int, timeout: float = 90.0) -> int:
    """How many requests reached the City backend (waits for the outbox to deliver them)."""
    deadline = time.monotonic() + timeout
    count = len(stack.requests_on_backend())
    while count < expected and time.monotonic() < deadline:
        time.sleep(2)
        count = len(stack.requests_on_backend())
    return count


# --------------------------------------------------------------------------------------------
# Profile: CPU of the Rasa process by stage
# --------------------------------------------------------------------------------------------

STAGES = (
    # first match wins, searched from the innermost frame outwards
    ("action", re.compile(r"rasa/core/actions/action\.py|jsonschema|rasa/utils/endpoints")),
    ("tracker", re.compile(r"tracker_store|sqlalchemy|sqlite3")),
    ("nlu", re.compile(r"rasa/nlu/|bot/components/|onnxruntime|sklearn|rasa/core/processor\.py:"
                       r".*parse_message")),
    ("policies", re.compile(r"rasa/core/policies/|bot/policies/|rasa/core/featurizers/")),
    ("channel", re.compile(r"sanic|rasa/core/channels|connectors/rest|httptools|uvloop")),
)


def stage_of(stack_line: str) -> str:
    frames = stack_line.split(";")
    for frame in reversed(frames):
        for stage, pattern in STAGES:
            if pattern.search(frame):
                return stage
    return "other"


def profile_rasa(pid: int, seconds: float, out: Path) -> subprocess.Popen[bytes] | None:
    """Starts py-spy on ``pid`` for ``seconds``; None when py-spy cannot attach here."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        print("py-spy is not installed: no per-stage profile")
        return None
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
         "--format", "raw", "--output", str(out), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def stage_shares(raw: Path) -> dict[str, float]:
    """Share of samples per stage in a py-spy raw (collapsed) profile."""
    counts: Counter[str] = Counter()
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[stage_of(stack)] += int(count)
    total = sum(counts.values()) or 1
    return {stage: counts[stage] / total for stage in
            ("nlu", "policies", "action", "tracker", "channel", "other")}


# --------------------------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------------------------


def warm_up(target: Target) -> None:
    """Every script once, so that lazy loading is not measured."""
    for script in target.scripts:
        sender = f"warm-{uuid.uuid4().hex[:10]}"
        for message in script.messages:
            httpx.post(f"{target.url}/webhooks/rest/webhook", headers=target.headers,
                       json={"sender": sender, "message": message},
                       timeout=120)


def print_level(project: Load, starter: Load) -> dict[str, float]:
    p, s = project.summary(), starter.summary()
    ratios = {
        "throughput": round(p["throughput"] / s["throughput"], 2) if s["throughput"] else 0.0,
        "p95": round(p["p95_ms"] / s["p95_ms"], 2) if s["p95_ms"] else 0.0,
    }
    for row in (p | {"system": "project"}, s | {"system": "starter"}):
        print(f"{row['system']:8} {row['residents']:9d} {row['messages']:8d} "
              f"{row['throughput']:8.1f} {row['p50_ms']:8.1f} {row['p95_ms']:8.1f} "
              f"{row['p99_ms']:8.1f} {row['errors']:6d} {row['cpu_s_per_message_total']:10.4f}")
    print(f"{'ratio':8} {project.residents:9d} {'':8} {ratios['throughput']:7.2f}× "
          f"{'':8} {ratios['p95']:7.2f}×")
    return ratios


def main() -> None:  # noqa: C901 - one linear script
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="load per system and level")
    parser.add_argument("--levels", default="1,10,30", help="concurrent residents")
    parser.add_argument("--profile", type=Path, metavar="RAW",
                        help="py-spy the project's Rasa at 10 residents; raw samples go to RAW")
    parser.add_argument("--json", type=Path, help="write every figure here")
    parser.add_argument("--seed", type=int, default=311)
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    starter_dir = starter_project()
    results: dict[str, Any] = {"levels": {}, "rasa": rasa_version()}
    failures: list[str] = []
    with tempfile.TemporaryDirectory() as workdir, start_stack(Path(workdir)) as stack:
        starter_service, starter_url = start_starter(starter_dir, Path(workdir))
        try:
            project = Target(
                "project", stack.public_url, stack.rest_auth("rest"), PROJECT,
                {name: psutil.Process(service.process.pid)
                 for name, service in stack.services.items() if service.process},
            )
            assert starter_service.process is not None
            starter = Target("starter", starter_url, {}, STARTER,
                             {"rasa": psutil.Process(starter_service.process.pid)})
            for target in (project, starter):
                warm_up(target)
            print(f"\nRasa {results['rasa']}; {args.seconds:.0f} s of load per system and level; "
                  f"{os.cpu_count()} CPUs")
            print(f"{'system':8} {'residents':>9} {'messages':>8} {'msg/s':>8} {'p50 ms':>8} "
                  f"{'p95 ms':>8} {'p99 ms':>8} {'errors':>6} {'CPU-s/msg':>10}")
            before = len(stack.requests_on_backend())
            reports = 0
            for index, residents in enumerate(levels):
                spy = None
                raw = args.profile
                if raw and residents == 10:
                    spy = profile_rasa(project.processes["rasa"].pid, args.seconds * 0.9, raw)
                project_load = asyncio.run(run_level(project, residents, args.seconds,
                                                     args.seed + index, kinds=residents == 1))
                if spy is not None:
                    spy.wait(timeout=120)
                starter_load = asyncio.run(run_level(starter, residents, args.seconds,
                                                     args.seed + index))
                reports += project_load.reports
                ratios = print_level(project_load, starter_load)
                level: dict[str, Any] = {"project": project_load.summary(),
                                         "starter": starter_load.summary(), "ratios": ratios}
                if residents == 1:
                    for kind, timings in project_load.by_kind.items():
                        level["project"][f"{kind}_p50_ms"] = round(statistics.median(timings), 1)
                        level["project"][f"{kind}_count"] = len(timings)
                if spy is not None and raw and raw.exists():
                    shares = stage_shares(raw)
                    rasa_cpu = project_load.cpu["rasa"] / max(1, project_load.messages)
                    stages = {stage: round(share * rasa_cpu, 5) for stage, share in shares.items()}
                    for name in ("actions", "guard", "open311", "outbox"):
                        stages[f"{name} process"] = level["project"]["cpu_s_per_message"].get(
                            name, 0.0)
                    level["stages_cpu_s_per_message"] = stages
                results["levels"][str(residents)] = level
                if project_load.errors.total():
                    failures.append(f"{residents} residents: {project_load.errors.total()} errors")
            on_backend = filed(stack, before + reports) - before
            results["reports"] = {"finished": reports, "filed": on_backend}
            results["rss_mb"] = {
                "project": {name: round(process_tree_rss(p) / 2**20)
                            for name, p in project.processes.items()},
                "starter": {name: round(process_tree_rss(p) / 2**20)
                            for name, p in starter.processes.items()},
            }
        finally:
            starter_service.stop()
    print(f"\nReports finished under load: {reports}; new requests on the City backend: "
          f"{on_backend}")
    if on_backend != reports:
        failures.append(f"{reports} reports finished, {on_backend} requests filed")
    for level_name, level in results["levels"].items():
        if "greet_p50_ms" in level["project"]:
            print(f"1 resident: greeting p50 {level['project']['greet_p50_ms']} ms "
                  f"({level['project']['greet_count']}), knowledge answer p50 "
                  f"{level['project'].get('question_p50_ms')} ms "
                  f"({level['project'].get('question_count')})")
        if "stages_cpu_s_per_message" in level:
            print(f"CPU-seconds per message by stage at {level_name} residents: "
                  + ", ".join(f"{k} {v * 1000:.1f} ms"
                              for k, v in level["stages_cpu_s_per_message"].items()))
    for system, processes in results["rss_mb"].items():
        print(f"RSS {system}: " + ", ".join(f"{k} {v} MB" for k, v in processes.items())
              + f" — total {sum(processes.values())} MB")
    ten = results["levels"].get("10")
    if ten:
        if ten["ratios"]["throughput"] < TARGETS["throughput_ratio"]:
            failures.append(f"throughput {ten['ratios']['throughput']}× < "
                            f"{TARGETS['throughput_ratio']}× at 10 residents")
        if ten["ratios"]["p95"] > TARGETS["p95_ratio"]:
            failures.append(f"p95 {ten['ratios']['p95']}× > {TARGETS['p95_ratio']}× "
                            "at 10 residents")
    one = results["levels"].get("1", {}).get("project", {})
    if one.get("greet_p50_ms", 0) > TARGETS["greet_p50_ms"]:
        failures.append(f"greeting p50 {one['greet_p50_ms']} ms > {TARGETS['greet_p50_ms']} ms")
    if one.get("question_p50_ms", 0) > TARGETS["question_p50_ms"]:
        failures.append(f"knowledge answer p50 {one['question_p50_ms']} ms > "
                        f"{TARGETS['question_p50_ms']} ms")
    total_gb = sum(results["rss_mb"]["project"].values()) / 1024
    if total_gb > TARGETS["rss_gb"]:
        failures.append(f"stack RSS {total_gb:.2f} GB > {TARGETS['rss_gb']} GB")
    results["failures"] = failures
    if args.json:
        args.json.write_text(json.dumps(results, indent=2), encoding="utf-8")
    if failures:
        print("Below target: " + "; ".join(failures))
        sys.exit(1)
    unchecked = [name for level, name in (("10", "the 10-resident ratios"),
                                          ("1", "the 1-resident p50s"))
                 if level not in results["levels"]]
    print("Targets met." + (f" Not checked (level not run): {', '.join(unchecked)}."
                            if unchecked else ""))


if __name__ == "__main__":
    main()
