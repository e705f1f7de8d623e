import re

from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import Invitee
from .models import DECISION_STATUSES, NOTE_REQUIRED, STAKEHOLDER_ORGANISATIONS, Format, Source, Stakeholder, Status
from .queries import residents_by_mobile

MOBILE = re.compile(r"^1\d{10}$")
# A form posted without the version it was read at (an old page, a hand-made request).
STALE = {
    "required": _("This page was out of date. Please look at the topic again and retry."),
    "invalid": _("This page was out of date. Please look at the topic again and retry."),
}


class TopicFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), required=False, choices=[("", _("all"))] + list(Status.choices))


class TopicForm(forms.Form):
    """Raising a topic; ``sources`` are the ways the user may raise it here (a resident's proposal,
    a staff topic), the first the default."""

    title = forms.CharField(label=_("Title"), max_length=120, error_messages={"required": _("Please give the topic a title.")})
    description = forms.CharField(
        label=_("What should be discussed, and why?"),
        max_length=4000,
        error_messages={"required": _("Please describe the topic.")},
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    source = forms.ChoiceField(label=_("Raise it as"), required=False, widget=forms.RadioSelect)

    def __init__(self, *args, sources: list[str], **kwargs):
        super().__init__(*args, **kwargs)
        self.sources = sources
        self.fields["source"].choices = [(s, Source(s).label) for s in sources]
        self.fields["source"].initial = sources[0]

    def clean_source(self) -> str:
        return self.cleaned_data.get("source") or self.sources[0]


class EndorseForm(forms.Form):
    """No fields: carries the action's refusal to the page."""


class DecideForm(forms.Form):
    """Take a collecting topic up (the form of consultation and who takes part) or decline it (with the
    reason). Organisations each get a role select (``org_<id>``); residents are ticked from the proposer
    and endorsers, or named by mobile number."""

    decision = forms.ChoiceField(choices=[("take_up", _("Take up")), ("decline", _("Decline"))])
    format = forms.ChoiceField(label=_("Form of consultation"), required=False)
    planned_for = forms.DateTimeField(
        label=_("Planned for (optional)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    participants = forms.MultipleChoiceField(
        label=_("Residents taking part"), required=False, widget=forms.CheckboxSelectMultiple
    )
    mobiles = forms.CharField(
        label=_("Other residents taking part, by mobile number"),
        required=False,
        max_length=600,
        help_text=_("Separate numbers with spaces or commas."),
    )
    reason = forms.CharField(
        label=_("Reason (needed when declining)"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE)

    def __init__(self, *args, topic, organisations, residents, **kwargs):
        super().__init__(*args, **kwargs)
        self.topic = topic
        self.organisations = {str(o.pk): o for o in organisations}
        self.residents = {str(p.pk): p for p in residents}
        self.fields["format"].choices = [("", _("Choose…"))] + list(Format.choices)
        self.fields["participants"].choices = [(pk, p.name) for pk, p in self.residents.items()]
        for pk, org in self.organisations.items():
            roles = [r for r in Stakeholder.values if org.kind in STAKEHOLDER_ORGANISATIONS[r]]
            self.fields[f"org_{pk}"] = forms.ChoiceField(
                label=org.name,
                required=False,
                choices=[("", _("not taking part"))] + [(r, Stakeholder(r).label) for r in roles],
            )

    def organisation_fields(self):
        return [self[f"org_{pk}"] for pk in self.organisations]

    def clean_mobiles(self) -> list[str]:
        numbers = [n for n in re.split(r"[\s,，、;；]+", self.cleaned_data.get("mobiles", "")) if n]
        wrong = [n for n in numbers if not MOBILE.match(n)]
        if wrong:
            raise forms.ValidationError(_("Not a mobile number: %(n)s.") % {"n": ", ".join(wrong)})
        return list(dict.fromkeys(numbers))

    def clean(self):
        data = super().clean()
        found = residents_by_mobile(self.topic, data.get("mobiles") or [])
        missing = [n for n in data.get("mobiles") or [] if n not in found]
        if missing:
            self.add_error("mobiles", _("No resident of this community has the mobile number %(n)s.") % {"n": ", ".join(missing)})
        self.found_by_mobile = list(found.values())
        return data

    def invitees(self) -> list[Invitee]:
        data = self.cleaned_data
        chosen: list[Invitee] = []
        for pk, org in self.organisations.items():
            if data.get(f"org_{pk}"):
                chosen.append(Invitee(role=data[f"org_{pk}"], organisation=org))
        people = {p.pk: p for p in [self.residents[pk] for pk in data["participants"]] + self.found_by_mobile}
        chosen += [Invitee(role=Stakeholder.RESIDENT, person=p) for p in people.values()]
        return chosen


class AdvanceForm(forms.Form):
    """One step along the procedure; the note is required for some steps (the action says which)."""

    to_status = forms.ChoiceField(label=_("Next step"))
    note = forms.CharField(label=_("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))
    version = forms.IntegerField(widget=forms.HiddenInput, error_messages=STALE)

    def __init__(self, *args, topic, **kwargs):
        super().__init__(*args, **kwargs)
        self.steps = [s for s in topic.next_statuses if s not in DECISION_STATUSES]
        self.fields["to_status"].choices = [(s, Status(s).label) for s in self.steps]
        self.needs_note = [Status(s).label for s in self.steps if s in NOTE_REQUIRED]


class FromCaseForm(forms.Form):
    title = forms.CharField(label=_("Title (optional)"), required=False, max_length=120)
    description = forms.CharField(
        label=_("Description (optional)"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class SettingsForm(forms.Form):
    threshold_households = forms.IntegerField(
        label=_("Threshold: number of households"),
        required=False,
        min_value=1,
        max_value=100000,
    )
    threshold_per_mille = forms.IntegerField(
        label=_("Threshold: share of the community's households (‰)"), required=False, min_value=1, max_value=1000
    )
    outcome_notice_days = forms.IntegerField(label=_("Outcome published for comments (days)"), min_value=1, max_value=365)
