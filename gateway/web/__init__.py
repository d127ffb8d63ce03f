"""The web pages of Seibiant, served by the gateway: server-rendered (Jinja2 with GOV.UK
Frontend's macros), in English and Welsh, working without JavaScript.

One module per audience (`everyone`, `family`, `bookings`, `provider`, `officer`), each a mixin
of HTTP entrypoints that `GatewayService` inherits; `pages` is their plumbing. The pages call
the gateway's own API operations (`gateway.api`), so authorisation, validation and the
services' rules are never written twice; they only turn forms into bodies and answers into
pages.
"""
