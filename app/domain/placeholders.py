"""Text a technician inserts into a reply: canned responses with placeholders, and
knowledge-base articles turned into plain text.

Placeholders are written in braces, e.g. ``{requester.first_name}`` or ``{ticket.number}``.
Rendering is one pass over the template, so a value that itself contains braces (a subject
such as "Error {0x80070005}") is inserted as it is and never expanded again. A placeholder
that is not known, or that is mistyped, stays exactly as typed, so the technician sees it in
the reply before sending and can fix it by hand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

#: The placeholders a canned response may use, with what each one stands for.
PLACEHOLDERS: dict[str, str] = {
    "requester.name": "The requester's full name",
    "requester.first_name": "The requester's first name",
    "requester.email": "The requester's email address",
    "ticket.number": "The ticket number, e.g. SD1-000123",
    "ticket.subject": "The ticket's subject",
    "agent.name": "Your own name (the technician writing the reply)",
    "organisation.name": "The requester's organisation",
}

# `{name.part}` with optional spaces inside the braces; names are letters, digits, underscores.
_PLACEHOLDER = re.compile(r"\{\s*([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)\s*\}")


def first_name(full_name: str) -> str:
    """The first word of a full name ("Rita van Dam" → "Rita"); empty for an empty name."""
    words = full_name.split()
    return words[0] if words else ""


def placeholder_values(
    *,
    requester_name: str = "",
    requester_email: str = "",
    ticket_number: str = "",
    ticket_subject: str = "",
    agent_name: str = "",
    organisation_name: str = "",
) -> dict[str, str]:
    """The value of every known placeholder; a missing value is an empty string."""
    return {
        "requester.name": requester_name.strip(),
        "requester.first_name": first_name(requester_name),
        "requester.email": requester_email.strip(),
        "ticket.number": ticket_number,
        "ticket.subject": ticket_subject,
        "agent.name": agent_name.strip(),
        "organisation.name": organisation_name.strip(),
    }


def render(template: str, values: Mapping[str, str]) -> str:
    """`template` with each known placeholder replaced by its value.

    Names match case-insensitively (``{Requester.Name}`` works). Placeholders not in `values`
    stay exactly as typed, spaces and capitals included.
    """

    def substitute(match: re.Match[str]) -> str:
        key = match.group(1).lower()
        return values[key] if key in values else match.group(0)

    return _PLACEHOLDER.sub(substitute, template)


def unknown_placeholders(template: str, known: Mapping[str, str] = PLACEHOLDERS) -> list[str]:
    """Placeholders in `template` that will not be filled in, in order of first use."""
    seen: list[str] = []
    for match in _PLACEHOLDER.finditer(template):
        if match.group(1).lower() not in known and match.group(0) not in seen:
            seen.append(match.group(0))
    return seen


# --- knowledge-base articles as reply text ----------------------------------------------------

_LINK = re.compile(r"!?\[([^\]]*)\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
_EMPHASIS = re.compile(r"(\*\*|__)(.+?)\1|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])")
_CODE = re.compile(r"`([^`]*)`")
_BULLET = re.compile(r"^(\s*)[*+-]\s+")
_FENCE = re.compile(r"^\s*(```|~~~)")


def _inline(line: str) -> str:
    def link(match: re.Match[str]) -> str:
        label, url = match.group(1).strip(), match.group(2)
        return url if not label or label == url else f"{label} ({url})"

    line = _LINK.sub(link, line)
    line = _CODE.sub(lambda m: m.group(1), line)
    return _EMPHASIS.sub(lambda m: m.group(2) or m.group(3) or "", line)


def markdown_to_plain(markdown: str) -> str:
    """Readable plain text from an article's Markdown, for a reply to a requester.

    Headings lose their ``#``, bold and italics their markers, links become "text (address)",
    bullets become "•"; code blocks are kept as they are. Runs of blank lines shrink to one.
    """
    out: list[str] = []
    in_code = False
    for raw in markdown.replace("\r\n", "\n").split("\n"):
        if _FENCE.match(raw):
            in_code = not in_code
            continue
        if in_code:
            out.append(raw.rstrip())
            continue
        heading = _HEADING.match(raw)
        if heading:
            line = _inline(heading.group(1))
        else:
            line = _inline(_BULLET.sub(lambda m: f"{m.group(1)}• ", raw)).rstrip()
        if not line.strip() and (not out or not out[-1].strip()):
            continue  # no leading blank lines, no runs of them
        out.append(line)
    while out and not out[-1].strip():
        out.pop()
    return "\n".join(out)


def article_reply_text(title: str, body: str) -> str:
    """An article as text to insert into a reply: its title, a blank line, its plain body."""
    title = " ".join(title.split())
    text = markdown_to_plain(body)
    if not text:
        return title
    return f"{title}\n\n{text}" if title else text
