"""The production profile with several replicas on this machine, and simulated residents.

:func:`start_cluster` runs, each as a real process on 127.0.0.1: a Redis of its own (so a test
may restart it), the embedded Open311 server (the City's backend), ``actions`` action servers
and ``outbox`` outbox workers, ``rasa`` Rasa replicas on one fresh PostgreSQL database
(tracker store, outbox and SMS state) with the Redis lock store, and HAProxy — round-robin, no
stickiness — in front of the Rasa replicas (the residents' channels) and of the action servers
(Rasa's ``action_endpoint``). The HAProxy configuration is written at run time from
:data:`HAPROXY_TEMPLATE`.

:class:`Resident` files a graffiti request through the REST channel or the SMS webhook, sending
some messages twice at the same moment (a double tap), and retries a turn that failed the way a
client would; :class:`Tally` counts what residents would notice: lost messages, empty replies,
apologies, how long a conversation was stuck, and requests filed twice.

``eval/scale_test.py`` (the measured run) and ``tests/scale/test_replicas.py`` (its small form
in ``make test``) use it.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import secrets
import shutil
import signal
import socket
import statistics
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import yaml

from connectors.senders import conversation_id
from connectors.sms.signature import compute_twilio_signature
from eval.stack import (
    APP_PYTHON,
    RASA_PYTHON,
    Service,
    database_url,
    free_port,
    fresh_database,
    latest_model,
    pinned_endpoints,
)

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"

# Round-robin without stickiness: consecutive messages of one conversation land on different
# replicas. A request that found a replica dead (connection refused, or the connection closed
# with no reply: killed mid-turn) is sent again to another one, as a production balancer does.
HAPROXY_TEMPLATE = """\
global
    maxconn 2000

defaults
    mode http
    timeout connect 2s
    timeout client 40s
    timeout server 40s
    timeout check 3s
    option http-buffer-request
    retries 3
    option redispatch 1
    retry-on conn-failure empty-response

frontend channels
    bind 127.0.0.1:{channels_port}
    default_backend rasa

backend rasa
    balance roundrobin
    option httpchk GET /webhooks/rest/ready
    default-server inter 1s fall 3 rise 2
{rasa_servers}

frontend actions
    bind 127.0.0.1:{actions_port}
    default_backend actions

backend actions
    balance roundrobin
    option httpchk GET /ready
    default-server inter 1s fall 3 rise 2
{action_servers}
"""

# The web chat's and the SMS channel's "could not answer" replies (the resident tries again).
APOLOGY = ("having trouble", "something went wrong", "taking longer than usual")
FILED = re.compile(r"\b(1-\d{7}|Q-[A-Z0-9]{6})\b")


@dataclass
class Cluster:
    """The running replicas: URLs, secrets, restartable services."""

    workdir: Path
    env: dict[str, str]
    token: str
    rest_token: str
    sms_token: str
    open311_url: str
    public_url: str
    rasa_urls: dict[str, str]
    services: dict[str, Service] = field(default_factory=dict)

    def kill(self, name: str) -> None:
        """``kill -9`` one process (``rasa1``, ``actions2``, ``outbox1``, ``redis``, …)."""
        process = self.services[name].process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGKILL)
            process.wait()

    def start(self, name: str) -> None:
        """(Re)start one process and wait until it is ready."""
        self.services[name].start()

    def restart(self, name: str) -> None:
        """``kill -9`` one process, then start it again."""
        self.kill(name)
        self.start(name)

    def tracker(self, conversation: str) -> dict[str, Any]:
        """A conversation's tracker, from the first replica that answers."""
        for url in self.rasa_urls.values():
            try:
                reply = httpx.get(f"{url}/conversations/{conversation}/tracker",
                                  params={"token": self.token}, timeout=30)
                if reply.status_code == 200:
                    tracker: dict[str, Any] = reply.json()
                    return tracker
            except httpx.HTTPError:
                continue
        raise RuntimeError(f"no replica returned the tracker of {conversation}")

    def user_messages(self, conversation: str) -> int:
        """How many of a conversation's messages Rasa stored."""
        events = self.tracker(conversation)["events"]
        return sum(1 for event in events if event["event"] == "user")

    def backend_requests(self) -> list[dict[str, Any]]:
        """Every request the City's backend holds."""
        reply = httpx.get(f"{self.open311_url}/requests.json", timeout=30)
        reply.raise_for_status()
        items: list[dict[str, Any]] = reply.json()
        return items

    def filed_per_marker(self, markers: set[str]) -> dict[str, int]:
        """How many backend requests carry each marker in their description (duplicates)."""
        counts = dict.fromkeys(markers, 0)
        for item in self.backend_requests():
            for marker in re.findall(r"\bmk[a-z0-9]{8}\b", item.get("description") or ""):
                if marker in counts:
                    counts[marker] += 1
        return counts

    def delivered(self, references: set[str]) -> set[str]:
        """The references residents were told that reached the City's backend.

        A request number ("1-…") must be on the backend; a local reference ("Q-…", the backend
        was down) must have been sent by the outbox, under the number the backend gave it.
        """
        on_backend = {item["service_request_id"] for item in self.backend_requests()}
        queued = sorted(ref for ref in references if ref.startswith("Q-"))
        sent: dict[str, str] = {}
        if queued:
            import psycopg

            with psycopg.connect(self.env["STATE_DB_URL"]) as conn:
                rows = conn.execute(
                    "SELECT local_ref, service_request_id FROM outbox WHERE local_ref = ANY(%s)",
                    (queued,),
                ).fetchall()
            sent = {ref: request_id for ref, request_id in rows if request_id}
        return {ref for ref in references if sent.get(ref, ref) in on_backend}

    def wait_delivered(self, references: set[str], timeout: float) -> set[str]:
        """Wait until every reference is delivered (outbox retries); those delivered."""
        deadline = time.monotonic() + timeout
        while True:
            done = self.delivered(references)
            if done == references or time.monotonic() > deadline:
                return done
            time.sleep(1)


