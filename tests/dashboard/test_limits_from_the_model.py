"""A form's or validator's length limit is the model column's: one number, read from the field."""

import pytest
from django.contrib.auth import get_user_model

from dashboard import services
from dashboard.forms import AccountBasicsForm, AccountReplaceForm
from dashboard.models import Team, VendorAccount
from dashboard.services.accounts import clean_label
from dashboard.services.teams import _username_or_email_max
from dashboard.validation.labels import LABEL_ERROR, label_field
from providers.registry import PROVIDERS


def column(model, name: str) -> int:
    return model._meta.get_field(name).max_length


def test_the_label_limit_and_its_message_are_the_columns():
    limit = column(VendorAccount, "label")
    assert label_field().max_length == limit
    assert f"1 to {limit} characters" in LABEL_ERROR
    assert clean_label("a" * limit) == "a" * limit
    with pytest.raises(services.ServiceError) as refused:
        clean_label("a" * (limit + 1))
    assert refused.value.field_errors == {"label": LABEL_ERROR}


@pytest.mark.parametrize("form_class", [AccountBasicsForm, AccountReplaceForm])
def test_the_account_forms_limit_what_the_columns_hold(form_class, db):
    options = {"teams": Team.objects.none()} if form_class is AccountBasicsForm else {}
    form = form_class(provider=PROVIDERS["r4"], **options)
    limit = column(VendorAccount, "base_url")
    assert form.fields["base_url"].max_length == limit
    assert form["base_url"].as_widget().count(f'maxlength="{limit}"') == 1
    if "label" in form.fields:
        assert form.fields["label"].max_length == column(VendorAccount, "label")
        assert f'maxlength="{column(VendorAccount, "label")}"' in form["label"].as_widget()


def test_a_member_to_add_is_looked_up_within_the_longest_user_column(db):
    user_model = get_user_model()
    assert _username_or_email_max() == max(
        column(user_model, "username"), column(user_model, "email")
    )
