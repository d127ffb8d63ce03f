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
import json
import logging
import time
import uuid

import eventlet
from werkzeug.wrappers import Response

from seibiant_common.config import SERVICE_MODULES
from seibiant_common.types import utcnow

from . import accounts, errors, openapi
from . import schemas as s
from .changes import BookingRequestEntrypoint, WaitingApiEntrypoint
from .http import PUBLIC, SERVICE, api

log = logging.getLogger(__name__)

# every service the system runs answers /health (one list: seibiant_common.config)
SERVICES = tuple(name for name in SERVICE_MODULES if name != "gateway")
HEALTH_TIMEOUT_SECONDS = 2
ADMIN, OFFICER, FAMILY, PROVIDER = ("admin",), ("officer",), ("family",), ("provider",)
REFERRER = ("referrer",)
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


@api("DELETE", "/auth/token", "Sign out: the bearer token of this request stops working",
     status=204, idempotency=None, tag="accounts",
     description="Signing out twice is a 401 the second time: the token no longer works.")
def sign_out(service, call):
    service.accounts.sign_out(call.request)
    return Response(status=204)


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


@api("GET", "/users/<user_id>", "A user record: your own; an officer's families; a "
     "referrer's carers; any for admin", response=s.UserSchema, tag="accounts")
def get_user(service, call, user_id):
    user = service.accounts.get_user(user_id)
    if user is None or not (accounts.may_see(call.user, user) or (
            call.user["role"] == "referrer"
            and user_id in service.accounts.centre_carer_ids(call.user))):
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


def _new_account(service, call, role, council, **fields):
    body = dict(call.body, **fields)
    try:
        return service.accounts.create_user(
            call.actor["user_id"], body.pop("password"), role=role, council=council,
            **body)
    except accounts.UsernameTaken:
        raise errors.conflict("username_unavailable", "choose another username")


# ---- referrers and carers -----------------------------------------------------------------

@api("POST", "/referrers", "Create a referrer: a carers' centre worker of a council",
     roles=ADMIN + OFFICER, body=s.CreateReferrerSchema, response=s.UserSchema, status=201,
     location="/users/{id}", tag="carers",
     responses={403: "an officer of another council",
                409: "`username_unavailable`: choose another username", **HASHING_BUSY})
def create_referrer(service, call):
    if call.actor["role"] == "officer" and call.body["council"] != call.actor["council"]:
        raise errors.forbidden("an officer creates referrers of their own council only")
    return _new_account(service, call, role="referrer", council=call.body.pop("council"))


@api("POST", "/carers", "Refer a carer: a family account of the referrer's council, with "
     "the consent they gave; no budget needed for gifted breaks", roles=REFERRER,
     body=s.CreateCarerSchema, response=s.CarerSchema, status=201, location="/users/{id}",
     tag="carers",
     responses={409: "`username_unavailable`: choose another username", **HASHING_BUSY})
def refer_carer(service, call):
    referral = {"organisation": call.user["organisation"], "referred_by": call.user["id"],
                "consent_statement": call.body.pop("consent_statement")}
    return _new_account(service, call, role="family", council=call.actor["council"],
                        referral=referral)


@api("GET", "/carers", "The carers of the referrer's centre", roles=REFERRER,
     query=s.PageQuery, response=s.CarerPageSchema, tag="carers")
def list_carers(service, call):
    return service.accounts.centre_carers(call.user, call.query["limit"],
                                          call.query["cursor"])


@api("POST", "/carers/self-referrals", "Ask to join as a carer; a referrer of the council "
     "verifies you before you can book", roles=PUBLIC, body=s.SelfReferralSchema,
     response=s.SelfReferralAnswerSchema, status=202, tag="carers", responses=HASHING_BUSY,
     description="When the username is already taken the answer is the same (so that no "
     "one learns which usernames exist), but nothing is stored and signing in with the new "
     "password fails.")
def refer_oneself(service, call):
    body = dict(call.body)
    referral = {"organisation": None, "referred_by": None,
                "consent_statement": body.pop("consent_statement")}
    try:
        service.accounts.create_user(None, body.pop("password"), role="family",
                                     referral=referral, **body)
    except accounts.UsernameTaken:
        log.info("self-referral under a taken username; nothing stored")
    return {"status": "awaiting_verification", "council": call.body["council"]}


@api("GET", "/carers/self-referrals", "Self-referrals of the referrer's council waiting "
     "to be verified", roles=REFERRER, query=s.PageQuery, response=s.CarerPageSchema,
     tag="carers")
def list_self_referrals(service, call):
    return service.accounts.self_referrals(call.actor["council"], call.query["limit"],
                                           call.query["cursor"])


@api("POST", "/carers/<family_id>/verify", "Verify a self-referred carer: they become a "
     "carer of your centre and may book", roles=REFERRER, response=s.CarerSchema,
     idempotency=None, tag="carers",
     responses={409: "`already_verified` by your centre"})
