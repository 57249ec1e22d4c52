"""Curation without Turtle: the table template, its importer and exporter, and the checked, durable write path."""
