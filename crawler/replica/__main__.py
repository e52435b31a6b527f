"""``python -m crawler.replica --port 8080 --articles 1000``: serve the replica site."""

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
    args = parser.parse_args(argv)
    site = ReplicaSite(articles=args.articles, seed=args.seed, drifted_share=args.drift)
    server = ReplicaServer(site, args.host, args.port)
    print(f"replica site with {args.articles} articles at {server.base_url}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


if __name__ == "__main__":
    main()
