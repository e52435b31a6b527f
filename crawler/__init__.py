"""Scrapy project for Chinese financial news: settings, items, extraction and the replica site."""

__version__ = "0.1.0"
