"""Plumbing every Seibiant service shares: configuration, the database dependency with its
transactional outbox, reliable event handlers with dead-lettering, errors and logs.

Nothing here knows about budgets, providers or bookings."""
