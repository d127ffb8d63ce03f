"""The public JSON API under /api/v1 (described as OpenAPI at /api/v1/openapi.json): one
function per operation, each a line or two.

Each `@api` declares who may call an operation and the schemas of what it takes and answers;
`gateway.http` authenticates, authorises and validates before the function body runs, so the
bodies below only call the service that owns the thing. Services check again that the thing
is the actor's (docs/contracts.md) and answer NotFound when it is not. `service` is the
GatewayService worker, with its dependencies. The operations are functions of this module so
that the web pages import the ones they call by name (`from ..api import get_booking`): a
rename fails on import, not on the page. `Api` gathers them as the service's entrypoints.
"""
import logging
import time
import uuid

import eventlet
from werkzeug.wrappers import Response

from seibiant_common.types import utcnow

from . import accounts, errors, openapi
from . import schemas as s
from .changes import WaitingApiEntrypoint
from .http import PUBLIC, SERVICE, api

log = logging.getLogger(__name__)

SERVICES = ("budgets", "providers", "bookings")
HEALTH_TIMEOUT_SECONDS = 2
ADMIN, OFFICER, FAMILY, PROVIDER = ("admin",), ("officer",), ("family",), ("provider",)
# a new account's password is hashed, and hashing is bounded (docs/gateway.md)
HASHING_BUSY = {429: "too many passwords are being hashed at once; retry after `Retry-After`"}


# ---- health and description ----------------------------------------------------------

@api("GET", "/health", "Whether the gateway and every service answer", roles=PUBLIC,
     response=s.HealthSchema, tag="system",
     responses={503: "a service does not answer; `down` lists which"})
def health(service, call):
    replies, down = {}, []
    for name in SERVICES:
        try:
            replies[name] = getattr(service, name).health.call_async()
        except Exception:  # the broker itself is not answering
            down.append(name)
    deadline = time.monotonic() + HEALTH_TIMEOUT_SECONDS
    for name, reply in replies.items():
        try:
            with eventlet.Timeout(max(0.01, deadline - time.monotonic())):
                reply.result()
        except (Exception, eventlet.Timeout):
            down.append(name)
    down = [name for name in SERVICES if name in down]
    if down:
        raise errors.Problem(503, "service-unavailable", "Service unavailable",
                             "not answering: " + ", ".join(down), down=down)
    return {"status": "ok", "services": list(SERVICES)}


@api("GET", "/openapi.json", "This API's OpenAPI 3 description", roles=PUBLIC,
     tag="system")
def openapi_json(service, call):
    return Response(openapi.spec_json(), mimetype="application/json")


@api("GET", "/docs", "A browsable page of this API's operations", roles=PUBLIC,
     tag="system", content_types=("text/html",))
def docs(service, call):
    return Response(openapi.docs_html(), mimetype="text/html")


# ---- accounts ---------------------------------------------------------------------------

@api("POST", "/auth/token", "Sign in: a bearer token for a username and password",
     roles=PUBLIC, body=s.LoginSchema, response=s.TokenSchema, idempotency=None,
     tag="accounts", responses={401: "bad credentials (the same for unknown usernames)",
                                429: "too many failed sign-ins for this username or "
                                     "from this address, or too many at once"})
def sign_in(service, call):
    return service.accounts.sign_in(call.body["username"], call.body["password"],
                                 call.request)


@api("GET", "/me", "The caller's user record, with their contact details",
     response=s.MeSchema, tag="accounts")
def me(service, call):
    return call.user


@api("PATCH", "/me", "Change the caller's language ('en' or 'cy'), email, mobile or how "
     "they are told what happens (`notify_by`)", body=s.UpdateMeSchema, response=s.MeSchema,
     tag="accounts", description="Messages go in `language`, by each channel of "
     "`notify_by` (`email`, `sms`; `[]` for none), each of which needs its address.")
def update_me(service, call):
    wanted = dict(call.user, **call.body)
    missing = {"email": "email", "sms": "mobile"}
    lacking = [channel for channel in wanted["notify_by"] if not wanted[missing[channel]]]
    if lacking:
        raise errors.invalid({"notify_by": ["Give your {} first, or choose another way."
                                            .format(missing[lacking[0]])]})
    return service.accounts.update_user(call.actor["user_id"], **call.body)


