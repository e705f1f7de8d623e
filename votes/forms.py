"""Forms of the owners' vote pages. They check what was typed; the actions (``votes.actions``) decide
whether it may be done, and their refusals are shown on these forms (``core.pages.run_action``)."""

import re

from django import forms
from django.core.validators import FileExtensionValidator
from django.utils.translation import gettext_lazy as _

from people.models import Person
from people.validators import normalise_mobile

from .models import ITEM_NUMBER, SPECIAL_ITEMS, Choice, Item, Voter

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DOCUMENT_TYPES = ["pdf", "jpg", "jpeg", "png", "webp"]
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# A form posted without the version it was read at (an old page, a hand-made request).
STALE = {
    "required": _("This page was out of date. Please look at the vote again and retry."),
    "invalid": _("This page was out of date. Please look at the vote again and retry."),
}


def item_choices() -> list[tuple[str, str]]:
    """The nine items of Civil Code Art 278(1), numbered as in the article, the special ones marked."""
    return [(item.value, f"{ITEM_NUMBER[item]}. {item.label}" + (" (3/4)" if item in SPECIAL_ITEMS else "")) for item in Item]


def _document(value) -> None:
    if value and value.size > MAX_DOCUMENT_BYTES:
        raise forms.ValidationError(_("A document can be at most 20 MB."))


