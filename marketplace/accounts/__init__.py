"""Users, organisations (buyer | vendor | platform), memberships with roles, API tokens."""