@api("GET", "/me/notifications", "The messages sent to the caller, newest first",
     query=s.PageQuery, response=s.SentMessagePageSchema, tag="accounts",
     description="Each message by each channel: `status` is `pending` until the mail "
     "server (or GOV.UK Notify) has taken it.")
def my_notifications(service, call):
    return service.notifications.list_sent(call.actor, **call.query)


@api("GET", "/users/<user_id>", "A user record: your own; an officer's families; any "
     "for admin", response=s.UserSchema, tag="accounts")
def get_user(service, call, user_id):
    user = service.accounts.get_user(user_id)
    if user is None or not accounts.may_see(call.user, user):
        raise errors.not_found()
    return user


@api("POST", "/officers", "Create an officer of a council", roles=ADMIN,
     body=s.CreateOfficerSchema, response=s.UserSchema, status=201,
     location="/users/{id}", tag="accounts",
     responses={409: "`username_unavailable`: choose another username", **HASHING_BUSY})
def create_officer(service, call):
    return _new_account(service, call, role="officer", council=call.body.pop("council"))


@api("POST", "/families", "Create a family account in the officer's council",
     roles=OFFICER, body=s.CreateFamilySchema, response=s.UserSchema, status=201,
     location="/users/{id}", tag="accounts",
     responses={409: "`username_unavailable`: choose another username", **HASHING_BUSY})
def create_family(service, call):
    return _new_account(service, call, role="family", council=call.actor["council"])


@api("GET", "/families", "The families of the officer's council", roles=OFFICER,
     query=s.PageQuery, response=s.UserPageSchema, tag="accounts")
def list_families(service, call):
    return service.accounts.list_users(call.actor["council"], "family", call.query["limit"],
                                    call.query["cursor"])


def _new_account(service, call, role, council):
    body = call.body
    try:
        return service.accounts.create_user(
            call.actor["user_id"], body.pop("password"), role=role, council=council,
            **body)
    except accounts.UsernameTaken:
        raise errors.conflict("username_unavailable", "choose another username")


# ---- budgets ----------------------------------------------------------------------------

@api("POST", "/budgets", "A Direct Payment budget for a family of the officer's council",
     roles=OFFICER, body=s.CreateBudgetSchema, response=s.BudgetSchema, status=201,
     location="/budgets/{id}", tag="budgets")
def create_budget(service, call):
    council = call.actor["council"]
    if not service.accounts.family_in_council(call.body["family_id"], council):
        raise errors.invalid({"family_id": ["No family of your council has this id."]})
    return service.budgets.create_budget(call.actor, dict(call.body, family_council=council))


@api("GET", "/budgets/<budget_id>", "A budget with its balances",
     roles=OFFICER + FAMILY, response=s.BudgetSchema, tag="budgets")
def get_budget(service, call, budget_id):
    return service.budgets.get_budget(call.actor, budget_id)


@api("GET", "/budgets", "Budgets: a family's own, an officer's council's",
     roles=OFFICER + FAMILY, query=s.BudgetsQuery, response=s.BudgetPageSchema,
     tag="budgets")
def list_budgets(service, call):
    return service.budgets.list_budgets(call.actor, **call.query)


@api("GET", "/budgets/<budget_id>/statement", "The ledger with a running balance; "
     "`Accept: text/csv` (or `?format=csv`) for the audit CSV",
     roles=OFFICER + FAMILY, query=s.StatementQuery, response=s.StatementSchema,
     content_types=("text/csv",), tag="budgets")
def get_statement(service, call, budget_id):
    wanted = call.query["format"] or call.request.accept_mimetypes.best_match(
        ["application/json", "text/csv"], default="application/json")
    if wanted in ("csv", "text/csv"):
        return Response(service.budgets.get_statement_csv(call.actor, budget_id),
                        mimetype="text/csv", headers={"Content-Disposition":
                        'attachment; filename="statement-{}.csv"'.format(budget_id)})
    return service.budgets.get_statement(call.actor, budget_id)


# ---- providers and offers ---------------------------------------------------------------

