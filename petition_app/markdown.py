"""Campaign text is Markdown written by organizers; it is rendered and then sanitised with nh3, so no
script, style, iframe or event handler ever reaches a signer's browser."""
import markdown as md
import nh3
from markupsafe import Markup

ALLOWED_TAGS = {"p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "h3", "h4", "a", "code", "hr"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}


def render_markdown(text: str | None) -> Markup:
    html = md.markdown(text or "", extensions=["sane_lists"], output_format="html")
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"https", "http", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return Markup(clean)  # nosec B704  # nh3.clean() output: allow-listed tags and attributes, http/https/mailto links only
