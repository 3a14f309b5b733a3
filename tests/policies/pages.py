"""The policy page, for the accessibility and phone checks: one with a policy in force."""

from django.urls import reverse

from tests.policies.conftest import set_policy


def policy_pages(user, account) -> dict[str, str]:
    set_policy(
        account, user, required_fields=["description"],
        defaults={"externalId": "a-team-default-long-enough-to-wrap-on-a-phone-screen"},
    )  # fmt: skip
    return {"policy": reverse("dashboard:account_policy", args=[account.pk])}
