"""The executive dashboard: the read model over incidents and communications (the top layer)."""
