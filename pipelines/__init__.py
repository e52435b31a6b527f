"""Item pipelines, each doing one thing and reporting through stats and DropItem reasons."""
