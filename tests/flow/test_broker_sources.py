"""Messages from brokers are remote input (rules/sources.toml): a task queue's task arguments
(Celery, Dramatiq, RQ), an MQTT message, a Kafka record, a RabbitMQ delivery (pika, aio-pika),
a Redis pub/sub message. Whoever can publish to the broker chose them: a shell command or code
built from one is critical, not "parameter"/"internal" (high)."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from auditor.api import scan
from tests.conftest import make_policy


def _scan(tmp_path: Path, code: str) -> list[tuple[int, str, str, str | None]]:
    (tmp_path / "work.py").write_text(textwrap.dedent(code))
    result = scan([tmp_path], policy=make_policy(root=str(tmp_path)), jobs=1)
    assert result.errors == []
    return [(f.line, f.rule, f.risk, f.origin) for f in result.findings]


CASES = {
    "aiopika_t": (
        """\
        import os
        import aio_pika

        async def on_msg(message):
            os.system(message.body.decode())

        async def main():
            connection = await aio_pika.connect_robust("amqp://guest:guest@localhost/")
            channel = await connection.channel()
            queue = await channel.declare_queue("jobs")
            await queue.consume(on_msg)
        """,
        [5],
    ),
    "celery_t": (
        """\
        import subprocess
        from celery import Celery, shared_task
        app = Celery("w")

        @app.task
        def run_job(cmd):
            subprocess.run(cmd, shell=True)

        @app.task(bind=True)
        def run_bound(self, cmd):
            subprocess.run(cmd, shell=True)

        @shared_task
        def shared(cmd):
            subprocess.run(cmd, shell=True)
        """,
        [7, 11, 15],
    ),
    "drama": (
        """\
        import os
        import dramatiq

        @dramatiq.actor
        def act(cmd):
            os.system(cmd)

        @dramatiq.actor(max_retries=0)
        def act2(cmd):
            os.system(cmd)
        """,
        [6, 10],
    ),
    "kafka_t": (
        """\
        import os
        from kafka import KafkaConsumer

        consumer = KafkaConsumer("jobs", bootstrap_servers="k:9092")
        for msg in consumer:
            os.system(msg.value.decode())

        def poll():
            c = KafkaConsumer("jobs")
            for tp, records in c.poll(1000).items():
                for r in records:
                    os.system(r.value)
        """,
        [6, 12],
    ),
    "mqtt": (
        """\
        import os
        import paho.mqtt.client as mqtt

        def on_message(client, userdata, msg):
            os.system(msg.payload.decode())

        def on_cmd(client, userdata, message):
            os.system(message.payload.decode())

        c = mqtt.Client()
        c.on_message = on_message
        c.message_callback_add("cmd/#", on_cmd)
        """,
        [5, 8],
    ),
    "pika_t": (
        """\
        import subprocess
        import pika

        def callback(ch, method, properties, body):
            subprocess.run(body.decode(), shell=True)

        conn = pika.BlockingConnection(pika.ConnectionParameters("localhost"))
        channel = conn.channel()
        channel.basic_consume(queue="jobs", on_message_callback=callback, auto_ack=True)
        """,
        [5],
    ),
    "redis_t": (
        """\
        import os
        import redis

        r = redis.Redis()
        p = r.pubsub()
        p.subscribe("jobs")

        def once():
            m = p.get_message()
            os.system(m["data"].decode())

        def loop():
            for m in p.listen():
                os.system(m["data"].decode())
        """,
        [10, 14],
    ),
    "rqjob": (
        """\
        import os
        from redis import Redis
        from rq import Queue

        def job(cmd):
            os.system(cmd)

        q = Queue(connection=Redis())
        q.enqueue(job, "ls")
        """,
        [6],
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_broker_message_is_remote_input(tmp_path: Path, name: str) -> None:
    code, lines = CASES[name]
    found = _scan(tmp_path, code)
    assert found == [(line, "AUD001", "critical", "remote-input") for line in lines]


def test_a_method_named_on_message_is_no_mqtt_callback(tmp_path: Path) -> None:
    # the MQTT handler is a plain function the client is given: a method of that name (a
    # chat bot's own) is judged by what calls it
    found = _scan(
        tmp_path,
        """\
        import os

        class Bot:
            def on_message(self, message):
                os.system(message)
        """,
    )
    assert found == [(5, "AUD101", "high", "parameter")]


def test_a_queue_of_another_kind_registers_nothing(tmp_path: Path) -> None:
    # queue.Queue().put(f) hands a function to nobody's worker: its parameter stays a parameter
    found = _scan(
        tmp_path,
        """\
        import os, queue

        def job(cmd):
            os.system(cmd)

        queue.Queue().put(job)
        """,
    )
    assert found == [(4, "AUD101", "high", "parameter")]


def test_a_source_package_imported_after_another_on_one_line(tmp_path: Path) -> None:
    # ``import os, aio_pika``: the file is where an outside origin enters (the stage reads
    # the calls of its functions, the registration in ``main`` among them), as with
    # ``import aio_pika`` on a line of its own
    found = _scan(
        tmp_path,
        """\
        import os, aio_pika

        async def on_msg(message):
            os.system(message.body.decode())

        async def main():
            queue = await aio_pika.connect_robust("amqp://h/")
            await queue.consume(on_msg)
        """,
    )
    assert found == [(4, "AUD001", "critical", "remote-input")]