@api("POST", "/providers", "Provider self-registration (starts `pending`)",
     roles=PUBLIC, body=s.RegisterProviderSchema, response=s.ProviderSchema, status=201,
     location="/providers/{id}", tag="providers", responses=HASHING_BUSY,
     description="When the username is already taken the answer is the same (so that no "
     "one learns which usernames exist): the profile is registered, but no sign-in is "
     "made for it, and signing in with the new password fails.")
def register_provider(service, call):
    profile = dict(call.body)
    username, password = profile.pop("username"), profile.pop("password")
    display_name = profile.pop("display_name", None) or profile["name"]
    contact = {"email": profile.pop("email"), "mobile": profile.pop("mobile")}  # the account's
    try:
        user = service.accounts.create_user(None, password, username=username,
                                         role="provider", council=None, needs=[],
                                         display_name=display_name, **contact)
    except accounts.UsernameTaken:
        # The same answer as a free name's, but nothing is stored: a profile without a
        # working sign-in would only wait in the officers' queue for ever.
        log.info("provider registration under a taken username; nothing stored")
        now = utcnow()
        return dict(profile, id=uuid.uuid4().hex, regions=sorted(set(profile["regions"])),
                    status="pending", created_at=now, updated_at=now)
    try:
        provider = service.providers.register_provider(dict(profile, user_id=user["id"]))
    except BaseException:
        service.accounts.delete_user(user["id"])  # the username is free to try again
        raise
    service.accounts.link_provider(user["id"], provider["id"])
    return provider


@api("GET", "/providers", "Providers, by status (officers: to approve the pending)",
     roles=OFFICER, query=s.ProvidersQuery, response=s.ProviderPageSchema,
     tag="providers")
def list_providers(service, call):
    return service.providers.list_providers(call.actor, **call.query)


@api("POST", "/providers/<provider_id>/approve", "Approve a provider for booking",
     roles=OFFICER, body=s.ApproveProviderSchema, response=s.ProviderSchema,
     tag="providers")
def approve_provider(service, call, provider_id):
    return service.providers.approve_provider(call.actor, provider_id)


@api("GET", "/providers/<provider_id>", "A provider's public profile",
     response=s.ProviderSchema, tag="providers")
def get_provider(service, call, provider_id):
    return service.providers.get_provider(provider_id)


@api("GET", "/providers/<provider_id>/offers",
     "A provider's offers, oldest first, with or without slots to book",
     roles=ADMIN + OFFICER + PROVIDER, query=s.PageQuery, response=s.OfferPageSchema,
     tag="providers", description="For the provider itself, an officer of a council it "
     "serves, and an admin; for anyone else the provider is not found. The offers carry no "
     "slots here: `GET /offers/{offer_id}` has them.")
def list_provider_offers(service, call, provider_id):
    return service.providers.list_offers(call.actor, provider_id, **call.query)


@api("POST", "/offers", "An offer of the (approved) provider; price 0 is a gifted break",
     roles=PROVIDER, body=s.CreateOfferSchema, response=s.OfferSchema, status=201,
     location="/offers/{id}", tag="offers")
def create_offer(service, call):
    return service.providers.create_offer(call.actor, call.body)


@api("POST", "/offers/<offer_id>/slots", "Publish slots of one's own offer",
     roles=PROVIDER, body=s.PublishSlotsSchema, response=s.SlotListSchema, status=201,
     location="/offers/{offer_id}", tag="offers")
def publish_slots(service, call, offer_id):
    return service.providers.publish_slots(call.actor, offer_id, call.body)


@api("GET", "/offers", "Search offers; each carries its slots in the window",
     query=s.OffersQuery, response=s.OfferPageSchema, tag="offers")
def search_offers(service, call):
    filters = dict(call.query)
    limit, cursor = filters.pop("limit"), filters.pop("cursor")
    if "from_" in filters:
        filters["from"] = filters.pop("from_")
    return service.providers.search(filters, limit, cursor)


@api("GET", "/offers/<offer_id>", "One offer with its future slots",
     response=s.OfferSchema, tag="offers")
def get_offer(service, call, offer_id):
    return service.providers.get_offer(offer_id)


# ---- bookings and approvals -------------------------------------------------------------

