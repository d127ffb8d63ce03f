"""Events emitted by families, on the `families.events` exchange, and the words of a family
profile that other services and the gateway share (plain names: importable by domain
modules)."""
SERVICE = "families"

FEEDBACK_GIVEN = "feedback_given"

# A person of a family profile is the cared-for person or a carer.
RELATIONSHIPS = ("cared_for", "carer")
# What of each person a family may choose to share with a provider (a shared person's name
# and relationship always go with them), and the family's emergency contact.
PERSON_SECTIONS = ("date_of_birth", "needs", "communication", "routines", "diet",
                   "medication_notes", "mobility", "likes_and_triggers", "other")
SECTIONS = PERSON_SECTIONS + ("emergency_contact",)