def _redis_service(workdir: Path, port: int, env: dict[str, str]) -> Service:
    service = Service(
        "redis",
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--daemonize", "no"],
        "", env, workdir / "redis.log",
    )
    return service


def _wait_tcp(port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def write_haproxy_config(
    path: Path, channels_port: int, actions_port: int, rasa_ports: list[int],
    action_ports: list[int],
) -> Path:
    """The balancer's configuration for these replicas."""
    path.write_text(HAPROXY_TEMPLATE.format(
        channels_port=channels_port,
        actions_port=actions_port,
        rasa_servers="\n".join(
            f"    server rasa{i} 127.0.0.1:{port} check" for i, port in enumerate(rasa_ports, 1)
        ),
        action_servers="\n".join(
            f"    server actions{i} 127.0.0.1:{port} check"
            for i, port in enumerate(action_ports, 1)
        ),
    ), encoding="utf-8")
    return path


@contextmanager
def start_cluster(
    workdir: Path, *, rasa: int = 2, actions: int = 2, outbox: int = 2, model: Path | None = None,
    rasa_lock_store: bool = False,
) -> Iterator[Cluster]:
    """Start the replicas on a fresh database; stop everything and drop it afterwards.

    ``rasa_lock_store=True`` replaces ``bot.lock_store.AtomicRedisLockStore`` with Rasa 3.6's
    own ``redis`` lock store, to measure what it loses.
    """
    model = model or latest_model()
    workdir.mkdir(parents=True, exist_ok=True)
    with fresh_database("scale") as dbname:
        ports = {
            "redis": free_port(), "open311": free_port(), "channels": free_port(),
            "actions": free_port(),
            **{f"rasa{i}": free_port() for i in range(1, rasa + 1)},
            **{f"actions{i}": free_port() for i in range(1, actions + 1)},
            **{f"outbox{i}": free_port() for i in range(1, outbox + 1)},
        }
        token, rest_token = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        api_key = secrets.token_urlsafe(16)
        env = {
            **os.environ,
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
            "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1", "SANIC_HOST": "127.0.0.1",
            "APP_PROFILE": "production",
            "STATE_DB_URL": database_url(dbname),
            "TRACKER_DB_HOST": "127.0.0.1", "TRACKER_DB_PORT": "5432",
            "TRACKER_DB_USER": "postgres", "TRACKER_DB_PASSWORD": "", "TRACKER_DB_NAME": dbname,
            "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(ports["redis"]), "REDIS_DB": "0",
            "RATE_LIMIT_STORAGE": f"redis://127.0.0.1:{ports['redis']}/1",
            "RASA_AUTH_TOKEN": token,
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{ports['actions']}/webhook",
            "ACTION_SERVER_TOKEN": secrets.token_urlsafe(16),
            "OPEN311_API_KEY": api_key, "OPEN311_SERVER_API_KEYS": api_key,
            "OPEN311_BASE_URL": f"http://127.0.0.1:{ports['open311']}/open311/v2",
            "OPEN311_SERVER_HOST": "127.0.0.1", "OPEN311_SERVER_PORT": str(ports["open311"]),
            "OPEN311_SERVER_DB": str(workdir / "open311.db"),
            "OUTBOX_POLL_SECONDS": "1",
            "SMS_AUTH_TOKEN": secrets.token_urlsafe(16),
            "WEBCHAT_REST_TOKEN": rest_token, "REST_API_TOKEN": secrets.token_urlsafe(16),
        }
        env.pop("RASA_TEST_MODEL", None)
        cluster = Cluster(
            workdir=workdir, env=env, token=token, rest_token=rest_token,
            sms_token=env["SMS_AUTH_TOKEN"], open311_url=env["OPEN311_BASE_URL"],
            public_url=f"http://127.0.0.1:{ports['channels']}",
            rasa_urls={f"rasa{i}": f"http://127.0.0.1:{ports[f'rasa{i}']}"
                       for i in range(1, rasa + 1)},
        )
        endpoints = pinned_endpoints(workdir, "bot/endpoints.production.yml")
        if rasa_lock_store:
            config = yaml.safe_load(endpoints.read_text(encoding="utf-8"))
            config["lock_store"] = {key: config["lock_store"][key] for key in ("url", "port", "db")}
            config["lock_store"]["type"] = "redis"
            endpoints.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
        config = write_haproxy_config(
            workdir / "haproxy.cfg", ports["channels"], ports["actions"],
            [ports[f"rasa{i}"] for i in range(1, rasa + 1)],
            [ports[f"actions{i}"] for i in range(1, actions + 1)],
        )
        services = [
            _redis_service(workdir, ports["redis"], env),
            Service("open311", [str(APP_PYTHON), "-m", "connectors.open311.server"],
                    f"{env['OPEN311_BASE_URL'].removesuffix('/open311/v2')}/ready", env,
                    workdir / "open311.log"),
            *(Service(f"actions{i}", [str(APP_PYTHON), "-m", "connectors.action_server",
                                      "--actions", "actions", "--port",
                                      str(ports[f"actions{i}"])],
                      f"http://127.0.0.1:{ports[f'actions{i}']}/ready", env,
                      workdir / f"actions{i}.log", startup_timeout=180)
              for i in range(1, actions + 1)),
            *(Service(f"outbox{i}", [str(APP_PYTHON), "-m", "connectors.open311.outbox"],
                      f"http://127.0.0.1:{ports[f'outbox{i}']}/ready",
                      {**env, "OUTBOX_PROBE_PORT": str(ports[f"outbox{i}"])},
                      workdir / f"outbox{i}.log")
              for i in range(1, outbox + 1)),
            Service("haproxy", [HAPROXY, "-db", "-f", str(config)], "", env,
                    workdir / "haproxy.log"),
        ]
        rasa_services = [
            Service(f"rasa{i}", [str(RASA_PYTHON), "-m", "bot.rasa_run", "--enable-api",
                                 "--model", str(model), "--endpoints", str(endpoints),
                                 "--credentials", "bot/credentials.yml", "--interface",
                                 "127.0.0.1", "--port", str(ports[f"rasa{i}"])],
                    f"http://127.0.0.1:{ports[f'rasa{i}']}/status?token={token}", env,
                    workdir / f"rasa{i}.log", startup_timeout=300)
            for i in range(1, rasa + 1)
        ]
        try:
            for service in services:
                cluster.services[service.name] = service
                service.start()
                if service.name == "redis":
                    _wait_tcp(ports["redis"], 10)
            # Every replica starts at once, also on a fresh database: the shared state's tables
            # are created under an advisory lock (connectors.storage), and Rasa retries its own.
            for service in rasa_services:
                cluster.services[service.name] = service
                service.health_url, url = "", service.health_url
                service.start()
                service.health_url = url
            for service in rasa_services:
                _wait_replica(service)
            yield cluster
        finally:
            for service in reversed(list(cluster.services.values())):
                service.stop()


def _wait_replica(service: Service) -> None:
    """Wait until a Rasa replica has loaded its model."""
    deadline = time.monotonic() + service.startup_timeout
    while time.monotonic() < deadline:
        if service.process is not None and service.process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with {service.process.returncode}")
        try:
            reply = httpx.get(service.health_url, timeout=3)
            if "model_file" in reply.text:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"{service.name} not ready in {service.startup_timeout} s")


