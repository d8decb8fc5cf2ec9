"""Placeholder rendering for canned responses, and articles as plain reply text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.domain.placeholders import (
    PLACEHOLDERS,
    article_reply_text,
    first_name,
    markdown_to_plain,
    placeholder_values,
    render,
    unknown_placeholders,
)

VALUES = placeholder_values(
    requester_name="  Rita van Dam ",
    requester_email="rita@example.org",
    ticket_number="SD1-000042",
    ticket_subject="Printer jams",
    agent_name="Ada Admin",
    organisation_name="Acme",
)


def test_every_known_placeholder_is_filled() -> None:
    template = " | ".join("{" + name + "}" for name in PLACEHOLDERS)
    assert render(template, VALUES) == (
        "Rita van Dam | Rita | rita@example.org | SD1-000042 | Printer jams | Ada Admin | Acme"
    )
    assert set(VALUES) == set(PLACEHOLDERS)


def test_unknown_and_mistyped_placeholders_stay_as_typed() -> None:
    template = "Hi {requester.nmae}, see {ticket.number} and {ticket} or {{x}} {  foo.bar }"
    assert render(template, VALUES) == (
        "Hi {requester.nmae}, see SD1-000042 and {ticket} or {{x}} {  foo.bar }"
    )
    assert unknown_placeholders(template) == ["{requester.nmae}", "{ticket}", "{x}", "{  foo.bar }"]


def test_names_match_case_insensitively_and_with_spaces() -> None:
    assert render("Dear { Requester.First_Name },", VALUES) == "Dear Rita,"


def test_values_are_inserted_once_not_expanded_again() -> None:
    values = dict(VALUES, **{"ticket.subject": "Error {ticket.number} {0x80070005}"})
    assert render("{ticket.subject}", values) == "Error {ticket.number} {0x80070005}"


def test_missing_values_render_empty() -> None:
    values = placeholder_values(ticket_number="SD1-1")
    assert (
        render("Hello {requester.first_name}, ref {ticket.number}", values) == "Hello , ref SD1-1"
    )


def test_first_name() -> None:
    assert first_name("  Rita   van Dam") == "Rita"
    assert first_name("") == ""
    assert first_name("   ") == ""


@given(st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=200))
def test_text_without_braces_is_unchanged(text: str) -> None:
    assert render(text, VALUES) == text


@given(st.text(max_size=200))
def test_rendering_without_values_changes_nothing(text: str) -> None:
    assert render(text, {}) == text


def test_markdown_to_plain() -> None:
    markdown = (
        "\n\n# Reset your password\n\n\n"
        "Open **Settings** and pick *Security*.\n"
        "- Click [the portal](https://portal.example.org)\n"
        "* Type `passwd`\n\n"
        "```\nkeep   *this*\n```\n\n"
    )
    assert markdown_to_plain(markdown) == (
        "Reset your password\n\n"
        "Open Settings and pick Security.\n"
        "• Click the portal (https://portal.example.org)\n"
        "• Type passwd\n\n"
        "keep   *this*"
    )


def test_article_reply_text() -> None:
    assert article_reply_text(" VPN  setup ", "Install the **client**.") == (
        "VPN setup\n\nInstall the client."
    )
    assert article_reply_text("Only a title", "  \n ") == "Only a title"
