"""Open data: everything partner sites and re-users read (JSON API, CSV, Atom, the dump).

- representations: the one serialiser per public object and the JSON API shapes; `iso()`
- catalogue: reads behind the JSON catalogue, paging, and the `Scope` filter shared by all
- exports: CSV columns and rows
- atom: reads behind the Atom feeds and their permanent ids
- dump: the full dump of published data, in the import format

No Flask here: links come in from the views as strings or `Url` functions.
"""
