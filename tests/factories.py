import uuid
from datetime import timedelta

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from dashboard.models import AccountStatus, Membership, Project, Role, Team, VendorAccount
from providers.sandbox.r4 import mint_key

PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    team = factory.SubFactory(TeamFactory)
    role = Role.MEMBER


class R4AccountFactory(factory.django.DjangoModelFactory):
    """An R4 account; pass base_url=sandbox.base_url("r4") to reach the sandbox."""

    class Meta:
        model = VendorAccount

    team = factory.SubFactory(TeamFactory)
    vendor = "r4"
    label = factory.Sequence(lambda n: f"R4 account {n}")
    base_url = "http://127.0.0.1:9/r4/api/v1/machine"
    credentials = factory.LazyAttribute(lambda o: {"api_key": mint_key(o.access_id)})
    credential_hint = factory.LazyAttribute(lambda o: f"rk_{o.access_id}.••••")
    status = AccountStatus.ACTIVE

    class Params:
        access_id = factory.Sequence(lambda n: f"test{n:04d}")


class ProjectFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Project

    account = factory.SubFactory(R4AccountFactory)
    team = factory.SelfAttribute("account.team")
    vendor = factory.SelfAttribute("account.vendor")
    name = factory.Sequence(lambda n: f"Project {n}")
    payload = factory.LazyAttribute(lambda o: {"name": o.name, "externalId": "", "description": ""})
    idempotency_key = factory.LazyFunction(uuid.uuid4)


def connect_account(team, owner, sandbox, vendor, credentials_input, *, label):
    """An account at the sandbox's `vendor`, connected by `owner` as the connect page would."""
    from dashboard import services

    return services.account_connect(
        team=team,
        user=owner,
        vendor=vendor,
        label=label,
        base_url=sandbox.base_url(vendor),
        credentials_input=credentials_input,
    )


def connect_devkit4ai(team, owner, sandbox):
    """A Dev Kit for AI account signed in at the sandbox (it holds tokens, never the password)."""
    from providers.sandbox.devkit4ai import DEMO_DEVELOPER_KEY, DEMO_EMAIL, DEMO_PASSWORD

    credentials = {
        "email": DEMO_EMAIL,
        "password": DEMO_PASSWORD,
        "developer_key": DEMO_DEVELOPER_KEY,
    }
    return connect_account(team, owner, sandbox, "devkit4ai", credentials, label="DevKit")


def photon_account(team, sandbox, *, label: str = "Photon", **columns):
    """A Photon account holding a token the sandbox accepts (unless `columns` say otherwise)."""
    from providers.sandbox.photon import mint_token

    columns.setdefault("credentials", {"access_token": mint_token("ada")})
    return VendorAccount.objects.create(
        team=team, vendor="photon", label=label, base_url=sandbox.base_url("photon"), **columns
    )


def start_photon_sign_in(team, owner, sandbox, *, now=None, account=None, label="Photon main"):
    """A device sign-in at the sandbox's Photon, started by `owner` at `now` (default: now)."""
    from dashboard import services

    return services.device_login_start(
        team=team,
        user=owner,
        vendor="photon",
        label=label,
        base_url=sandbox.base_url("photon"),
        account=account,
        now=now,
    )


def start_photon_sign_in_due(team, owner, sandbox, **options):
    """A sign-in whose first poll is due now by the wall clock (Photon asks for 5 s between)."""
    now = timezone.now() - timedelta(seconds=6)
    return start_photon_sign_in(team, owner, sandbox, now=now, **options)
