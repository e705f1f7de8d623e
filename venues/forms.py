from datetime import datetime, time, timedelta

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import Weekday

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
TIME = forms.TimeInput(attrs={"type": "time", "step": 300}, format="%H:%M")


class BookingForm(forms.Form):
    """Most bookings are a few hours on one day: a day and two times, easy on a phone. An end at 00:00 is
    midnight at the end of the day."""

    room = forms.ChoiceField(label=_("Room"))
    day = forms.DateField(label=_("Day"), widget=DATE)
    starts_at = forms.TimeField(label=_("From"), widget=TIME)
    ends_at = forms.TimeField(label=_("Until"), widget=TIME)
    title = forms.CharField(label=_("Title"), max_length=120)
    expected_attendees = forms.IntegerField(label=_("Expected attendees"), min_value=1, max_value=100000)
    description = forms.CharField(label=_("Purpose"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))
    organisation = forms.ChoiceField(label=_("Booking for"), required=False)

    def __init__(self, *args, rooms, organisations, for_self: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.rooms = {str(r.pk): r for r in rooms}
        self.organisations = {str(o.pk): o for o in organisations}
        self.fields["room"].choices = [
            (pk, f"{r.name}" + (f" · {r.capacity}" if r.capacity else "")) for pk, r in self.rooms.items()
        ]
        choices = [("", _("Myself"))] if for_self else []
        self.fields["organisation"].choices = choices + [(pk, o.name) for pk, o in self.organisations.items()]
        self.fields["organisation"].required = not for_self

    def clean(self):
        data = super().clean()
        day, starts, ends = data.get("day"), data.get("starts_at"), data.get("ends_at")
        if day and starts is not None and ends is not None:
            begin = timezone.make_aware(datetime.combine(day, starts))
            end_day = day + timedelta(days=1) if ends == time(0) and starts != time(0) else day
            data["start"] = begin
            data["end"] = timezone.make_aware(datetime.combine(end_day, ends))
        return data

    @property
    def chosen_room(self):
        return self.rooms.get(self.cleaned_data.get("room", ""))

    @property
    def chosen_organisation(self):
        return self.organisations.get(self.cleaned_data.get("organisation") or "")


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note to the requester"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason for cancelling"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)


class KeeperForm(forms.Form):
    mobile = forms.CharField(label=_("Mobile number of the new keeper"), max_length=20)


class HoursForm(forms.Form):
    """One line per weekday: "09:00-12:00, 14:30-21:30"; empty is closed that day. All seven empty: open at
    any time."""

    def __init__(self, *args, room=None, **kwargs):
        initial = kwargs.pop("initial", None) or {}
        if room is not None:
            for weekday, spans in rules.by_day(room.hours.all()).items():
                initial[f"day_{weekday}"] = ", ".join(f"{o:%H:%M}-{c:%H:%M}" for o, c in spans)
        super().__init__(*args, initial=initial, **kwargs)
        for value, label in Weekday.choices:
            self.fields[f"day_{value}"] = forms.CharField(
                label=label,
                max_length=200,
                required=False,
                widget=forms.TextInput(attrs={"placeholder": "09:00-12:00, 14:30-21:30"}),
            )

    def clean(self):
        data = super().clean()
        spans = []
        for value, _label in Weekday.choices:
            try:
                day = rules.parse_day(data.get(f"day_{value}", ""))
            except ValueError as exc:
                self.add_error(f"day_{value}", str(exc))
                continue
            spans += [rules.Span(value, o, c) for o, c in day]
        data["spans"] = spans
        return data
