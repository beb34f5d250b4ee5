"""The monthly audit programme: case lists (Annex A) in, a month's sample drawn, allocated to
auditors, pre-filled, and chased to done.

Below cli.py, the UI, reports/ and sync/; above db/. Never imports textual.
"""