@api("POST", "/bookings", "Request a booking (completes asynchronously)", roles=FAMILY,
     body=s.CreateBookingSchema, response=s.BookingSchema, status=202,
     location="/bookings/{id}", tag="bookings", idempotency=SERVICE,
     description="Send an `Idempotency-Key` header: the same key with the same body "
     "answers the same booking (as it stands now); with another body, 409. The bookings "
     "service keeps these keys.")
def request_booking(service, call):
    # Without a key from the caller, a fresh one: the request is simply not repeatable.
    key = call.idempotency_key or uuid.uuid4().hex
    return service.bookings.request_booking(call.actor, key, call.body)


@api("GET", "/bookings/<booking_id>", "A booking", roles=FAMILY + PROVIDER + OFFICER,
     query=s.BookingWaitQuery, response=s.BookingSchema, tag="bookings",
     entrypoint_class=WaitingApiEntrypoint,
     description="With `wait=N&status=S` (N 1 to 30 seconds), answers as soon as the "
     "booking's status differs from S, or after N seconds with the booking as it is "
     "then: one request instead of polling.")
def get_booking(service, call, booking_id):
    booking = service.bookings.get_booking(call.actor, booking_id)
    family = service.accounts.get_user(booking["family_id"])  # who booked, by name
    return dict(booking, family_name=family and family["display_name"])


@api("GET", "/bookings", "Bookings: a family's own, on a provider's offers, of an "
     "officer's council", roles=FAMILY + PROVIDER + OFFICER, query=s.BookingsQuery,
     response=s.BookingPageSchema, tag="bookings")
def list_bookings(service, call):
    return service.bookings.list_bookings(call.actor, **call.query)


@api("POST", "/bookings/<booking_id>/cancel", "Cancel a booking that has not started",
     roles=FAMILY + PROVIDER, body=s.CancelBookingSchema, response=s.BookingSchema,
     tag="bookings")
def cancel_booking(service, call, booking_id):
    return service.bookings.cancel_booking(call.actor, booking_id)


@api("POST", "/bookings/<booking_id>/complete", "The break was delivered: spend the "
     "held funds (or a lower final amount)", roles=PROVIDER,
     body=s.CompleteBookingSchema, response=s.BookingSchema, tag="bookings")
def complete_booking(service, call, booking_id):
    return service.bookings.complete_booking(
        call.actor, booking_id, call.body.get("final_amount_pence"))


@api("GET", "/approvals", "Bookings of the officer's council awaiting approval",
     roles=OFFICER, query=s.PageQuery, response=s.AwaitingApprovalPageSchema,
     tag="approvals")
def list_approvals(service, call):
    page = service.bookings.list_awaiting_approval(call.actor, **call.query)
    ids = [booking["id"] for booking in page["items"]]
    reasons = {approval["booking_id"]: approval["reasons"] for approval in (
        service.budgets.list_pending_approvals(call.actor, limit=len(ids), booking_ids=ids)
        ["items"] if ids else [])}
    names = {}
    for booking in page["items"]:
        booking["approval_reasons"] = reasons.get(booking["id"], [])
        if booking["family_id"] not in names:
            names[booking["family_id"]] = (service.accounts.get_user(booking["family_id"])
                                           or {}).get("display_name")
        booking["family_display_name"] = names[booking["family_id"]]
    return page


@api("POST", "/approvals/<booking_id>/approve", "Approve a spend", roles=OFFICER,
     body=s.ApproveSpendSchema, response=s.ApprovalSchema, tag="approvals")
def approve_spend(service, call, booking_id):
    return service.budgets.approve_spend(call.actor, booking_id, call.body["reason"])


@api("POST", "/approvals/<booking_id>/decline", "Decline a spend", roles=OFFICER,
     body=s.DeclineSpendSchema, response=s.ApprovalSchema, tag="approvals")
def decline_spend(service, call, booking_id):
    return service.budgets.decline_spend(call.actor, booking_id, call.body["reason"])


# Every operation above, as a method of a mixin: nameko finds entrypoints on the service class.
Api = type("Api", (), {name: value for name, value in list(globals().items())
                       if hasattr(value, "operation")})
