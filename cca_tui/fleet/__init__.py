"""The operator's fleet, without Textual: what a row is and where it lives.

`cca_tui/api` talks to the server, this package says what the fleet is (which environment a
row belongs to, what changed behind our back), and `cca_tui/ui` draws it. The arrows go
api -> fleet -> ui, never back up (tests/fleet/test_layering.py).
"""
