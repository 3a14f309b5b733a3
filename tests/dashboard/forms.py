"""The dashboard's forms, submitted as a browser would; each returns the response."""

import uuid

from django.urls import reverse

HX = {"HTTP_HX_REQUEST": "true"}


def post_connect(client, vendor, team, base_url, *, label="Main", follow=False, **credentials):
    """The connect page of `vendor`; `credentials` are the fields its sign-in method asks for."""
    return client.post(
        reverse("dashboard:account_connect", args=[vendor]),
        {"team": team.pk, "label": label, "base_url": base_url, **credentials},
        follow=follow,
    )


def post_device_sign_in(client, team, base_url, *, label="Photon main", **fields):
    """Photon's "Start sign-in" form; `account=` makes it a renewal."""
    return client.post(
        reverse("dashboard:device_login_start", args=["photon"]),
        {"device-team": team.pk, "device-label": label, "device-base_url": base_url, **fields},
    )


def post_new_project(client, account, *, htmx=False, follow=False, **fields):
    """The new project form for `account`, under a fresh idempotency key."""
    data = {"account": account.pk, "idempotency_key": str(uuid.uuid4()), **fields}
    headers = HX if htmx else {}
    return client.post(reverse("dashboard:project_new"), data, follow=follow, **headers)
