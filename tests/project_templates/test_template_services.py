"""The template services on the real database: only a team's admins save and delete, every
change is audited, defaults are judged by the vendor's field specs, and an expansion makes
one row per combination of values per account, or says why it can't."""

import pytest
from django.conf import settings

from dashboard import services
from dashboard.models import AuditAction, AuditEvent, ProjectTemplate
from dashboard.services import RowInput, ServiceError
from tests.factories import photon_account
from tests.project_templates.conftest import save


def refusal(call) -> ServiceError:
    with pytest.raises(ServiceError) as caught:
        call()
    return caught.value


def test_an_admin_saves_a_template_and_it_is_audited(team, owner, r4_account):
    template = save(team, owner, r4_account, defaults={"description": "  Checkout  "})
    assert (template.team, template.account, template.created_by) == (team, r4_account, owner)
    assert template.name_pattern == "{app}-{env}"
    assert template.defaults == {"description": "Checkout"}  # cleaned as a create cleans
    event = AuditEvent.objects.get()
    assert event.action == AuditAction.TEMPLATE_CREATED and event.actor == owner
    assert event.target_type == "ProjectTemplate" and event.target_id == str(template.pk)
    assert "“Checkout”" in event.summary and "{app}-{env}" in event.summary


def test_an_edit_says_what_changed_and_a_delete_is_audited(team, owner, template, second_r4):
    services.template_save(
        team=team, user=owner, template=template, account=second_r4, name="Checkout",
        name_pattern="{app}", defaults={"description": "Made from a template"},
    )  # fmt: skip
    template.refresh_from_db()
    assert template.account == second_r4 and template.name_pattern == "{app}"
    edited = AuditEvent.objects.get(action=AuditAction.TEMPLATE_EDITED)
    assert edited.summary == "“Checkout”: account, name pattern changed."
    pk = template.pk
    services.template_delete(template=template, user=owner)
    assert not ProjectTemplate.objects.exists()
    deleted = AuditEvent.objects.get(action=AuditAction.TEMPLATE_DELETED)
    assert deleted.target_id == str(pk) and deleted.actor == owner


@pytest.mark.parametrize("role", ["member", "viewer", "outsider"])
def test_only_the_teams_admins_save_or_delete(request, team, r4_account, template, role):
    user = request.getfixturevalue(role)
    error = refusal(lambda: save(team, user, r4_account, name="Other"))
    assert "admins" in error.message
    error = refusal(lambda: services.template_delete(template=template, user=user))
    assert "admins" in error.message
    assert ProjectTemplate.objects.count() == 1
    assert AuditEvent.objects.count() == 1  # the template's creation only


def test_another_teams_account_is_refused_at_the_account(team, owner, outsider_account):
    error = refusal(lambda: save(team, owner, outsider_account))
    assert error.field_errors == {"account": "Choose one of the team's accounts."}


def test_a_disconnected_account_is_refused_unless_the_template_already_has_it(
    team, owner, template, disconnected_r4
):
    error = refusal(lambda: save(team, owner, disconnected_r4, name="New"))
    assert "disconnected" in error.field_errors["account"]
    ProjectTemplate.objects.filter(pk=template.pk).update(account=disconnected_r4)
    template.refresh_from_db()
    kept = services.template_save(
        team=team, user=owner, template=template, account=disconnected_r4, name="Renamed",
        name_pattern="{env}", defaults={},
    )  # fmt: skip
    assert kept.name == "Renamed"


@pytest.mark.parametrize(
    ("name", "words"),
    [
        ("", "1 to 100 characters"),
        ("   ", "1 to 100 characters"),
        ("x" * 101, "1 to 100 characters"),
        ("a\x00b", "control characters"),
        ("a\x1b[31mb", "control characters"),
        ("a\nb", "control characters"),
        ("checkout", "already has a template named"),  # taken, whatever the case
    ],
)
def test_a_bad_or_taken_template_name_is_refused_at_the_name(
    team, owner, r4_account, template, name, words
):
    error = refusal(lambda: save(team, owner, r4_account, name=name))
    assert words in error.field_errors["name"]
    assert ProjectTemplate.objects.count() == 1


def test_names_may_repeat_across_teams_and_unicode_digits_are_text(
    team, owner, r4_account, template, other_team, outsider, outsider_account
):
    assert save(other_team, outsider, outsider_account, name="Checkout").team == other_team
    assert save(team, owner, r4_account, name="Checkout ١٢٣").name == "Checkout ١٢٣"