class MatterForm(forms.Form):
    """A new vote: whose owners decide (the compound, or one building in it), which matter of Art 278, the window."""

    scope = forms.ChoiceField(label=_("Owners of"))
    item = forms.ChoiceField(label=_("Kind of matter (Civil Code Art. 278)"))
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=8000, widget=forms.Textarea(attrs={"rows": 6}))
    opens_at = forms.DateTimeField(label=_("Voting opens"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=_("Voting closes"), widget=DATETIME)
    secret = forms.BooleanField(label=_("Secret ballot: nobody, staff included, sees how anyone voted"), required=False)
    topic = forms.ChoiceField(label=_("From the consultation topic (optional)"), required=False)

    def __init__(self, *args, places, topics, **kwargs):
        super().__init__(*args, **kwargs)
        self.places = {str(p.pk): p for p in places}
        self.topics = {str(t.pk): t for t in topics}
        self.fields["scope"].choices = [(pk, p.name) for pk, p in self.places.items()]
        self.fields["item"].choices = item_choices()
        self.fields["topic"].choices = [("", "—")] + [(pk, f"#{pk} {t.title}") for pk, t in self.topics.items()]

    def clean_scope(self):
        return self.places[self.cleaned_data["scope"]]

    def clean_topic(self):
        return self.topics.get(self.cleaned_data.get("topic") or "")


class MatterEditForm(forms.Form):
    """A draft's text, kind, window and secrecy (fixed once the notice is out)."""

    item = forms.ChoiceField(label=_("Kind of matter (Civil Code Art. 278)"))
    title = forms.CharField(label=_("Title"), max_length=120)
    description = forms.CharField(label=_("Description"), max_length=8000, widget=forms.Textarea(attrs={"rows": 6}))
    opens_at = forms.DateTimeField(label=_("Voting opens"), widget=DATETIME)
    closes_at = forms.DateTimeField(label=_("Voting closes"), widget=DATETIME)
    secret = forms.BooleanField(label=_("Secret ballot: nobody, staff included, sees how anyone voted"), required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "edit_%s")
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = item_choices()


class StepForm(forms.Form):
    """One step of the procedure: publish the notice, open, close, publish the result, cancel (with the reason)."""

    OPS = ("notice", "open", "close", "publish", "cancel")
    op = forms.ChoiceField(choices=[(op, op) for op in OPS])
    reason = forms.CharField(
        label=_("Reason for cancelling"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "step_%s")
        super().__init__(*args, **kwargs)


class DocumentForm(forms.Form):
    title = forms.CharField(label=_("Document title"), max_length=120)
    file = forms.FileField(
        label=_("File (PDF or image)"),
        validators=[FileExtensionValidator(DOCUMENT_TYPES), _document],
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "doc_%s")
        super().__init__(*args, **kwargs)


class CastForm(forms.Form):
    """An owner's ballot for one of the voters they cast for."""

    voter = forms.TypedChoiceField(coerce=int)
    choice = forms.ChoiceField(choices=Choice.choices, error_messages={"required": _("Choose agree, disagree or abstain.")})

    def __init__(self, *args, voters, **kwargs):
        super().__init__(*args, **kwargs)
        self.voters = {v.pk: v for v in voters}
        self.fields["voter"].choices = [(v.pk, v.label) for v in voters]

    def clean_voter(self) -> Voter:
        return self.voters[self.cleaned_data["voter"]]


class DesignateForm(forms.Form):
    """The co-owner who casts the ballot of co-owned units."""

    voter = forms.TypedChoiceField(coerce=int)
    person = forms.TypedChoiceField(label=_("Co-owner who votes"), coerce=int)

    def __init__(self, *args, voters, **kwargs):
        super().__init__(*args, **kwargs)
        self.voters = {v.pk: v for v in voters}
        self.fields["voter"].choices = [(v.pk, v.label) for v in voters]
        self.fields["person"].choices = [(m.person_id, m.person.name) for v in voters for m in v.members.all()]

    def clean(self):
        data = super().clean()
        voter, person = self.voters.get(data.get("voter")), data.get("person")
        if voter is not None and person is not None:
            member = next((m for m in voter.members.all() if m.person_id == person), None)
            if member is None:
                self.add_error("person", _("Only one of the co-owners can be designated."))
            else:
                data["voter"], data["person"] = voter, member.person
        return data


class VoterField(forms.CharField):
    """A voter of the roll, typed as "#<id>" or as (part of) its units' label, e.g. "1栋 101"."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 200)
        kwargs.setdefault("label", _("Voter: unit (e.g. 1栋 101) or #number on the roll"))
        super().__init__(**kwargs)


def find_voter(matter, text: str) -> Voter:
    text = text.strip()
    found = re.fullmatch(r"#?\s*(\d+)", text)
    voters = Voter.objects.filter(matter=matter)
    if text.startswith("#") and found:
        matches = list(voters.filter(pk=int(found.group(1)))[:2])
    else:
        matches = list(voters.filter(label__icontains=text)[:6]) if text else []
        exact = [v for v in matches if v.label == text]
        matches = exact or matches
        if not matches and found:
            matches = list(voters.filter(pk=int(found.group(1)))[:2])
    if not matches:
        raise forms.ValidationError(_("No voter on the roll matches “%(text)s”.") % {"text": text})
    if len(matches) > 1:
        raise forms.ValidationError(
            _("Several voters match: %(labels)s. Type more of the unit, or the #number from the roll.")
            % {"labels": "; ".join(f"#{v.pk} {v.label}" for v in matches[:5])}
        )
    return matches[0]


class PaperForm(forms.Form):
    """One typing of a signed paper ballot; a second person types it again to check it."""

    voter = VoterField()
    sheet = forms.CharField(label=_("Sheet number"), max_length=30)
    choice = forms.ChoiceField(
        label=_("Choice on the sheet"),
        choices=Choice.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose agree, disagree or abstain.")},
    )

    def __init__(self, *args, matter, **kwargs):
        kwargs.setdefault("auto_id", "paper_%s")
        super().__init__(*args, **kwargs)
        self.matter = matter

    def clean_voter(self) -> Voter:
        return find_voter(self.matter, self.cleaned_data["voter"])


class ProxyForm(forms.Form):
    """A written proxy: who holds it (by mobile number) and the signed authorisation."""

    voter = VoterField()
    mobile = forms.CharField(label=_("Proxy's mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))
    document = forms.FileField(
        label=_("Signed written authorisation (PDF or image)"),
        validators=[FileExtensionValidator(DOCUMENT_TYPES), _document],
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,image/jpeg,image/png,image/webp"}),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=200)

    def __init__(self, *args, matter, can_name, **kwargs):
        kwargs.setdefault("auto_id", "proxy_%s")
        super().__init__(*args, **kwargs)
        self.matter = matter
        self.can_name = can_name

    def clean_voter(self) -> Voter:
        return find_voter(self.matter, self.cleaned_data["voter"])

    def clean_mobile(self) -> Person:
        mobile = normalise_mobile(self.cleaned_data["mobile"])
        person = Person.objects.filter(mobile=mobile, is_active=True).first()
        if person is None or not self.can_name(person):
            raise forms.ValidationError(_("Nobody with that mobile number can be named as a proxy here."))
        return person


class RollFilterForm(forms.Form):
    q = forms.CharField(label=_("Search: unit or owner"), required=False, max_length=100)
    voted = forms.ChoiceField(
        label=_("Show"),
        required=False,
        choices=[("", _("everyone")), ("yes", _("voted")), ("no", _("not voted yet"))],
    )


class SilentConsentForm(forms.Form):
    clause = forms.CharField(
        label=_("The clause of the management covenant, word for word"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )
    adopted_on = forms.DateField(label=_("Adopted on"), widget=forms.DateInput(attrs={"type": "date"}))


class UseChangeForm(forms.Form):
    unit = forms.TypedChoiceField(label=_("Which of your homes"), coerce=int)
    purpose = forms.CharField(
        label=_("What business would it be used for?"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, units, **kwargs):
        super().__init__(*args, **kwargs)
        self.units = {u.pk: u for u in units}
        self.fields["unit"].choices = [(u.pk, str(u)) for u in units]

    def clean_unit(self):
        return self.units[self.cleaned_data["unit"]]


class AnswerForm(forms.Form):
    answer = forms.ChoiceField(choices=[("consent", _("I consent")), ("refuse", _("I refuse"))])


class InterestedOwnerForm(forms.Form):
    mobile = forms.CharField(
        label=_("Owner elsewhere who showed an adverse effect: mobile number"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args, can_name, **kwargs):
        super().__init__(*args, **kwargs)
        self.can_name = can_name

    def clean_mobile(self) -> Person:
        mobile = normalise_mobile(self.cleaned_data["mobile"])
        person = Person.objects.filter(mobile=mobile, is_active=True).first()
        if person is None or not self.can_name(person):
            raise forms.ValidationError(_("Nobody with that mobile number can be added here."))
        return person


class SetAsideForm(forms.Form):
    reason = forms.CharField(label=_("Why is this typing set aside?"), max_length=200)


class PaperConsentsForm(forms.Form):
    document = forms.FileField(label=_("Signed consents of the owners not recorded (PDF or photo)"))


class EmptyForm(forms.Form):
    """No fields: carries an action's refusal to the page."""
