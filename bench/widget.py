"""Issue 5 benchmark: the partner widget against a static file of the same size, in one run.

Data from `flask demo generate` (200 candidates × 20 pledges × 5 evidence by
default), gunicorn with 2 workers. For the candidate and the pledge widget it
measures full responses without If-None-Match (served from the rendered-output
cache, as in production), the same with that cache off (PAGE_CACHE_SIZE=0: every
request loads and renders), and 304 revalidations (If-None-Match), each against
the static twin. Targets: full render ≥ 40% of the static rate, 304 ≥ 70%.
Each rate is the median of three alternating rounds, all from the same Python
client (8 threads, keep-alive when the server allows it): wrk stalls on
gunicorn's body-less 304 + "Connection: close" answers (latencies up to 1.5 s),
which would measure wrk rather than the app.
Run: .venv/bin/python bench/widget.py [--seconds 5]
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

TARGET_FULL = 0.40
TARGET_304 = 0.70


def widgets(base: str) -> dict[str, str]:
    """A candidate widget (with its pledge list) and a pledge widget from the generated data."""
    _, _, body = get(base, "/api/v1/elections?per_page=1")
    election = json.loads(body)["items"][0]["slug"]
    _, _, body = get(base, f"/api/v1/elections/{election}")
    candidate = json.loads(body)["candidates"][0]["slug"]
    _, _, body = get(base, "/api/v1/pledges?per_page=1")
    pledge = json.loads(body)["items"][0]["id"]
    return {
        "candidate widget": f"/embed/candidates/{election}/{candidate}",
        "pledge widget": f"/embed/pledges/{pledge}",
    }


def run(database_url: str, seconds: int, cache: bool) -> list[str]:
    env = {} if cache else {"PAGE_CACHE_SIZE": "0"}
    label = "rendered-output cache on" if cache else "no rendered-output cache (PAGE_CACHE_SIZE=0)"
    print(f"\n-- {label}")
    lines = []
    with gunicorn(database_url, workers=2, **env) as base:
        for name, path in widgets(base).items():
            status, headers, body = get(base, path)
            if status != 200 or "Set-Cookie" in headers:
                raise RuntimeError(f"{path}: {status} {headers}")
            etag = headers["ETag"]
            revalidate = {"If-None-Match": etag}
            if get(base, path, revalidate)[0] != 304:
                raise RuntimeError(f"{path} does not revalidate")
            with static_twin(len(body)) as static_path:
                rates = interleaved_rates(
                    base,
                    {
                        "static": (static_path, {}, 200),
                        "full": (path, {}, 200),
                        "304": (path, revalidate, 304),
                    },
                    seconds=seconds / 3,
                    client="python",
                )
            static, full, revalidated = rates["static"], rates["full"], rates["304"]
            size = f"{len(body) / 1024:.1f} KiB"
            print(f"{'static twin (' + size + ')':<38} {static:9.1f} req/s")
            lines.append(report(f"{name}: full ({size})", full, static, TARGET_FULL))
            lines.append(report(f"{name}: 304", revalidated, static, TARGET_304))
    return lines


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
