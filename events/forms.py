"""Forms for the event and club pages. They check the shape of what was typed; the rules (times, seats,
who may) are the actions', whose refusals ``core.pages.run_action`` puts on the same fields."""

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Club, Event

DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
ROLE_ROWS = 3


class EventForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Event.Kind.choices, initial=Event.Kind.FESTIVAL)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME)
    room = forms.ChoiceField(label=_("Room"), required=False)
    location = forms.CharField(label=_("Or another place"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1)
    audience = forms.ChoiceField(label=_("Open to"), choices=Event.Audience.choices, initial=Event.Audience.COMMUNITY)
    audience_place = forms.ChoiceField(label=_("Compound (when open to a compound)"), required=False)
    club = forms.ChoiceField(label=_("Club (the event is the club's; when open to its members)"), required=False)
    signup_opens_at = forms.DateTimeField(
        label=_("Sign-up opens"), required=False, widget=DATETIME, help_text=_("Empty: at once.")
    )
    signup_closes_at = forms.DateTimeField(
        label=_("Sign-up closes"), required=False, widget=DATETIME, help_text=_("Empty: when the event starts.")
    )

    def __init__(self, *args, rooms=(), compounds=(), clubs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].choices = [("", "—"), *[(str(r.pk), str(r)) for r in rooms]]
        self.fields["audience_place"].choices = [("", "—"), *[(str(p.pk), p.name) for p in compounds]]
        self.fields["club"].choices = [("", "—"), *[(str(c.pk), c.organisation.name) for c in clubs]]
        for i in range(ROLE_ROWS):
            self.fields[f"role_name_{i}"] = forms.CharField(label=_("Volunteer role"), max_length=60, required=False)
            self.fields[f"role_places_{i}"] = forms.IntegerField(label=_("Places"), min_value=1, max_value=1000, required=False)
            self.fields[f"role_what_{i}"] = forms.CharField(label=_("What it involves"), max_length=300, required=False)

    def role_rows(self):
        return [(self[f"role_name_{i}"], self[f"role_places_{i}"], self[f"role_what_{i}"]) for i in range(ROLE_ROWS)]

    def main_fields(self):
        return [self[name] for name in self.fields if not name.startswith("role_")]

    def clean(self):
        data = super().clean()
        roles = []
        for i in range(ROLE_ROWS):
            name = (data.get(f"role_name_{i}") or "").strip()
            places = data.get(f"role_places_{i}")
            if not name and places is None:
                continue
            if not name:
                self.add_error(f"role_name_{i}", _("Name the role."))
            elif places is None:
                self.add_error(f"role_places_{i}", _("How many volunteers does this role need?"))
            else:
                roles.append((name, places, data.get(f"role_what_{i}") or ""))
        data["roles"] = roles
        return data


class EventEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Event.Kind.choices)
    description = forms.CharField(
        label=_("Description"), max_length=4000, required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    starts_at = forms.DateTimeField(label=_("Starts at"), widget=DATETIME)
    ends_at = forms.DateTimeField(label=_("Ends at"), widget=DATETIME)
    location = forms.CharField(label=_("Place"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Seats"), min_value=1)
    signup_opens_at = forms.DateTimeField(label=_("Sign-up opens"), widget=DATETIME)
    signup_closes_at = forms.DateTimeField(label=_("Sign-up closes"), widget=DATETIME)
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_event(cls, event: Event):
        initial = {name: getattr(event, name) for name in cls.base_fields if name != "version"}
        return cls(initial={**initial, "version": event.version})


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for cancelling (sent to everyone who signed up)"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class SignUpForm(forms.Form):
    role = forms.TypedChoiceField(label=_("Volunteer role"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, roles=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [("", "—"), *[(r.pk, r.name) for r in roles]]


class CheckInForm(forms.Form):
    code = forms.CharField(
        label=_("Check-in code"),
        max_length=20,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off", "autofocus": True}),
    )


class JoinForm(forms.Form):
    message = forms.CharField(
        label=_("A word to the club's leaders (optional)"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class DecideForm(forms.Form):
    approve = forms.TypedChoiceField(coerce=lambda v: v == "yes", choices=[("yes", _("approve")), ("no", _("decline"))])
    reason = forms.CharField(label=_("Reason (optional)"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PositionForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput)
    position = forms.ChoiceField(choices=[("backbone", _("backbone member")), ("member", _("member"))])


class ClubForm(forms.Form):
    activity = forms.ChoiceField(label=_("Activity"), choices=Club.Activity.choices)
    schedule = forms.CharField(
        label=_("Usually meets"), max_length=120, required=False, help_text=_("e.g. Tuesday and Thursday, 19:30")
    )
    accepting = forms.BooleanField(label=_("Takes new members"), required=False, initial=True)


class OptInForm(forms.Form):
    on = forms.TypedChoiceField(coerce=lambda v: v == "on", choices=[("on", _("on")), ("off", _("off"))])
