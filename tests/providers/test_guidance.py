"""Naming guidance: advice, not errors."""

import pytest

from providers.guidance import naming_guidance


@pytest.mark.parametrize(
    "name",
    [
        "Test",
        "test",
        "Project 1",
        "project1",
        "New Project",
        "new project 2",
        "My App",
        "Untitled",
        "Demo",
    ],
)
def test_generic_names_get_advice(name):
    assert any("generic" in a for a in naming_guidance(name))


def test_a_good_name_gets_no_advice():
    assert naming_guidance("Staging - Mobile App") == []
    assert naming_guidance("Acme Corp - Customer Portal") == []


def test_long_names_are_flagged_at_51():
    assert not any("cut off" in a for a in naming_guidance("Production - " + "x" * 37))
    assert any("cut off" in a for a in naming_guidance("Production - " + "x" * 38))


@pytest.mark.parametrize("name", ["Prod #1 API", "Prod API?", "Prod R&D"])
def test_url_breaking_characters(name):
    assert any("break URLs" in a for a in naming_guidance(name))


@pytest.mark.parametrize(
    "name",
    [
        "Prod sk_live_abcdef123456",
        "Prod password=hunter2",
        "Prod 507f1f77bcf86cd799439014",
        "Prod QWxhZGRpbjpvcGVuIHNlc2FtZQxyz12345678",
    ],
)
def test_secret_looking_names(name):
    assert any("secrets out of names" in a for a in naming_guidance(name))


def test_ordinary_words_are_not_secrets():
    assert not any("secrets" in a for a in naming_guidance("Prod - api-gateway-service"))


def test_a_taken_name_is_reported_and_a_free_one_is_not():
    # Whether a name is taken (case-insensitively) is the dashboard's question: see
    # tests/dashboard/test_devkit4ai.py::test_guidance_shows_live_as_advice_and_never_blocks.
    taken = {"Prod API"}
    assert any(
        "already has this name" in a
        for a in naming_guidance("Prod API", name_taken=taken.__contains__)
    )
    assert not any(
        "already" in a for a in naming_guidance("Prod Web", name_taken=taken.__contains__)
    )


def test_no_context_hint():
    assert any("environment or the client" in a for a in naming_guidance("Bananas"))
