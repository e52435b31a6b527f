#!/bin/sh
# Schedule one run of a spider on Scrapyd (schedule.json), unless one is pending or running.
#
#   deploy/schedule-crawl.sh SPIDER [-d NAME=VALUE ...]
#
# Extra arguments go to curl as they are: `-d base_url=...` is a spider argument,
# `-d setting=NAME=VALUE` a Scrapy setting for this run. Environment: SCRAPYD_URL (default
# http://127.0.0.1:6800), SCRAPYD_PROJECT (default cnfinance_news), PYTHON (default python3).
#
# Exit 0 when the run was scheduled (Scrapyd's answer, with the job id, goes to stdout) or
# skipped because the spider's last run has not finished (a message goes to stderr): runs of
# one spider share its crawl state and must not overlap. Exit 1 when Scrapyd is unreachable
# or answers with an error (unknown project or spider, bad setting).
set -eu

if [ "$#" -lt 1 ]; then
    echo "usage: $0 SPIDER [-d NAME=VALUE ...]" >&2
    exit 2
fi
spider=$1
shift
url=${SCRAPYD_URL:-http://127.0.0.1:6800}
url=${url%/}
project=${SCRAPYD_PROJECT:-cnfinance_news}
python=${PYTHON:-python3}

# The field of a Scrapyd JSON answer on stdin, or "error" if it is not one.
field() {
    "$python" -c '
import json, sys
try:
    answer = json.load(sys.stdin)
except ValueError:
    answer = {}
if sys.argv[1] == "busy":
    jobs = answer.get("pending", []) + answer.get("running", [])
    print("yes" if any(job.get("spider") == sys.argv[2] for job in jobs) else "no")
else:
    print(answer.get(sys.argv[1], "error"))
' "$@"
}

jobs=$(curl -sS --max-time 30 --get "$url/listjobs.json" --data-urlencode "project=$project") || {
    echo "Scrapyd at $url is not reachable" >&2
    exit 1
}
if [ "$(printf '%s' "$jobs" | field status)" != ok ]; then
    echo "Scrapyd listjobs.json failed: $jobs" >&2
    exit 1
fi
if [ "$(printf '%s' "$jobs" | field busy "$spider")" = yes ]; then
    echo "$project/$spider: the last run is still pending or running; not scheduling another" >&2
    exit 0
fi

answer=$(curl -sS --max-time 30 "$url/schedule.json" \
    --data-urlencode "project=$project" --data-urlencode "spider=$spider" "$@") || {
    echo "Scrapyd at $url is not reachable" >&2
    exit 1
}
if [ "$(printf '%s' "$answer" | field status)" != ok ]; then
    echo "Scrapyd schedule.json failed: $answer" >&2
    exit 1
fi
printf '%s\n' "$answer"
