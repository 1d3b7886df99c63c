"""The public incident page (the "dark site") and its Atom feed: released public text only."""
