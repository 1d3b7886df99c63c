"""Turn document bodies (Markdown) into HTML that is safe to show in a page or a PDF."""

import markdown
import nh3

ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "hr",
    "i",
    "ins",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "td": {"colspan"}, "th": {"colspan", "scope"}}
# Links may point to web pages, mail and phone numbers; never to files, data or scripts.
ALLOWED_URL_SCHEMES = {"https", "http", "mailto", "tel"}


def sanitize_html(html: str) -> str:
    """Return html with every tag, attribute and URL scheme outside the allowlist removed."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer",
        strip_comments=True,
    )


def body_to_html(text: str) -> str:
    """Return the safe HTML of a Markdown document body."""
    return sanitize_html(markdown.markdown(text, extensions=["sane_lists", "tables"]))
