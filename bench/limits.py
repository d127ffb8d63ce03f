"""The machinery's own limits, measured on the same broker as the booking benchmark:

    python -m bench.limits pika     raw publish-with-confirm and consume rates (pika)
    python -m bench.limits nameko   a bare nameko RPC round trip and event round trip

Each prints one JSON object. Every part is bounded by a message count and a deadline.
"""
import json
import os
import sys
import time
import uuid

AMQP_URI = os.environ.get("AMQP_URI", "amqp://guest:guest@127.0.0.1:5672/")
MESSAGES = int(os.environ.get("BENCH_LIMIT_MESSAGES", "5000"))
SECONDS = float(os.environ.get("BENCH_LIMIT_SECONDS", "5"))


def measure_pika():
    import pika

    connection = pika.BlockingConnection(pika.URLParameters(AMQP_URI))
    channel = connection.channel()
    queue = "bench-limits-" + uuid.uuid4().hex[:8]
    channel.queue_declare(queue, durable=True)
    channel.confirm_delivery()
    body = json.dumps({"event_id": uuid.uuid4().hex, "payload": {"x": 1}}).encode()
    properties = pika.BasicProperties(delivery_mode=2, content_type="application/json")
    started = time.perf_counter()
    for _ in range(MESSAGES):
        channel.basic_publish("", queue, body, properties)  # waits for the broker's confirm
    publish_rate = MESSAGES / (time.perf_counter() - started)

    channel.basic_qos(prefetch_count=100)
    consumed = 0
    started = time.perf_counter()
    deadline = started + 60
    for method, _properties, _body in channel.consume(queue, inactivity_timeout=5):
        if method is None or time.perf_counter() > deadline:
            break
        channel.basic_ack(method.delivery_tag)
        consumed += 1
        if consumed == MESSAGES:
            break
    consume_rate = consumed / (time.perf_counter() - started)
    channel.cancel()
    channel.queue_delete(queue)
    connection.close()
    return {"pika_publish_confirmed_per_s": round(publish_rate),
            "pika_consume_per_s": round(consume_rate), "messages": MESSAGES}


def measure_nameko():
    import eventlet

    eventlet.monkey_patch()
    from nameko.containers import ServiceContainer
    from nameko.events import event_handler
    from nameko.rpc import rpc
    from nameko.standalone.events import event_dispatcher
    from nameko.standalone.rpc import ClusterRpcProxy

    from devtools.sandbox import percentile

    received = []

    class Echo:
        name = "bench_echo_" + uuid.uuid4().hex[:6]

        @rpc
        def ping(self):
            return "pong"

    class Listener:
        name = "bench_listener_" + uuid.uuid4().hex[:6]

        @event_handler(Echo.name, "pinged")
        def handle_pinged(self, payload):
            received.append(time.perf_counter())

    config = {"AMQP_URI": AMQP_URI, "serializer": "json"}
    containers = [ServiceContainer(Echo, config), ServiceContainer(Listener, config)]
    for container in containers:
        container.start()
    try:
        latencies = []
        with ClusterRpcProxy(config, timeout=10) as cluster:
            proxy = getattr(cluster, Echo.name)
            proxy.ping()
            deadline = time.perf_counter() + SECONDS
            while time.perf_counter() < deadline and len(latencies) < MESSAGES:
                started = time.perf_counter()
                proxy.ping()
                latencies.append(time.perf_counter() - started)
        rpc_rate = len(latencies) / sum(latencies)

        dispatch = event_dispatcher(config)
        events = min(MESSAGES, 3000)
        started = time.perf_counter()
        for _ in range(events):
            dispatch(Echo.name, "pinged", {"n": 1})
        deadline = time.perf_counter() + 60
        while len(received) < events and time.perf_counter() < deadline:
            eventlet.sleep(0.01)
        event_rate = len(received) / ((received[-1] if received else time.perf_counter()) - started)
    finally:
        for container in containers:
            container.stop()
    return {"nameko_rpc_sequential_per_s": round(rpc_rate),
            "nameko_rpc_p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
            "nameko_events_per_s": round(event_rate), "events": events}


if __name__ == "__main__":
    part = sys.argv[1] if len(sys.argv) > 1 else "pika"
    print(json.dumps(measure_pika() if part == "pika" else measure_nameko()))