@pytest.mark.parametrize(
    ("pattern", "words"),
    [
        ("{app", "never closed"),
        ("{}", "empty placeholder"),
        ("{1x}", "not a placeholder"),
        ("{a{b}}", "nested"),
        ("x\x00", "NUL"),
        ("{env}" + "x" * 251, "256 characters; the most is 255"),
        ("x" * 256, "the most is 255"),
        (["{env}"], "must be text"),
    ],
)
def test_a_bad_pattern_is_refused_at_the_pattern(team, owner, r4_account, pattern, words):
    error = refusal(lambda: save(team, owner, r4_account, name_pattern=pattern))
    assert words in error.field_errors["name_pattern"]
    assert not ProjectTemplate.objects.exists()


def test_a_fixed_name_is_judged_by_the_vendors_name_rules(team, owner, sandbox):
    from tests.factories import connect_devkit4ai

    devkit = connect_devkit4ai(team, owner, sandbox)
    error = refusal(lambda: save(team, owner, devkit, name_pattern="ab"))
    assert error.field_errors["name_pattern"].startswith("As a project's name:")
    assert save(team, owner, devkit, name_pattern="{env}").name_pattern == "{env}"


def test_the_name_and_secret_fields_are_never_defaults(team, owner, r4_account):
    error = refusal(lambda: save(team, owner, r4_account, defaults={"name": "x"}))
    assert "name pattern makes each project's name" in error.field_errors["defaults"]
    error = refusal(lambda: save(team, owner, r4_account, defaults={"colour": "red"}))
    assert "“colour” is not a field" in error.field_errors["defaults"]
    assert "externalId, description" in error.field_errors["defaults"]


def test_defaults_are_judged_by_the_vendors_field_specs(team, owner, r4_account, sandbox):
    error = refusal(
        lambda: save(
            team, owner, r4_account,
            defaults={"description": "x" * 1001, "externalId": "a\x00b"},
        )
    )  # fmt: skip
    assert "the most this vendor accepts is 1000" in error.field_errors["description"]
    assert "control characters" in error.field_errors["externalId"]
    error = refusal(lambda: save(team, owner, r4_account, defaults={"description": 5}))
    assert error.field_errors == {"description": "Description must be a string."}
    error = refusal(lambda: save(team, owner, r4_account, defaults=["description"]))
    assert "defaults" in error.field_errors
    photon = photon_account(team, sandbox)
    error = refusal(lambda: save(team, owner, photon, defaults={"platforms": ["fax"]}))
    assert error.field_errors == {"platforms": "Choose only from the listed options."}
    saved = save(
        team, owner, photon,
        defaults={"spectrum": True, "platforms": ["voice", "imessage"], "location": ""},
    )  # fmt: skip
    assert saved.defaults == {"spectrum": True, "platforms": ["imessage", "voice"]}


def test_several_refusals_are_said_at_once(team, owner, r4_account):
    error = refusal(
        lambda: save(
            team, owner, r4_account, name="", name_pattern="{", defaults={"description": 1}
        )
    )
    assert set(error.field_errors) == {"name", "name_pattern", "description"}


def test_an_expansion_makes_one_row_per_combination_per_account(template, second_r4, r4_account):
    rows = services.template_expand(
        template=template,
        values={"app": ["checkout", "search"], "env": ["dev", "staging", "prod"]},
        extra_accounts=[second_r4],
    )
    assert len(rows) == 12
    assert rows[0] == RowInput(
        account=str(r4_account.pk),
        fields={"description": "Made from a template", "name": "checkout-dev"},
    )
    names = [row.fields["name"] for row in rows]
    assert names[:6] == [
        "checkout-dev", "checkout-staging", "checkout-prod",
        "search-dev", "search-staging", "search-prod",
    ]  # fmt: skip
    assert names[6:] == names[:6]
    assert {row.account for row in rows[6:]} == {str(second_r4.pk)}


def test_values_are_trimmed_and_blanks_and_repeats_left_out(template):
    rows = services.template_expand(
        template=template, values={"app": [" checkout ", "", "checkout", "  "], "env": "dev"}
    )
    assert [row.fields["name"] for row in rows] == ["checkout-dev"]


