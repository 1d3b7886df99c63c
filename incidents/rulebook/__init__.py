"""The rules as the product shows them, and counsel's review of each rule version.

`catalogue` lists every rule version Beacon counts with (the shipped files and the hospital's
own rules); `reviews` holds the review state of each version (a review binds to the version's
data hash, docs/CLOCKS.md §5) and the service that records a review; `words` says a rule in
words for the Rules page. The Rules pages themselves are in `views`.
"""