def verify_carer(service, call, family_id):
    try:
        carer = service.accounts.verify_carer(call.user, family_id)
    except accounts.AlreadyVerified:
        raise errors.conflict("already_verified", "your centre has verified this carer")
    if carer is None:
        raise errors.not_found()
    return carer


def _require_verified(call):
    """A self-referred carer books (or applies) once a carers' centre has verified them."""
    if call.user["unverified_referral"]:  # read with the token (accounts.token_user)
        raise errors.Problem(403, "forbidden", "Forbidden", "a carers' centre has not "
                             "verified you yet: you can book once one has",
                             code="not_verified")


def _as_referrer(service, call):
    """A referrer's actor, carrying the ids of their centre's carers: the bookings they
    may see and make (the gateway vouches for them, as for the rest of the actor)."""
    return dict(call.actor, carer_ids=service.accounts.centre_carer_ids(call.user))


def _booking_actor(service, call):
    return _as_referrer(service, call) if call.actor["role"] == "referrer" else call.actor


def _for_caller(call, booking):
    """A booking as the caller may see it: a referrer sees nothing of budgets."""
    return dict(booking, budget_id=None) if call.actor["role"] == "referrer" else booking


# ---- waiting lists -----------------------------------------------------------------------

@api("POST", "/slots/<slot_id>/waiting-list", "Join a full slot's waiting list (a family; "
     "a referrer for a carer of their centre, gifted slots only; again: the places asked "
     "change, the place in line stays)", roles=FAMILY + REFERRER,
     body=s.JoinWaitingListSchema, response=s.WaitingEntrySchema, status=201,
     location="/slots/{slot_id}/waiting-list", tag="waiting lists", responses={
         200: "joined again: the entry with the places now asked",
         403: "`not_verified`: a self-referred carer no referrer has verified yet",
         409: "`places_available`: the slot has the places asked (book it); `by_ballot`; "
              "`slot_not_bookable`"},
     description="When places come free on the slot (a cancellation, a rejection, an "
     "expiry), they are offered down the line: the first whose places fit gets a booking "
     "`offered`, holding the places until its `offer_expires_at` (24 hours by default); "
     "`POST /bookings/{id}/accept` makes it a request, cancelling it declines it, and an "
     "offer not answered in time goes to the next in line.")
def join_waiting_list(service, call, slot_id):
    _require_verified(call)
    answer = service.bookings.join_waiting_list(_booking_actor(service, call), slot_id,
                                                call.body["places"],
                                                call.body.get("family_id"))
    if answer["created"]:
        return answer["entry"]
    return Response(json.dumps(s.WaitingEntrySchema().dump(answer["entry"])), status=200,
                    mimetype="application/json")


@api("GET", "/slots/<slot_id>/waiting-list", "One's place on a slot's waiting list (a "
     "family's own; a referrer's carer with `family_id`)", roles=FAMILY + REFERRER,
     query=s.CarerQuery, response=s.WaitingEntrySchema, tag="waiting lists",
     responses={404: "not on this slot's list"})
def get_waiting_place(service, call, slot_id):
    return service.bookings.get_waiting_place(_booking_actor(service, call), slot_id,
                                              call.query["family_id"])


@api("DELETE", "/slots/<slot_id>/waiting-list", "Leave a slot's waiting list (an offer "
     "held is declined)", roles=FAMILY + REFERRER, query=s.CarerQuery, status=204,
     tag="waiting lists", responses={404: "not on this slot's list"})
def leave_waiting_list(service, call, slot_id):
    service.bookings.leave_waiting_list(_booking_actor(service, call), slot_id,
                                        call.query["family_id"])
    return Response(status=204)


@api("POST", "/bookings/<booking_id>/accept", "Accept a waiting list's offer before it runs "
     "out: it becomes a request (completes asynchronously)", roles=FAMILY + REFERRER,
     body=s.AcceptOfferSchema, response=s.BookingSchema, tag="waiting lists", responses={
         403: "`not_verified`: a self-referred carer no referrer has verified yet",
         409: "`not_offered`: no offer (any more); `offer_expired`"},
     description="A priced offer needs `budget_id` (the money is held and the spend "
     "approved as for any booking); a gifted one is counted against the council's "
     "allowance (`allowance_used`). A referrer accepts a gifted offer for their carer.")
def accept_offer(service, call, booking_id):
    _require_verified(call)
    return _for_caller(call, service.bookings.accept_offer(
        _booking_actor(service, call), booking_id, call.body.get("budget_id")))


# ---- gifted allowances ------------------------------------------------------------------

@api("PUT", "/councils/<council>/gifted-allowance", "Set how many gifted breaks a carer of "
     "the council may have in 12 months", roles=OFFICER, body=s.GiftedAllowanceSchema,
     response=s.GiftedAllowanceAnswerSchema, tag="carers",
     responses={404: "not the officer's council"})
def set_gifted_allowance(service, call, council):
    return service.bookings.set_gifted_allowance(call.actor, council,
                                                 call.body["breaks_per_12_months"])


@api("GET", "/gifted-allowance", "A carer's gifted breaks: the council's allowance, used "
     "and left (a family's own; a referrer's carer with `family_id`)",
     roles=FAMILY + REFERRER, query=s.CarerQuery,
     response=s.GiftedAllowanceAnswerSchema, tag="carers")
