from django import forms
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from places.models import Unit

from .models import HouseholdMember, SensitiveTag
from .validators import normalise_mobile


class MobileField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("label", _("Mobile number"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)
        self.widget.attrs.update({"inputmode": "tel", "autocomplete": "tel", "placeholder": "13800000000"})

    def clean(self, value):
        return normalise_mobile(super().clean(value))


class PasswordSignInForm(forms.Form):
    mobile = MobileField()
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))


class CodeRequestForm(forms.Form):
    mobile = MobileField()


class CodeSignInForm(forms.Form):
    mobile = MobileField()
    code = forms.RegexField(
        label=_("Code"),
        regex=r"^\d{6}$",
        error_messages={"invalid": _("The code has 6 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class RegisterForm(forms.Form):
    name = forms.CharField(label=pgettext_lazy("person", "Name"), max_length=60)
    mobile = MobileField()
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    agree = forms.BooleanField(label=_("I have read the privacy notice and agree to my data being used for community services."))

    def clean_password(self):
        password = self.cleaned_data["password"]
        password_validation.validate_password(password)
        return password


class JoinForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Unit"), queryset=Unit.objects.none())
    relation = forms.ChoiceField(label=_("I am the unit's"), choices=HouseholdMember.Relation.choices)
    message = forms.CharField(label=_("Message to the building leader"), max_length=200, required=False)

    def __init__(self, *args, building, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(building=building).order_by("label")


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            raise ValidationError({"reason": _("Please give a reason for the rejection.")})
        return data


class RevealForm(forms.Form):
    field = forms.ChoiceField(choices=[("mobile", _("Mobile number")), ("id_number", _("ID number"))])
    reason = forms.CharField(label=_("Why do you need the full number?"), max_length=200)


class SensitiveTagForm(forms.Form):
    unit = forms.ModelChoiceField(label=_("Household"), queryset=Unit.objects.none())
    kind = forms.ChoiceField(label=_("Kind"), choices=SensitiveTag.Kind.choices)
    basis = forms.ChoiceField(label=_("Legal basis"), choices=SensitiveTag.Basis.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, person, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.filter(members__person=person)


class DirectorySearchForm(forms.Form):
    q = forms.CharField(label=_("Search by name, pinyin or initials"), max_length=30, required=False)
