"""A live Seibiant shared by the gateway's tests: the three services and the gateway as real
nameko containers on the real broker (a fresh vhost), SQLite files, the gateway on a free
port. Each test module builds its own small world in it (unique usernames), so modules do not
see each other's data; a module that needs an empty system starts its own (`start_system`)."""
import uuid

import eventlet
import pytest
import requests
from nameko.containers import ServiceContainer

from gateway.service import GatewayService
from devtools import sandbox
from devtools.processes import wait_until
from services.bookings.service import BookingsService
from services.budgets.service import BudgetsService
from services.insight.service import InsightService
from services.staycation.service import StaycationService
from services.families.service import FamiliesService
from services.notifications.service import NotificationsService
from services.providers.service import ProvidersService

ADMIN_PASSWORD = "admin-password-for-tests"
TOKEN_SECRET = "a-test-token-secret-that-is-long-enough-" + uuid.uuid4().hex


class Api:
    """requests against the live gateway, with sign-in helpers."""

    def __init__(self, base_url):
        self.base_url = base_url
        self.http = requests.Session()

    def url(self, path):
        return self.base_url + "/api/v1" + path

    def call(self, method, path, token=None, headers=None, **kwargs):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = "Bearer " + token
        return self.http.request(method, self.url(path), headers=headers, timeout=30,
                                 **kwargs)

    def get(self, path, token=None, **kwargs):
        return self.call("GET", path, token, **kwargs)

    def post(self, path, token=None, **kwargs):
        return self.call("POST", path, token, **kwargs)

    def token(self, username, password):
        response = self.post("/auth/token", json={"username": username, "password": password})
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def admin(self):
        return self.token("admin", ADMIN_PASSWORD)


class Live:
    def __init__(self, api, config, containers):
        self.api = api
        self.config = config
        self.containers = containers


def gateway_config(amqp_uri, databases, port, **overrides):
    config = {
        "AMQP_URI": amqp_uri, "max_workers": 20, "serializer": "json",
        "DATABASES": databases, "OUTBOX_SWEEP_SECONDS": 0.2, "EVENT_MAX_ATTEMPTS": 3,
        "CONSUMER_POLL_SECONDS": sandbox.CONSUMER_POLL_SECONDS,
        "EVENT_RETRY_BACKOFF_MS": 50, "WEB_SERVER_ADDRESS": "127.0.0.1:{}".format(port),
        # a ballot a test closes in bookings' own database (world.close_ballot_applications),
        # behind the timer's back, is drawn within a second or so, not at the close it knew of
        "BALLOT_TIMER_SECONDS": 0.5, "TIMER_CEILING_SECONDS": 1,
        "TOKEN_SECRET": TOKEN_SECRET, "ADMIN_PASSWORD": ADMIN_PASSWORD,
        # a cheap scrypt keeps the tests fast; production uses passwords.DEFAULT_COST
        "PASSWORD_COST": 1024, "RPC_TIMEOUT_SECONDS": 5,
        # every test signs in from 127.0.0.1, some at once: the address limit and the hashing
        # bound are tested on gateways of their own
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 100000, "PASSWORD_HASHES_AT_ONCE": 20,
        # no mail server: notifications' tests bring their own (tests/notifications)
        "SMTP_PORT": sandbox.free_port(),
    }
    config.update(overrides)
    return config


def fresh_vhost():
    """A virtual host for longer than one test: two systems on one vhost would consume each
    other's messages."""
    return sandbox.vhost("seibiant-gw")


@pytest.fixture(scope="package")
def vhost_uri(rabbitmq):
    with fresh_vhost() as uri:
        yield uri


def start_system(amqp_uri, directory, services=(BudgetsService, ProvidersService,
                                               BookingsService, InsightService, FamiliesService,
                                               NotificationsService, StaycationService),
                 **overrides):
    databases = {name: "sqlite:///{}".format(directory / "{}.sqlite3".format(name))
                 for name in ("budgets", "providers", "bookings", "insight", "families",
                              "notifications", "staycation", "gateway")}
    port = sandbox.free_port()
    config = gateway_config(amqp_uri, databases, port, **overrides)
    containers = []
    for service_cls in tuple(services) + (GatewayService,):
        container = ServiceContainer(service_cls, config)
        container.start()
        containers.append(container)
    api = Api("http://127.0.0.1:{}".format(port))
    wait_until(lambda: api.get("/openapi.json").status_code == 200, 10, message="gateway")
    return Live(api, config, containers)


def stop_system(system):
    # Together: each container waits for a few turns of its consumer's loop to stop.
    pool = eventlet.GreenPool()
    for container in system.containers:
        pool.spawn(container.stop)
    pool.waitall()


@pytest.fixture(scope="package")
def live(vhost_uri, tmp_path_factory):
    system = start_system(vhost_uri, tmp_path_factory.mktemp("live"))
    yield system
    stop_system(system)


@pytest.fixture(scope="module")
def api(live):
    return live.api