def get_gifted_allowance(service, call):
    return service.bookings.get_gifted_allowance(_booking_actor(service, call),
                                                 call.query["family_id"])


# ---- ballots -----------------------------------------------------------------------------

@api("POST", "/slots/<slot_id>/applications", "Apply for places on a ballot slot (a "
     "family, or a referrer for a carer of their centre with `family_id`; again: the places "
     "asked change)", roles=FAMILY + REFERRER, body=s.ApplySchema,
     response=s.ApplicationSchema, status=201, location="/slots/{slot_id}/ballot",
     tag="ballots", responses={
         200: "applied again: the application with the places now asked",
         403: "`not_verified`: a self-referred carer no referrer has verified yet",
         409: "`not_a_ballot`: a first-come slot (book it); `applications_closed`"},
     description="A slot published with `allocation: \"ballot\"` is not booked first come: "
     "carers apply until its `applications_close_at`; then a draw gives the places, "
     "favouring carers with fewer gifted breaks in the last 12 months, random among equals; "
     "the winners' bookings go through the saga as any other (the gifted allowance "
     "included), the others are told. `places` is at most the slot's capacity.")
def apply_for_places(service, call, slot_id):
    if call.actor["role"] == "family":
        _require_verified(call)
    answer = service.bookings.apply_for_places(_booking_actor(service, call), slot_id,
                                               call.body["places"], call.body["family_id"])
    if answer["created"]:
        return answer["application"]
    return Response(json.dumps(s.ApplicationSchema().dump(answer["application"])),
                    status=200, mimetype="application/json")


@api("DELETE", "/slots/<slot_id>/applications", "Withdraw one's application before the "
     "close (a referrer: their carer's, `?family_id=`)", roles=FAMILY + REFERRER,
     query=s.CarerQuery, status=204, tag="ballots",
     responses={404: "no application of yours", 409: "`applications_closed`"})
def withdraw_application(service, call, slot_id):
    service.bookings.withdraw_application(_booking_actor(service, call), slot_id,
                                          call.query["family_id"])
    return Response(status=204)


@api("GET", "/slots/<slot_id>/ballot", "A ballot's record: how it stands, and once drawn "
     "its seed, entrants in order and outcome", roles=FAMILY + PROVIDER + OFFICER + REFERRER
     + ADMIN, response=s.BallotSchema, tag="ballots",
     description="The slot's provider, officers, referrers and admins see it, and a carer "
     "who applied (with `mine`). Entrants are named (`family_id`, `display_name`, "
     "`booking_id`) only to the slot's provider, the carer's own council's officers, their "
     "own centre's referrers, and the carer themselves; everyone else sees the entry "
     "without them. The draw is reproducible: each `ticket` is sha256 of "
     "`<seed>:<application_id>` in hex, and entrants are ordered by (`gifts`, `ticket`).")
def get_ballot(service, call, slot_id):
    record = service.bookings.get_ballot(_booking_actor(service, call), slot_id)
    for entry in record["entries"]:
        user = entry["family_id"] and service.accounts.get_user(entry["family_id"])
        entry["display_name"] = user["display_name"] if user else None
    return record


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


@api("POST", "/budgets/<budget_id>/top-ups", "Add money to a budget (a ledger entry with "
     "who and why)", roles=OFFICER, body=s.TopUpSchema, response=s.BudgetSchema,
     tag="budgets", idempotency=SERVICE,
     description="Send an `Idempotency-Key`: the same key again answers the budget as it is "
     "and adds nothing; with another body, 409 `idempotency_key_reused`. Budgets keeps the "
     "keys, with the ledger entry, in one transaction.")
def top_up(service, call, budget_id):
    return service.budgets.top_up(call.actor, budget_id, call.body["amount_pence"],
                                  call.body["reason"], call.idempotency_key)


@api("POST", "/budgets/<budget_id>/adjustments", "Correct a budget's allocation up or down "
     "(signed pence, with a reason)", roles=OFFICER, body=s.AdjustSchema,
     response=s.BudgetSchema, tag="budgets", idempotency=SERVICE,
     responses={409: "`insufficient_funds`: the allocation may not go below what is held "
                     "and spent; nothing changed"},
     description="`Idempotency-Key` as for top-ups.")
def adjust(service, call, budget_id):
    return service.budgets.adjust(call.actor, budget_id, call.body["amount_pence"],
                                  call.body["reason"], call.idempotency_key)


@api("POST", "/budgets/<budget_id>/suspend", "Suspend a budget: new holds are refused "
     "(`budget_inactive`), the holds of bookings made before stay until they end",
     roles=OFFICER, body=s.SuspendSchema, response=s.BudgetSchema, tag="budgets",
     description="Suspending a suspended budget changes nothing.")
def suspend_budget(service, call, budget_id):
    return service.budgets.suspend(call.actor, budget_id, call.body["reason"])


