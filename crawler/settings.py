"""Scrapy settings: polite defaults for the live sites; spiders for the replica go faster."""

from crawler import __version__

BOT_NAME = "cnfinance_news"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"
COMMANDS_MODULE = "crawler.commands"

# Who we are. Set CRAWLER_CONTACT (an e-mail or URL) to have it added to USER_AGENT.
CRAWLER_CONTACT = ""
USER_AGENT = (
    f"cnfinance-news-crawler/{__version__} (+https://pypi.org/project/cnfinance-news-crawler/)"
)

# Only `scrapy crawl` (which sets CRAWL_RUN) writes feeds and manifests and keeps the crawl
# state across runs; shell, parse, check and fetch keep it in memory and write nothing.
ADDONS = {
    "crawler.addons.CheckedSettings": 0,
    "crawler.addons.NonCrawlCommands": 90,
    "crawler.addons.DistributedCrawl": 95,
    "crawler.addons.DefaultFeed": 100,
    "crawler.addons.ContactUserAgent": 110,
    "crawler.addons.RedactSecrets": 120,
}

# Politeness and limits on the live web (README: "Limits and what bad input gets"). The live
# site spiders take their concurrency and delay from their site profile.
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 2
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
# What a callback yields (an article, then its related requests) goes through the pipelines
# one at a time: they are synchronous, and Scrapy starts one asyncio task per slot of
# CONCURRENT_ITEMS for each response (100 by default, for one item).
CONCURRENT_ITEMS = 1
# News pages weigh well under 1 MiB: larger answers are warned about, and those over 10 MiB
# (decompressed: a gzip bomb stops there too) are aborted.
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DOWNLOAD_MAXSIZE = 10 * 1024 * 1024
# Retries (timeouts, lost connections, HTTP 5xx, 429) wait RETRY_BACKOFF_BASE seconds, doubled
# each time up to RETRY_BACKOFF_MAX, or what the answer's Retry-After asks for when longer;
# an answer asking for more than RETRY_AFTER_MAX seconds is given up at once.
RETRY_TIMES = 3
RETRY_BACKOFF_BASE = 1.0
RETRY_BACKOFF_MAX = 60.0
RETRY_AFTER_MAX = 600.0
# The request's errback logs the one line of a page that failed for good (crawler/failures.py).
RETRY_GIVE_UP_LOG_LEVEL = "DEBUG"
# Traps: a list walk ends after LIST_PAGES_MAX pages (and at a page listing nothing new); a
# host gets at most HOST_REQUESTS_MAX requests a run (0: no limit).
LIST_PAGES_MAX = 1000
HOST_REQUESTS_MAX = 200_000
# A page linked under tracking or session parameters is one request (crawler/urls.py).
REQUEST_FINGERPRINTER_CLASS = "crawler.urls.CanonicalRequestFingerprinter"
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.SharedRobotsTxtMiddleware": 100,
    "crawler.downloads.HostBudgetMiddleware": 110,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.downloads.BackoffRetryMiddleware": 550,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.downloads.CheckedMetaRefreshMiddleware": 580,
    "crawler.downloads.HtmlPagesMiddleware": 585,
    "scrapy.downloadermiddlewares.redirect.RedirectMiddleware": None,
    "crawler.downloads.CheckedRedirectMiddleware": 600,
}
# Incremental crawling (crawler/incremental.py): skip what earlier runs exported, keep the
# frontier of related links across runs, stop list walks at pages walked before, recheck.
INCREMENTAL_ENABLED = True
SPIDER_MIDDLEWARES = {
    "crawler.incremental.IncrementalMiddleware": 950,
    "crawler.list_walks.ListWalkMiddleware": 960,
}

# How far to follow 相关资讯 (related news) from the articles of the list pages:
# 0 keeps to listed articles, 2 also takes their related articles and those articles' related.
RELATED_DEPTH_LIMIT = 2

# Warn when more than this share of a site's pages (once it has at least MIN_PAGES) needed
# the generic extractor for a field: the site's layout has probably changed.
EXTRACTION_DRIFT_THRESHOLD = 0.10
EXTRACTION_DRIFT_MIN_PAGES = 10

EXTENSIONS = {
    "scrapy.extensions.logstats.LogStats": None,
    "crawler.logstats.ProgressLogStats": 0,
    # Both close before the feed exporter (0), whose close writes the run manifest with the
    # monitor results; the drift alarm's stats first, for the monitors to read.
    "crawler.drift.ExtractionDriftMonitor": -20,
    "crawler.monitors.MonitorsExtension": -10,
    "crawler.outcome.RunOutcome": 505,
    "crawler.export.RunManifest": 510,
}