# --- residents ------------------------------------------------------------------------------


@dataclass
class Turn:
    """One message as a resident experienced it."""

    conversation: str
    text: str
    ok: bool
    seconds: float
    attempts: int
    stuck_for: float  # from the first failed attempt to the reply (0 when none failed)
    empty: int  # attempts answered with nothing at all
    apologies: int  # attempts answered with "having trouble"
    reply: str


@dataclass
class Tally:
    """What residents noticed, across every conversation of a run."""

    turns: list[Turn] = field(default_factory=list)
    sent_ok: dict[str, int] = field(default_factory=dict)  # conversation -> answered messages
    confirmed: dict[str, str] = field(default_factory=dict)  # marker -> reference given

    def add(self, turn: Turn) -> None:
        """Record one turn."""
        self.turns.append(turn)
        if turn.ok:
            self.sent_ok[turn.conversation] = self.sent_ok.get(turn.conversation, 0) + 1

    def lost(self, cluster: Cluster) -> int:
        """Answered messages that Rasa did not keep (two messages of a conversation at once)."""
        return sum(max(0, sent - cluster.user_messages(conversation))
                   for conversation, sent in self.sent_ok.items())

    def dump(self, path: Path) -> None:
        """Write every turn that failed once or took over 10 s (JSON lines), to look into."""
        with path.open("w", encoding="utf-8") as out:
            for turn in self.turns:
                if turn.attempts > 1 or turn.seconds > 10 or not turn.ok:
                    out.write(json.dumps(asdict(turn), ensure_ascii=False) + "\n")

    def latencies(self) -> list[float]:
        """Seconds of every answered message."""
        return [turn.seconds for turn in self.turns if turn.ok]

    def summary(
        self, cluster: Cluster, duration: float, delivered_within: float = 90
    ) -> dict[str, Any]:
        """The figures of a run (waits for the outbox to deliver every confirmed request)."""
        references = set(self.confirmed.values())
        delivered = cluster.wait_delivered(references, delivered_within)
        counts = cluster.filed_per_marker(set(self.confirmed))
        latencies = sorted(self.latencies()) or [0.0]
        return {
            "conversations": len(self.sent_ok),
            "messages": len(self.turns),
            "answered": sum(turn.ok for turn in self.turns),
            "lost": self.lost(cluster),
            "empty_replies": sum(turn.empty for turn in self.turns),
            "apologies": sum(turn.apologies for turn in self.turns),
            "unanswered": sum(not turn.ok for turn in self.turns),
            "longest_stuck_s": round(max((t.stuck_for for t in self.turns), default=0.0), 1),
            "slowest_turn_s": round(max(latencies), 1),
            "confirmed": len(self.confirmed),
            "delivered": len(delivered),
            "duplicates": sum(n - 1 for n in counts.values() if n > 1),
            "not_delivered": len(references - delivered),
            "throughput_msg_s": round(len(latencies) / duration, 2) if duration else 0.0,
            "p50_s": round(statistics.median(latencies), 3),
            "p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3),
        }