@api("POST", "/budgets/<budget_id>/reinstate", "Make a suspended budget active again",
     roles=OFFICER, body=s.ReinstateSchema, response=s.BudgetSchema, tag="budgets",
     description="Reinstating an active budget changes nothing.")
def reinstate_budget(service, call, budget_id):
    return service.budgets.reinstate(call.actor, budget_id, call.body["reason"])


@api("GET", "/budgets/<budget_id>/history", "Who did what to a budget, when and why: its "
     "ledger entries and audit records (suspensions, reinstatements, spends decided)",
     roles=OFFICER, response=s.HistorySchema, tag="budgets")
def budget_history(service, call, budget_id):
    history = service.budgets.get_history(call.actor, budget_id)
    names = _names(service, {item["by"] for item in history["items"]})
    for item in history["items"]:
        item["by_name"] = names.get(item["by"])
    return history


@api("GET", "/monitoring", "The monitoring return: per budget of the officer's council, its "
     "balances, spend by kind of break, allocation to date and surplus over the council's "
     "threshold; `Accept: text/csv` (or `?format=csv`) for the whole return as CSV",
     roles=OFFICER, query=s.MonitoringQuery, response=s.MonitoringPageSchema,
     content_types=("text/csv",), tag="budgets",
     description="`as_of` (default now) is the date of the return. JSON pages as usual; the "
     "CSV is every budget of the council, in one answer.")
def monitoring(service, call):
    query = call.query
    wanted = query["format"] or call.request.accept_mimetypes.best_match(
        ["application/json", "text/csv"], default="application/json")
    if wanted not in ("csv", "text/csv"):
        return service.budgets.get_monitoring_return(call.actor, query["as_of"],
                                                     query["limit"], query["cursor"])
    return Response(service.budgets.get_monitoring_csv(call.actor, query["as_of"]),
                    mimetype="text/csv", headers={
                        "Content-Disposition": 'attachment; filename="monitoring-return.csv"'})


def _names(service, user_ids):
    """Display names of the users among `user_ids` (a service's id, as `system`, has none)."""
    names = {}
    for user_id in user_ids:
        user = service.accounts.get_user(user_id) if user_id else None
        names[user_id] = user and user["display_name"]
    return names


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


@api("POST", "/providers/<provider_id>/suspend", "Suspend a provider (with a reason): its "
     "offers leave search and cannot be booked", roles=OFFICER, body=s.SuspendProviderSchema,
     response=s.ProviderSchema, tag="providers",
     description="To reinstate a suspended provider, approve it again "
     "(`POST /providers/{id}/approve`).")
def suspend_provider(service, call, provider_id):
    return service.providers.suspend_provider(call.actor, provider_id, call.body["reason"])


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


@api("GET", "/providers/<provider_id>/impact", "What a donor gave: gifted places and "
     "nights given, carers reached, by year and offer, and carers' feedback",
     roles=ADMIN + OFFICER + PROVIDER + REFERRER, response=s.ImpactSchema, tag="providers",
     description="For the provider itself, the officers and referrers of a council it "
     "serves (its regions), and an admin; anyone else's provider is not found. Counted by "
     "insight from the events (a booking made: confirmed, not cancelled, its places not "
     "given back; a year is the break's start's, UTC; a place of a two-night break is two "
     "nights). No carer is named; a figure of 1 to 4 carers is \"fewer than 5\", and "
     "fewer than 5 feedbacks show only that.")
def get_provider_impact(service, call, provider_id):
    return impact_of(service, call.actor, provider_id)


def impact_of(service, actor, provider_id):
    """A provider's impact (insight's figures, families' feedback, the offers' titles)."""
    # an unknown provider and another's are the same 404
    provider = service.providers.get_provider(provider_id)
    found = service.insight.get_impact(actor, provider_id, provider["regions"])
    feedback = service.families.gifted_feedback(found.pop("booking_ids"))
    rows = [row for year in found["years"] for row in year["offers"]]
    titles = service.providers.get_offer_titles(sorted({row["offer_id"] for row in rows}))
    for row in rows:
        row["title"] = titles.get(row["offer_id"])
    return dict(found, provider_name=provider["name"], feedback=feedback)


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
     query=s.OffersQuery, response=s.OfferPageSchema, tag="offers", passed_on=True)
def search_offers(service, call):
    filters = dict(call.query)
    limit, cursor = filters.pop("limit"), filters.pop("cursor")
    if "from_" in filters:
        filters["from"] = filters.pop("from_")
    # recorded for commissioning with the searcher's council, never who searched
    return service.providers.search(filters, limit, cursor,
                                    searcher_council=call.actor["council"])


@api("GET", "/offers/<offer_id>", "One offer with its future slots",
     response=s.OfferSchema, tag="offers", passed_on=True)
def get_offer(service, call, offer_id):
    return service.providers.get_offer(offer_id)


# ---- bookings and approvals -------------------------------------------------------------

