"""gunicorn's settings file, read from the folder gunicorn starts in (README: production).

Command-line options (workers, bind address) override nothing here: this file only
sets a hook.
"""

import gc
from typing import Any


def post_worker_init(_worker: Any) -> None:
    """Once the app is loaded in a worker, leave its objects out of the garbage collector.

    The app, its libraries and their data are some 180,000 objects that live as long as
    the worker. A full collection walked them all, about 100 ms on a small machine, a
    pause that landed on whichever request was running (bench/pages.py: the API list
    lost a sixth of its rate). Frozen, they are never walked; what requests create is
    collected as before.
    """
    gc.freeze()