def test_placeholders_without_values_are_named(template):
    assert services.template_unexpandable(template=template, values={"app": ["a"]}) == ["env"]
    assert services.template_unexpandable(template=template, values={"env": [" "]}) == [
        "app",
        "env",
    ]
    error = refusal(lambda: services.template_expand(template=template, values={"app": ["a"]}))
    assert error.field_errors == {"env": "Give at least one value for {env}."}


@pytest.mark.parametrize(
    ("values", "field", "words"),
    [
        ({"app": ["a\x00b"], "env": ["dev"]}, "app", "Value 1 for {app} holds a NUL"),
        ({"app": ["a", "b\x1bc"], "env": ["dev"]}, "app", "Value 2 for {app} holds a control"),
        ({"app": ["a"], "env": ["x" * 256]}, "env", "256 characters; a value can be at most 255"),
        ({"app": ["a"], "env": [5]}, "env", "Value 1 for {env} is not text"),
        ({"app": ["a"], "env": {"x": 1}}, "env", "as a list of text"),
        ({"app": ["a"], "env": ["b"], "region": ["eu"]}, "values", "no placeholder region"),
        ({"app": ["a"], "env": ["b"], "x\x00y": ["eu"]}, "values", "no placeholder xy"),
        (["app"], "values", "by placeholder"),
    ],
)
def test_bad_values_are_refused_at_their_placeholder(template, values, field, words):
    error = refusal(lambda: services.template_expand(template=template, values=values))
    assert words in error.field_errors[field]


def test_more_combinations_than_a_batch_holds_are_refused_with_the_count(template, second_r4):
    hundred = [f"v{n}" for n in range(101)]
    error = refusal(
        lambda: services.template_expand(template=template, values={"app": hundred, "env": hundred})
    )
    assert (
        "These values make 10,201 projects (101 values of {app} by 101 values of {env})"
        in (error.field_errors["values"])
    )
    assert f"at most {settings.BATCH_MAX_ROWS:,}" in error.field_errors["values"]
    fifty = hundred[:50]
    error = refusal(
        lambda: services.template_expand(
            template=template,
            values={"app": [*fifty, "x"], "env": hundred[:100]},
            extra_accounts=[second_r4],
        )
    )
    assert (
        "10,200 projects" in error.field_errors["values"]
        and "at 2 accounts" in (error.field_errors["values"])
    )
    exactly = services.template_expand(
        template=template, values={"app": hundred[:100], "env": hundred[:100]}
    )
    assert len(exactly) == settings.BATCH_MAX_ROWS


def test_huge_value_lists_are_counted_not_made(template):
    many = [str(n) for n in range(100_000)]
    error = refusal(
        lambda: services.template_expand(template=template, values={"app": many, "env": many})
    )
    assert "10,000,000,000 projects" in error.field_errors["values"]


def test_extra_accounts_must_be_the_teams_connected_accounts_of_the_vendor(
    team, template, outsider_account, disconnected_r4, sandbox
):
    values = {"app": ["a"], "env": ["b"]}
    error = refusal(
        lambda: services.template_expand(
            template=template, values=values, extra_accounts=[outsider_account]
        )
    )
    assert "the team's R4 accounts" in error.field_errors["extra_accounts"]
    photon = photon_account(team, sandbox)
    error = refusal(
        lambda: services.template_expand(template=template, values=values, extra_accounts=[photon])
    )
    assert "extra_accounts" in error.field_errors
    error = refusal(
        lambda: services.template_expand(
            template=template, values=values, extra_accounts=[disconnected_r4]
        )
    )
    assert "“R4 gone” is disconnected" in error.field_errors["extra_accounts"]
    again = services.template_expand(
        template=template, values=values, extra_accounts=[template.account]
    )
    assert len(again) == 1  # the template's own account counts once


def test_a_template_without_a_pattern_can_not_be_expanded(team, owner, r4_account):
    template = save(team, owner, r4_account, name_pattern="")
    error = refusal(lambda: services.template_expand(template=template, values={}))
    assert "no name pattern" in error.message


def test_a_pattern_without_placeholders_makes_one_row_per_account(
    team, owner, r4_account, second_r4
):
    template = save(team, owner, r4_account, name_pattern="checkout {{main}}")
    rows = services.template_expand(template=template, values={}, extra_accounts=[second_r4])
    assert [(row.account, row.fields["name"]) for row in rows] == [
        (str(r4_account.pk), "checkout {main}"),
        (str(second_r4.pk), "checkout {main}"),
    ]
