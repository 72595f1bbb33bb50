"""Domain logic of the tracker: status rules, evidence, feeds, matching, import, read models.

The rule of this package: no Flask. Every function takes the SQLModel
`session` first and receives `actor` and `now` as parameters, so it can be
tested with a bare Session and reused by the web views and the CLI alike.
Write functions flush and never commit: the caller owns the transaction.
"""

# Every write through this package keeps rendered Markdown in step (pledges.text
# hooks the flush of the tables holding Markdown): importing any of its modules
# connects the hooks, whichever entry point (web, CLI, poller, script) writes.
from pledges import text as _text  # noqa: F401  (imported for its hooks)
