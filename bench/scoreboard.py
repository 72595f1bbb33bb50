"""Issue 2 benchmark: scoreboard, pledge page and /api/v1/pledges against a static file.

200 candidates × 20 pledges × 5 evidence, gunicorn with 2 workers, one run.
Targets: scoreboard ≥ 25% of the static rate, pledge page and API ≥ 35%.
Run: .venv/bin/python bench/scoreboard.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from harness import (  # noqa: E402
    build_database,
    get,
    gunicorn,
    interleaved_rates,
    report,
    static_twin,
)

TARGETS = {"scoreboard": 0.25, "pledge page": 0.35, "api pledges": 0.35}


def pages(base: str) -> dict[str, str]:
    _, _, body = get(base, "/api/v1/pledges?per_page=1")
    first = json.loads(body)["items"][0]["id"]
    return {"scoreboard": "/", "pledge page": f"/pledges/{first}", "api pledges": "/api/v1/pledges"}


def run(database_url: str, seconds: int, cache: bool) -> None:
    env = {} if cache else {"PAGE_CACHE_SIZE": "0"}
    label = "cached" if cache else "uncached (PAGE_CACHE_SIZE=0)"
    print(f"\n-- {label}")
    with gunicorn(database_url, workers=2, **env) as base:
        for name, path in pages(base).items():
            _, _, body = get(base, path)
            with static_twin(len(body)) as static_path:
                rates = interleaved_rates(
                    base,
                    {"static": (static_path, {}, 200), "app": (path, {}, 200)},
                    seconds=seconds / 3,
                )
            static, value = rates["static"], rates["app"]
            report(
                f"{name} ({len(body) // 1024} KiB)", value, static, TARGETS[name] if cache else None
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--candidates", type=int, default=200)
    parser.add_argument("--pledges", type=int, default=20)
    parser.add_argument("--evidence", type=int, default=5)
    args = parser.parse_args()
    url, folder = build_database(args.candidates, args.pledges, args.evidence)
    try:
        run(url, args.seconds, cache=True)
        run(url, args.seconds, cache=False)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