# Monitors (crawler/monitors.py, Spidermon) judge every run when it closes; a failed one makes
# the run fail (exit code 1) while MONITOR_FAIL_EXIT_CODE is on. Warnings only log.
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["crawler.monitors.RunMonitors"]
SPIDERMON_ADD_FIELD_COVERAGE = True
# Coverage of the item's own fields only: the monitors read no nested ones (extraction/...),
# and counting them cost about a millisecond per item.
SPIDERMON_DICT_FIELDS_COVERAGE_LEVELS = 0
MONITOR_FAIL_EXIT_CODE = True
MONITOR_HISTORY_RUNS = 5
MONITOR_ITEM_COUNT_WARN_RATIO = 0.5
MONITOR_FIELD_COVERAGE_MIN = 0.98
MONITOR_COVERAGE_TOLERANCE = 0.05
MONITOR_DROPPED_SHARE_MAX = 0.05
MONITOR_HTTP_ERROR_RATE_MAX = 0.25
MONITOR_RETRY_RATE_MAX = 0.10
MONITOR_REFUSED_SHARE_MAX = 0.5
# Spidermon actions run when a monitor fails (comma-separated import paths), e.g.
# spidermon.contrib.actions.discord.notifiers.SendDiscordMessageSpiderFinished with
# SPIDERMON_DISCORD_WEBHOOK_URL (README: "Monitors").
MONITOR_FAILED_ACTIONS: list[str] = []

# Clean the text, drop what breaks the schema or a field rule, then keep each story once.
ITEM_PIPELINES = {
    "pipelines.clean.CleanPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.dedup.DedupPipeline": 300,
}

# Deduplication, per kind: the same URL (canonical, tracking parameters removed), the same
# body (SHA-256 of the normalized text), a near-duplicate repost (MinHash bands over character
# shingles find candidates, published within DEDUP_WINDOW_DAYS; the exact shingle Jaccard
# similarity reaches DEDUP_NEAR_THRESHOLD, or less for a short body). DEDUP_POLICY "drop"
# drops duplicates; "mark" exports them with duplicate_of = the URL of the first copy.
DEDUP_URL = True
DEDUP_EXACT = True
DEDUP_NEAR = True
DEDUP_NEAR_THRESHOLD = 0.8
DEDUP_POLICY = "drop"
DEDUP_WINDOW_DAYS = 30

# What the crawl remembers across runs: exported URL keys, content hashes, near-duplicate
# fingerprints, the related links still to fetch, listed articles, runs and batch files.
CRAWL_STATE_CLASS = "crawler.state.sqlite.SqliteCrawlState"
CRAWL_STATE_URI = ".crawl-state/%(name)s.sqlite"
# Many workers on one crawl: set REDIS_URL (redis://host:port/db) on every worker, which then
# shares the request queue and the crawl state above on that Redis (README: "Many workers").
# Keys start with CRAWL_NAMESPACE:<spider>. A worker holding requests counts as dead once it
# has not been heard from for REDIS_LEASE_SECONDS, and the others take its requests; a worker
# closes when nothing was queued or leased for REDIS_IDLE_CLOSE_SECONDS.
REDIS_URL = ""
CRAWL_NAMESPACE = "cnfinance"
REDIS_LEASE_SECONDS = 30.0
REDIS_IDLE_CLOSE_SECONDS = 30.0
# "incremental": fetch only what is new since the last finished run; "full": walk every list
# and fetch every article again (still exporting no duplicate).
CRAWL_MODE = "incremental"
# Fetch again the exported articles published in the last N days; one whose content changed
# is exported again with the next `version` and its `previous_sha256`.
RECHECK_DAYS = 0

# When a crawl is given no -o/-O and no FEEDS, it writes JSON Lines batch files of
# FEED_BATCH_ITEMS articles here, and a <run id>.manifest.json listing them when it ends.
# (Not set as FEEDS: Scrapy adds FEEDS to the feeds of -o/-O instead of replacing them.)
DEFAULT_FEED_URI = "data/%(name)s/%(run_id)s-%(batch_id)05d.jsonl"
FEED_BATCH_ITEMS = 1000
FEED_URI_PARAMS = "crawler.export.uri_params"
FEED_EXPORT_ENCODING = "utf-8"
FEED_STORE_EMPTY = False
# Every local feed file (batches, -o, -O) is written to a temporary name, fsynced, committed
# in the crawl state together with its articles, then renamed: no torn or unrecorded file.
# Their item exporters record each article in the file they write it to: the file and its
# article list that the crawl state commits come from the same call.
FEED_EXPORTERS = {
    "jsonlines": "crawler.export.JsonLinesArticleExporter",
    "jsonl": "crawler.export.JsonLinesArticleExporter",
    "jl": "crawler.export.JsonLinesArticleExporter",
    "json": "crawler.export.JsonArticleExporter",
    "csv": "crawler.export.CsvArticleExporter",
    "xml": "crawler.export.XmlArticleExporter",
}
FEED_STORAGES = {
    "": "crawler.export.AtomicFileFeedStorage",
    "file": "crawler.export.AtomicFileFeedStorage",
}

# `scrapy check`: @replica PATH fetches PATH from a replica site, this one if set, else one
# started in-process on a free port (crawler/contracts.py).
SPIDER_CONTRACTS = {"crawler.contracts.ReplicaContract": 10}
CONTRACTS_REPLICA_URL = ""

LOG_LEVEL = "INFO"
# A dropped item is one line (its URL and the reason), not the whole item.
LOG_FORMATTER = "crawler.logformatter.ArticleLogFormatter"
