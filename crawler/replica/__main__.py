"""``python -m crawler.replica --port 8080 --articles 1000``: serve the replica site
(``--hostile``: with its hostile routes)."""

from __future__ import annotations

import argparse

from crawler.replica import ReplicaServer, ReplicaSite


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m crawler.replica", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080, help="0 takes a free port")
    parser.add_argument("--articles", type=int, default=1000, help="10 to 100000")
    parser.add_argument("--seed", type=int, default=1, help="the site is a function of this")
    parser.add_argument(
        "--drift",
        type=float,
        default=0.0,
        help="share of financeun article pages in a newer layout that the profile misses",
    )
    parser.add_argument(
        "--hostile",
        action="store_true",
        help="also serve the hostile routes: 专题, 日历 and the cases under /newsDetail/h/",
    )
    parser.add_argument(
        "--slow-seconds",
        type=float,
        default=12.0,
        help="how long the hostile slow routes wait before they answer",
    )
    args = parser.parse_args(argv)
    site = ReplicaSite(
        articles=args.articles, seed=args.seed, drifted_share=args.drift, hostile=args.hostile
    )
    server = ReplicaServer(site, args.host, args.port, slow_seconds=args.slow_seconds)
    print(f"replica site with {args.articles} articles at {server.base_url}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
