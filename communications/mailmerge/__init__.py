"""Patient letters at scale: recipient import, letter variants, generation runs, the purge."""
