"""Profile catalog requests in one process (Flask test client, no gunicorn, no load generator).

Usage: python -m benchmarks.catalog.profile_requests DATABASE_URL [--requests 200] [--top 30] [--path PATH ...]

``DATABASE_URL`` is a catalog that ``benchmarks/catalog/generate.py`` filled (``bench.py --keep`` leaves
one). Prints, per path, the wall and CPU time per request (after a warm-up) and then cProfile's
heaviest functions over all the paths (cumulative time), to see where a request's time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import pstats
import tempfile
import time

from marketplace.app import create_app

PATHS = ["/healthz", "/api/v1/products?limit=20", "/api/v1/products?q=vong+bi&limit=20",
         "/api/v1/products?q=vong+bi&sort=price&limit=20",
         "/api/v1/products?q=thep+cuon&quantity=1000&price_max=200000&limit=20",
         "/api/v1/products?q=laser&region=VN-SG&max_moq=100&limit=20"]


def timings(client, path: str, requests: int) -> tuple[float, float]:
    """Wall and process CPU milliseconds per request."""
    for _ in range(5):
        assert client.get(path).status_code == 200, path
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(requests):
        client.get(path)
    return ((time.perf_counter() - wall) * 1000 / requests, (time.process_time() - cpu) * 1000 / requests)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("database_url")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--path", action="append", help="profile these paths (default: a mix)")
    parser.add_argument("--redis-url", default="redis://127.0.0.1:6379/15")
    args = parser.parse_args()
    app = create_app({"DATABASE_URL": args.database_url, "REDIS_URL": args.redis_url,
                      "INSTANCE_PATH": tempfile.mkdtemp(prefix="profile-catalog-")})
    paths = args.path or PATHS
    client = app.test_client()
    for path in paths:
        wall, cpu = timings(client, path, args.requests)
        print(f"{wall:7.2f} ms wall {cpu:7.2f} ms CPU  {path}")
    profiler = cProfile.Profile()
    profiler.enable()
    for path in paths:
        if path != "/healthz":
            for _ in range(args.requests // 4):
                client.get(path)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(args.top)
    print(out.getvalue())


if __name__ == "__main__":
    main()