class Resident:
    """A resident filing a request through the balancer, by REST (web chat) or SMS.

    Args:
        cluster: The running replicas.
        http: A shared client.
        tally: Where turns are counted.
        sms: Text by SMS (Twilio webhook) instead of the web chat's REST channel.
        turn_budget: How long a resident keeps retrying one message before giving up.
    """

    def __init__(self, cluster: Cluster, http: httpx.AsyncClient, tally: Tally, *,
                 sms: bool = False, turn_budget: float = 40.0) -> None:
        self.cluster, self.http, self.tally, self.sms = cluster, http, tally, sms
        self.turn_budget = turn_budget
        self.sender = (f"+1213{secrets.randbelow(10**7):07d}" if sms
                       else f"scale-{secrets.token_hex(6)}")
        self.conversation = conversation_id("sms" if sms else "web", self.sender)

    async def _post(self, text: str, url: str) -> tuple[int, list[str]]:
        if not self.sms:
            reply = await self.http.post(
                f"{url}/webhooks/rest/webhook", json={"sender": self.sender, "message": text},
                headers={"Authorization": f"Bearer {self.cluster.rest_token}"}, timeout=30)
            if reply.status_code != 200:
                return reply.status_code, []
            return 200, [m.get("text") or "" for m in reply.json()]
        sid = f"SM{secrets.token_hex(16)}"
        form = {"MessageSid": sid, "SmsMessageSid": sid, "AccountSid": "AC" + "0" * 32,
                "From": self.sender, "To": "+12135550000", "Body": text, "NumMedia": "0"}
        target = f"{url}/webhooks/sms/webhook"
        signature = compute_twilio_signature(target, form, self.cluster.sms_token)
        reply = await self.http.post(
            target, content=urlencode(form).encode(), timeout=30,
            headers={"Content-Type": "application/x-www-form-urlencoded",
                     "X-Twilio-Signature": signature})
        if reply.status_code != 200:
            return reply.status_code, []
        root = ET.fromstring(reply.content)
        return 200, [m.text or "" for m in root.findall("Message")]

    async def say(self, text: str, url: str | None = None, retry: bool = True) -> Turn:
        """Send one message; a failed turn is sent again after 1 s, as a client would."""
        started = time.monotonic()
        first_failure: float | None = None
        attempts = empty = apologies = 0
        texts: list[str] = []
        ok = False
        while True:
            attempts += 1
            try:
                status, texts = await self._post(text, url or self.cluster.public_url)
            except (httpx.HTTPError, ET.ParseError):
                status, texts = 0, []
            joined = "\n".join(texts)
            if status == 200 and not texts:
                empty += 1
            elif status == 200 and any(word in joined.lower() for word in APOLOGY):
                apologies += 1
            elif status == 200:
                ok = True
                break
            first_failure = first_failure or time.monotonic()
            if not retry or time.monotonic() - started > self.turn_budget:
                break
            await asyncio.sleep(1.0)
        now = time.monotonic()
        turn = Turn(self.conversation, text, ok, now - started, attempts,
                    now - first_failure if first_failure else 0.0, empty, apologies,
                    "\n".join(texts))
        self.tally.add(turn)
        return turn

    async def double(self, text: str) -> list[Turn]:
        """The same message twice at the same moment (a double tap, a client retry)."""
        return list(await asyncio.gather(self.say(text), self.say(text)))

    async def file_request(self) -> str | None:
        """File a graffiti request, double-tapping the greeting and the confirmation.

        Returns:
            The request's marker (in its description) when the assistant confirmed it.
        """
        marker = f"mk{secrets.token_hex(4)}"
        await self.double("hello")
        question = await self.say("someone tagged my garage at 200 N Spring St")
        if self.sms and (number := _option(question.reply, "Wall")):
            await self.say(number)
        await self.say(f"blue tag {marker} sprayed on the garage door")
        check = await self.say("skip")
        yes = (_option(check.reply, "Yes") if self.sms else None) or "yes"
        replies = await self.double(yes)
        for turn in replies:
            found = FILED.search(turn.reply)
            if found:
                self.tally.confirmed[marker] = found.group(1)
                return marker
        return None


def _option(reply: str, title: str) -> str | None:
    match = re.search(rf"^(\d+)\) {re.escape(title)}$", reply, re.M)
    return match.group(1) if match else None


async def crowd(cluster: Cluster, tally: Tally, residents: int, sms_share: float,
                until: float) -> int:
    """``residents`` residents filing requests, one after another, until ``until`` (monotonic).

    Returns:
        How many requests were started.
    """
    started = 0

    async def one(index: int) -> None:
        nonlocal started
        sms = index < residents * sms_share
        async with httpx.AsyncClient() as http:
            while time.monotonic() < until:
                started += 1
                await Resident(cluster, http, tally, sms=sms).file_request()

    await asyncio.gather(*(one(i) for i in range(residents)))
    return started