@api("POST", "/bookings", "Request a booking (completes asynchronously)",
     roles=FAMILY + REFERRER, body=s.CreateBookingSchema, response=s.BookingSchema,
     status=202, location="/bookings/{id}", tag="bookings", idempotency=SERVICE,
     responses={403: "`not_verified`: a self-referred carer no referrer has verified yet"},
     entrypoint_class=BookingRequestEntrypoint,
     description="Send an `Idempotency-Key` header: the same key with the same body "
     "answers the same booking (as it stands now); with another body, 409. The bookings "
     "service keeps these keys. A referrer books a gifted break for one of their carers "
     "with `family_id`; a gifted booking past the council's allowance is rejected "
     "`allowance_used`. With `Prefer: wait=N` (N up to 30 seconds) the answer comes once "
     "the booking has left `requested`, or after N seconds as it is then "
     "(`Preference-Applied: wait=N`): one request for the outcome.")
def request_booking(service, call):
    _require_verified(call)
    actor = _booking_actor(service, call)
    made = call.once("made", dict)
    if made:  # run again after a `Prefer: wait` (gateway.changes): the booking as it is now
        return _for_caller(call, service.bookings.get_booking(actor, made["id"]))
    # Without a key from the caller, a fresh one: the request is simply not repeatable.
    key = call.idempotency_key or uuid.uuid4().hex
    booking = service.bookings.request_booking(actor, key, call.body)
    made["id"] = booking["id"]
    return _for_caller(call, booking)


@api("GET", "/bookings/<booking_id>", "A booking",
     roles=FAMILY + PROVIDER + OFFICER + REFERRER,
     query=s.BookingWaitQuery, response=s.BookingSchema, tag="bookings",
     entrypoint_class=WaitingApiEntrypoint,
     description="With `wait=N&status=S` (N 1 to 30 seconds), answers as soon as the "
     "booking's status differs from S, or after N seconds with the booking as it is "
     "then: one request instead of polling.")
def get_booking(service, call, booking_id):
    booking = service.bookings.get_booking(_booking_actor(service, call), booking_id)
    # who booked, by name
    family = call.once("family", lambda: service.accounts.get_user(booking["family_id"]))
    return dict(_for_caller(call, booking), family_name=family and family["display_name"])


@api("GET", "/bookings", "Bookings: a family's own, on a provider's offers, of an "
     "officer's council, of a referrer's carers", roles=FAMILY + PROVIDER + OFFICER + REFERRER,
     query=s.BookingsQuery, response=s.BookingPageSchema, tag="bookings")
def list_bookings(service, call):
    page = service.bookings.list_bookings(_booking_actor(service, call), **call.query)
    return dict(page, items=[_for_caller(call, booking) for booking in page["items"]])


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


@api("GET", "/approvals", "Bookings of the officer's council awaiting approval; with "
     "`status=decided`, the decisions officers took", roles=OFFICER, query=s.ApprovalsQuery,
     response=s.ApprovalsPageSchema, tag="approvals",
     description="`status=decided`: latest decision first, each item the booking's id, "
     "`status` `approved` or `declined`, `decided_by` and `decided_by_name` (who), "
     "`decided_at` (when) and `decision_reason` (why), with `approval_reasons` (why it "
     "needed a decision).")
def list_approvals(service, call):
    query = dict(call.query)
    if query.pop("status") == "decided":
        return decided_approvals(service, call.actor, **query)
    page = service.bookings.list_awaiting_approval(call.actor, **query)
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


def decided_approvals(service, actor, limit, cursor):
    page = service.budgets.list_decided_approvals(actor, limit, cursor)
    names = _names(service, {approval[who] for approval in page["items"]
                             for who in ("family_id", "decided_by")})
    page["items"] = [dict(
        {name: value for name, value in approval.items() if name != "reason"},
        id=approval["booking_id"], approval_reasons=approval["reasons"],
        decision_reason=approval["reason"],
        family_display_name=names.get(approval["family_id"]),
        decided_by_name=names.get(approval["decided_by"])) for approval in page["items"]]
    return page


@api("POST", "/approvals/<booking_id>/approve", "Approve a spend", roles=OFFICER,
     body=s.ApproveSpendSchema, response=s.ApprovalSchema, tag="approvals")
def approve_spend(service, call, booking_id):
    return service.budgets.approve_spend(call.actor, booking_id, call.body["reason"])


@api("POST", "/approvals/<booking_id>/decline", "Decline a spend", roles=OFFICER,
     body=s.DeclineSpendSchema, response=s.ApprovalSchema, tag="approvals")
def decline_spend(service, call, booking_id):
    return service.budgets.decline_spend(call.actor, booking_id, call.body["reason"])


# ---- commissioning insight ---------------------------------------------------------------

@api("GET", "/insight", "Commissioning figures: unmet demand, supply and demand, spend, "
     "gifted places, why bookings were not made, approval times; `Accept: text/csv` (or "
     "`?format=csv`) with `table` for one table", roles=ADMIN + OFFICER + PROVIDER,
     query=s.InsightQuery, response=s.InsightSchema, content_types=("text/csv",),
     tag="insight", description="`from` and `to` are days, both included (default: from the "
     "first of the month eleven months ago to 90 days ahead). An officer gets their "
     "council's tables, an admin every council's, a provider its own places "
     "(`provider`). A grouping of 1 to 4 families shows \"fewer than 5\" instead of its "
     "figure. For CSV, `table` is required: one of the tables this caller gets "
     "(docs/api-v1.md).")
