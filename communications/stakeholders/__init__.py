"""Stakeholders: the directory, each incident's stakeholder map, the HICS 213 log and sends."""
