"""The exports as a versioned, deduplicated Parquet dataset (``python -m crawler.dataset``).

``build`` (``crawler.dataset.build``) reads the committed batch files of the runs whose
manifests it finds and has not read yet, and writes a dataset folder (its layout:
``crawler.dataset.store``) partitioned by site and publish month, one row per article with
its latest version, the earlier versions in a table of their own, and a dataset card;
``verify`` (``crawler.dataset.verify``) checks one. The columns are those of the article
schema, typed (``crawler.dataset.columns``). Needs pyarrow (the ``dataset`` extra).
"""