def get_insight(service, call):
    query = call.query
    days = (query["from_"], query["to"])
    wanted = query["format"] or call.request.accept_mimetypes.best_match(
        ["application/json", "text/csv"], default="application/json")
    if wanted not in ("csv", "text/csv"):
        return service.insight.get_insight(call.actor, *days)
    if query["table"] is None:
        raise errors.invalid({"table": ["Say which table the CSV is of."]})
    return Response(service.insight.get_insight_csv(call.actor, query["table"], *days),
                    mimetype="text/csv", headers={"Content-Disposition":
                    'attachment; filename="insight-{}.csv"'.format(query["table"])})


# ---- the family profile, sharing it, and feedback ----------------------------------------

@api("GET", "/me/profile", "The family's own profile (empty until told)", roles=FAMILY,
     response=s.ProfileSchema, tag="profiles")
def get_my_profile(service, call):
    return service.families.get_my_profile(call.actor)


@api("PUT", "/me/profile", "Tell the family's profile once (replaces the whole of it)",
     roles=FAMILY, body=s.ProfileBodySchema, response=s.ProfileSchema, tag="profiles",
     description="Each person keeps the `id` it is sent with (one is given to a person sent "
     "without): what was shared of a person with a booking follows that id.")
def put_my_profile(service, call):
    return service.families.put_my_profile(call.actor, call.body)


@api("GET", "/me/profile/reads", "Who read the family's profile, and when (newest first)",
     roles=FAMILY, query=s.PageQuery, response=s.ProfileReadPageSchema, tag="profiles")
def list_profile_reads(service, call):
    page = service.families.list_profile_reads(call.actor, **call.query)
    names = {}
    for read in page["items"]:
        if read["reader_id"] not in names:
            names[read["reader_id"]] = (service.accounts.get_user(read["reader_id"])
                                        or {}).get("display_name")
        read["reader_name"] = names[read["reader_id"]]
    return page


@api("GET", "/families/<family_id>/profile", "A family's profile, for officers of its "
     "council (the read is recorded and shown to the family)", roles=OFFICER,
     response=s.ProfileSchema, tag="profiles")
def get_family_profile(service, call, family_id):
    return service.families.get_family_profile(call.actor, family_id)


@api("GET", "/bookings/<booking_id>/profile", "What the family shared with the booking's "
     "provider", response=s.SharedProfileSchema, tag="profiles",
     description="The offer's provider reads it from the booking's confirmation until "
     "`PROFILE_SHARING_DAYS` (7) days after the break ends, unless the family withdrew it "
     "(each read is recorded); the family reads what it shared at any time. For anyone "
     "else, at any other time, or when nothing was shared: 404.")
def get_booking_profile(service, call, booking_id):
    return service.families.get_booking_profile(call.actor, booking_id)


@api("DELETE", "/bookings/<booking_id>/profile", "Withdraw the consent to share the "
     "profile with the booking's provider", roles=FAMILY, status=204, tag="profiles",
     description="Withdrawing again is a 204 too; a booking that shared nothing is a 404.")
def withdraw_profile_consent(service, call, booking_id):
    service.families.withdraw_consent(call.actor, booking_id)
    return Response(status=204)


@api("POST", "/bookings/<booking_id>/feedback", "How the break went: once, by its family, "
     "after it was completed", roles=FAMILY, body=s.FeedbackBodySchema,
     response=s.FeedbackSchema, status=201, location="/bookings/{booking_id}/feedback",
     tag="feedback", responses={409: "`not_completed` (not yet), `feedback_given` (again)"})
def give_feedback(service, call, booking_id):
    return service.families.give_feedback(call.actor, booking_id, call.body)


@api("GET", "/bookings/<booking_id>/feedback", "The family's feedback on its booking",
     roles=FAMILY, response=s.FeedbackSchema, tag="feedback",
     description="404 until the family gives it.")
def get_booking_feedback(service, call, booking_id):
    given = service.families.get_booking_feedback(call.actor, booking_id)
    if given is None:
        raise errors.not_found()
    return given


@api("GET", "/providers/<provider_id>/feedback", "A provider's feedback: counts, averages "
     "and comments, no family named", roles=ADMIN + OFFICER + PROVIDER,
     response=s.ProviderFeedbackSchema, tag="feedback",
     description="The provider its own; an officer the feedback of their council's "
     "families; an admin all. Another provider: 404.")
def get_provider_feedback(service, call, provider_id):
    return service.families.get_provider_feedback(call.actor, provider_id)


@api("GET", "/feedback/ratings", "Providers' average ratings, for those with at least 5 "
     "reviews", query=s.RatingsQuery, response=s.ProviderRatingListSchema, tag="feedback",
     description="`provider_id` repeated or comma-separated (up to 200); a provider with "
     "fewer reviews is left out.")
