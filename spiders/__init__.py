"""Spiders: the live sites, the offline replica, and single articles of any site."""
