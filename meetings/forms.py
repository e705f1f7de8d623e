from django import forms
from django.utils.translation import gettext_lazy as _

from cases.forms import MultipleFileField, MultipleFileInput
from deliberation.models import Stakeholder
from deliberation.rules import MajorityRule, ResidentsMeetingKind
from people.models import Organisation

from .models import ActionItem, Kind

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

# The role an invited organisation takes part in, by its kind (一事一议一主体).
ROLE_OF_KIND = {
    Organisation.Kind.OWNERS_COMMITTEE: Stakeholder.OWNERS_COMMITTEE,
    Organisation.Kind.PROPERTY_COMPANY: Stakeholder.PROPERTY_COMPANY,
    Organisation.Kind.SELF_GOVERNING: Stakeholder.PROPERTY_COMPANY,
    Organisation.Kind.RESIDENTS_COMMITTEE: Stakeholder.RESIDENTS_COMMITTEE,
    Organisation.Kind.PARTY_COMMITTEE: Stakeholder.RESIDENTS_COMMITTEE,
    Organisation.Kind.PARTY_BRANCH: Stakeholder.RESIDENTS_COMMITTEE,
}


def role_for(org: Organisation) -> str:
    return ROLE_OF_KIND.get(
        org.kind, Stakeholder.SOCIAL_ORGANISATION if org.kind != Organisation.Kind.SUBDISTRICT_OFFICE else Stakeholder.EXPERT
    )


class MeetingForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of meeting"), choices=Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=120)
    purpose = forms.CharField(label=_("Purpose"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME)
    room = forms.ChoiceField(label=_("Room"), required=False)
    location = forms.CharField(label=_("Or another place"), max_length=200, required=False)
    organisations = forms.MultipleChoiceField(
        label=_("Invited organisations"), required=False, widget=forms.CheckboxSelectMultiple
    )
    topics = forms.MultipleChoiceField(label=_("Topics on the agenda"), required=False, widget=forms.CheckboxSelectMultiple)
    cases = forms.MultipleChoiceField(
        label=_("Problem reports on the agenda"), required=False, widget=forms.CheckboxSelectMultiple
    )
    speech_seconds = forms.IntegerField(label=_("Speaking time (seconds)"), initial=120, min_value=10, max_value=3600)
    speeches_per_motion = forms.IntegerField(label=_("Speeches per person per motion"), initial=2, min_value=1, max_value=20)
    majority = forms.ChoiceField(label=_("Majority rule"), choices=MajorityRule.choices, initial=MajorityRule.SIMPLE)
    abstentions_count = forms.BooleanField(label=_("Abstentions count in the base"), required=False)
    residents_meeting_kind = forms.ChoiceField(
        label=_("Residents' meeting attended by"), required=False, choices=[("", "—"), *ResidentsMeetingKind.choices]
    )
    eligible = forms.IntegerField(label=_("Entitled to attend (for the quorum)"), required=False, min_value=1)

    def __init__(self, *args, rooms, organisations, topics, cases, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [("", "—"), *[(str(r.pk), str(r)) for r in rooms]]
        self.fields["organisations"].choices = [(str(o.pk), f"{o.name} · {o.get_kind_display()}") for o in organisations]
        self.fields["topics"].choices = [(str(t.pk), f"{t.title} ({t.get_status_display()})") for t in topics]
        self.fields["cases"].choices = [(str(c.pk), f"#{c.pk} {c.category} {c.description[:40]}") for c in cases]


class AgendaForm(forms.Form):
    title = forms.CharField(label=_("Other business"), max_length=200)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))


class MinuteForm(forms.Form):
    discussion = forms.CharField(label=_("Discussion"), max_length=8000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    decision = forms.CharField(label=_("Decision"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class VoteForm(forms.Form):
    votes_for = forms.IntegerField(label=_("For"), min_value=0)
    votes_against = forms.IntegerField(label=_("Against"), min_value=0)
    votes_abstain = forms.IntegerField(label=_("Abstain"), min_value=0, initial=0)


class SummaryForm(forms.Form):
    summary = forms.CharField(label=_("Summary"), max_length=8000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class AmendmentForm(forms.Form):
    text = forms.CharField(label=_("Amendment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 2}))


class SignInForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Sign in someone else"), coerce=int, required=False)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "—"), *[(p.pk, p.name) for p in people]]


class ActionItemForm(forms.Form):
    title = forms.CharField(label=_("What is to be done"), max_length=200)
    owner = forms.ChoiceField(label=_("Owner"))
    due_on = forms.DateField(label=_("Due on"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [(str(o.pk), o.name) for o in organisations]


class ActionUpdateForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionItem.Status.choices)
    evidence = forms.CharField(
        label=_("Evidence of completion, or the reason"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = MultipleFileField(
        label=_("Photos (up to 6)"), required=False, widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