def list_provider_ratings(service, call):
    return {"items": service.families.provider_ratings(call.query["provider_id"])}


@api("POST", "/feedback/responses", "An officer's \"you said, we did\": an answer to a "
     "provider's feedback, or to the council's as a whole", roles=OFFICER,
     body=s.FeedbackResponseBodySchema, response=s.FeedbackResponseSchema, status=201,
     tag="feedback")
def post_feedback_response(service, call):
    return service.families.post_response(call.actor, call.body)


@api("GET", "/feedback/responses", "The council's \"you said, we did\", newest first",
     roles=FAMILY + OFFICER, query=s.ResponsesQuery,
     response=s.FeedbackResponsePageSchema, tag="feedback")
def list_feedback_responses(service, call):
    return service.families.list_responses(call.actor, **call.query)


# ---- staycation: home swaps (docs/staycation.md) -----------------------------------------

def _knows(service, call, family_id):
    """Whether the caller is a referrer of the family's carers' centre (who may verify it)."""
    return (call.actor["role"] == "referrer"
            and family_id in service.accounts.centre_carer_ids(call.user))


@api("POST", "/families/<family_id>/swap-verification", "Verify a family for home swaps: "
     "an officer of its council or a referrer of its centre", roles=OFFICER + REFERRER,
     body=s.EmptyBodySchema, response=s.SwapVerificationSchema, tag="staycation",
     description="Who verified and when are recorded; a family lists a home and swaps "
     "only once verified.")
def verify_for_swaps(service, call, family_id):
    return service.staycation.verify_family(call.actor, family_id,
                                            _knows(service, call, family_id))


@api("DELETE", "/families/<family_id>/swap-verification", "Withdraw a family's swap "
     "verification: its listings are paused", roles=OFFICER + REFERRER,
     response=s.SwapVerificationSchema, tag="staycation")
def withdraw_swap_verification(service, call, family_id):
    return service.staycation.withdraw_verification(call.actor, family_id,
                                                    _knows(service, call, family_id))


@api("GET", "/families/<family_id>/swap-verification", "Whether a family is verified for "
     "swaps, by whom and when", roles=OFFICER + REFERRER,
     response=s.SwapVerificationSchema, tag="staycation")
def get_swap_verification(service, call, family_id):
    return service.staycation.get_verification(call.actor, family_id,
                                               _knows(service, call, family_id))


@api("GET", "/families/<family_id>/swaps", "The swaps a family takes part in, newest first: "
     "for an officer of its council or a referrer of its centre", roles=OFFICER + REFERRER,
     query=s.PageQuery, response=s.FamilySwapPageSchema, tag="staycation",
     description="`family_stay`: when the family stays in the other home; `guest_stay`: "
     "when the other family stays in theirs. No messages, addresses or contacts (an "
     "officer reads the messages through `GET /swaps/{id}/safeguarding-messages`). Anyone "
     "else: 404.")
def list_family_swaps(service, call, family_id):
    return service.staycation.list_family_swaps(call.actor, family_id,
                                                _knows(service, call, family_id),
                                                **call.query)


@api("GET", "/me/swap-verification", "Whether the family itself is verified for swaps, by "
     "whom and when", roles=FAMILY, response=s.SwapVerificationSchema, tag="staycation")
def get_my_swap_verification(service, call):
    return service.staycation.get_my_verification(call.actor)


@api("GET", "/me/swap-needs", "What the family needs of a home it stays in", roles=FAMILY,
     response=s.SwapNeedsSchema, tag="staycation")
def get_swap_needs(service, call):
    return service.staycation.get_my_needs(call.actor)


@api("PUT", "/me/swap-needs", "Tell what the family needs of a home: its care needs (each "
     "requires features, docs/staycation.md) and its own must-haves", roles=FAMILY,
     body=s.SwapNeedsBodySchema, response=s.SwapNeedsSchema, tag="staycation")
def put_swap_needs(service, call):
    return service.staycation.put_my_needs(call.actor, call.body)


@api("POST", "/homes", "List the family's home for swaps (a verified family)", roles=FAMILY,
     body=s.HomeBodySchema, response=s.MyHomeSchema, status=201, location="/homes/{id}",
     tag="staycation", description="The address is private: only the family and, once a "
     "swap is agreed, its partner see it. Unverified: 409 `not_verified`.")
def list_home(service, call):
    return service.staycation.list_home(call.actor, call.body)


@api("GET", "/homes", "The family's own homes", roles=FAMILY, query=s.PageQuery,
     response=s.HomePageSchema, tag="staycation")
def list_my_homes(service, call):
    return service.staycation.list_my_homes(call.actor, **call.query)


@api("GET", "/homes/matches", "Homes matching the family's own both ways, free in the "
     "dates, best first, each with why", roles=FAMILY, query=s.MatchesQuery,
     response=s.HomeMatchesSchema, tag="staycation",
     description="`match`: `fits_you` (features your family needs that the home has), "
     "`you_fit_them` (what their family needs that your home has), `missing` (each "
     "`{feature, for: you|them}`), `two_way` and `score` (0 to 100). Two-way matches first.")
