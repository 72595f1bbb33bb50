"""gunicorn.conf.py: the hook that keeps a worker's long-lived objects out of full collections."""

import gc
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_post_worker_init_freezes_what_is_loaded():
    """After the hook, the objects alive at that moment are in the permanent generation
    (a full collection no longer walks them); unfrozen again so other tests see no change."""
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert gc.get_freeze_count() == 0
    try:
        hooks["post_worker_init"](object())
        assert gc.get_freeze_count() > 1000
    finally:
        gc.unfreeze()
    assert gc.get_freeze_count() == 0


def test_gunicorn_reads_the_file_from_the_project_folder():
    """gunicorn loads ./gunicorn.conf.py by default: the bench and README start it here."""
    from gunicorn.config import Config

    assert Config().settings["config"].default == "./gunicorn.conf.py"
