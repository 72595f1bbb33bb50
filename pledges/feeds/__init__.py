"""News feeds, from the wire to the volunteer queue; one module per room, no Flask.

- `fetch`: HTTP with limits and the SSRF guard (no parsing, no database);
- `parsing`: fetched bytes to plain entries, hostile XML refused (no database);
- `dates`: the dates news feeds write, read strictly;
- `matching`: keywords of every pledge in one index, matched to an item's words;
- `ingest`: new entries stored once, summaries sanitised, suggestions capped;
- `polling`: which feed is due, claiming it with a lease, the poll loop itself;
- `review`: the volunteers' queue of suggestions, accepted as evidence or dismissed.
"""