def home_matches(service, call):
    query = call.query
    return service.staycation.home_matches(call.actor, query["home_id"], query["from_"],
                                           query["to"])


@api("GET", "/homes/<home_id>", "A listed home (its address only to its own family)",
     roles=FAMILY + OFFICER + REFERRER, response=s.MyHomeSchema, tag="staycation")
def get_home(service, call, home_id):
    return service.staycation.get_home(call.actor, home_id)


@api("PATCH", "/homes/<home_id>", "Change the family's home", roles=FAMILY,
     body=s.HomePatchSchema, response=s.MyHomeSchema, tag="staycation")
def change_home(service, call, home_id):
    return service.staycation.change_home(call.actor, home_id, call.body)


@api("PUT", "/homes/<home_id>/availability", "When the home may be swapped (replaces the "
     "ranges)", roles=FAMILY, body=s.AvailabilityBodySchema, response=s.MyHomeSchema,
     tag="staycation")
def set_home_availability(service, call, home_id):
    return service.staycation.set_availability(call.actor, home_id, call.body)


@api("POST", "/homes/<home_id>/withdraw", "Withdraw the family's home", roles=FAMILY,
     body=s.EmptyBodySchema, response=s.MyHomeSchema, tag="staycation")
def withdraw_home(service, call, home_id):
    return service.staycation.withdraw_home(call.actor, home_id)


@api("GET", "/homes/<home_id>/reviews", "The reviews of stays in a home, each shown once "
     "both families reviewed or 14 days passed", roles=FAMILY + OFFICER + REFERRER,
     response=s.SwapReviewsSchema, tag="staycation")
def home_reviews(service, call, home_id):
    return service.staycation.home_reviews(call.actor, home_id)


@api("POST", "/swaps", "Propose a swap of the family's home with another",
     roles=FAMILY, body=s.SwapBodySchema, response=s.SwapSchema, status=201,
     location="/swaps/{id}", tag="staycation",
     description="`my_stay`: when your family stays in their home; `their_stay`: when "
     "theirs stays in yours (at the same time or not).")
def propose_swap(service, call):
    return service.staycation.propose_swap(call.actor, call.body)


@api("GET", "/swaps", "The family's swaps, newest first", roles=FAMILY, query=s.PageQuery,
     response=s.SwapPageSchema, tag="staycation")
def list_swaps(service, call):
    return service.staycation.list_my_swaps(call.actor, **call.query)


@api("GET", "/swaps/<swap_id>", "A swap of the family's (the partner's address and contact "
     "once agreed)", roles=FAMILY, response=s.SwapSchema, tag="staycation")
def get_swap(service, call, swap_id):
    return service.staycation.get_swap(call.actor, swap_id)


def _swap_step(name, summary):
    @api("POST", "/swaps/<swap_id>/" + name, summary, roles=FAMILY, body=s.EmptyBodySchema,
         response=s.SwapSchema, tag="staycation")
    def step(service, call, swap_id):
        return getattr(service.staycation, name + "_swap")(call.actor, swap_id)
    step.__name__ = name + "_swap"
    return step


accept_swap = _swap_step("accept", "Accept a proposed swap (the family asked): both homes' "
                         "dates are blocked; 409 `dates_taken` if agreed already for them")
decline_swap = _swap_step("decline", "Decline a proposed swap (the family asked)")
cancel_swap = _swap_step("cancel", "Cancel a swap before its first stay starts")


@api("POST", "/swaps/<swap_id>/messages", "Write to the other family of a living proposal",
     roles=FAMILY, body=s.SwapMessageBodySchema, response=s.SwapMessageSchema, status=201,
     tag="staycation")
def post_swap_message(service, call, swap_id):
    return service.staycation.post_message(call.actor, swap_id, call.body)


@api("GET", "/swaps/<swap_id>/messages", "The messages of a swap, oldest first",
     roles=FAMILY, query=s.PageQuery, response=s.SwapMessagePageSchema, tag="staycation")
def list_swap_messages(service, call, swap_id):
    return service.staycation.list_messages(call.actor, swap_id, **call.query)


@api("GET", "/swaps/<swap_id>/safeguarding-messages", "An officer of either family's "
     "council reads a swap's messages, giving a reason; the read is recorded",
     roles=OFFICER, query=s.SafeguardingQuery, response=s.SwapMessagePageSchema,
     tag="staycation")
def safeguarding_swap_messages(service, call, swap_id):
    return service.staycation.safeguarding_messages(call.actor, swap_id, **call.query)


@api("POST", "/swaps/<swap_id>/reviews", "Review a completed swap: the home stayed in and "
     "the guests hosted (once)", roles=FAMILY, body=s.SwapReviewBodySchema,
     response=s.SwapReviewSchema, status=201, tag="staycation")
def review_swap(service, call, swap_id):
    return service.staycation.review_swap(call.actor, swap_id, call.body)


# Every operation above, as a method of a mixin: nameko finds entrypoints on the service class.
Api = type("Api", (), {name: value for name, value in list(globals().items())
                       if hasattr(value, "operation")})
