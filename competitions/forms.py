from django import forms
from django.utils.translation import gettext_lazy as _

from people.models import Person
from people.validators import normalise_mobile

from .models import Entrant, Format
from .rules import Sport


def _choices(rows, label=str) -> list[tuple[str, str]]:
    return [(str(r.pk), label(r)) for r in rows]


class HeaderForm(forms.Form):
    """Name, year, organiser and scope: what a tournament and a contest both have."""

    name = forms.CharField(label=_("Name"), max_length=120)
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    organiser = forms.ChoiceField(label=_("Organiser"))
    scope = forms.ChoiceField(label=_("For"), help_text=_("The sub-district, or one community"))

    def __init__(self, *args, organisers=(), scopes=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisers = {str(o.pk): o for o in organisers}
        self.scopes = {str(p.pk): p for p in scopes}
        self.fields["organiser"].choices = _choices(organisers, lambda o: f"{o.name} · {o.get_kind_display()}")
        self.fields["scope"].choices = _choices(scopes, lambda p: f"{p.name} · {p.get_kind_display()}")


class TournamentForm(HeaderForm):
    sport = forms.ChoiceField(label=_("Sport"), choices=Sport.choices)
    format = forms.ChoiceField(label=_("Format"), choices=Format.choices, initial=Format.GROUPS_KNOCKOUT)
    best_of = forms.TypedChoiceField(label=_("A match is the best of"), choices=[(3, "3"), (5, "5")], coerce=int, initial=5)
    group_count = forms.IntegerField(label=_("Groups"), min_value=1, max_value=16, initial=2)
    advance_per_group = forms.TypedChoiceField(
        label=_("Go through from each group"), choices=[(2, "2"), (1, "1")], coerce=int, initial=2
    )
    location = forms.CharField(label=_("Where"), max_length=200, required=False)
    starts_on = forms.DateField(label=_("Starts on"), required=False, widget=forms.DateInput(attrs={"type": "date"}))


class ContestForm(HeaderForm):
    description = forms.CharField(
        label=_("Description"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


def mobiles(text: str) -> list[str]:
    """Mobile numbers, one a line (or separated by commas or spaces), normalised; blank lines skipped."""
    parts = [p for line in (text or "").replace(",", "\n").replace("，", "\n").split() for p in [line.strip()] if p]
    return [normalise_mobile(p) for p in parts]


def people_by_mobile(numbers: list[str]) -> dict[str, Person]:
    return {p.mobile: p for p in Person.objects.filter(mobile__in=numbers, is_active=True, anonymised_at__isnull=True)}


class EntrantForm(forms.Form):
    kind = forms.ChoiceField(label=_("Entrant"), choices=Entrant.Kind.choices, initial=Entrant.Kind.TEAM)
    name = forms.CharField(label=_("Team name"), max_length=80, required=False)
    community = forms.ChoiceField(label=_("Representing"))
    mobiles = forms.CharField(
        label=_("Players' mobile numbers"),
        help_text=_("One a line. A player entered alone: just their number."),
        widget=forms.Textarea(attrs={"rows": 3, "inputmode": "tel"}),
    )
    seed = forms.IntegerField(label=_("Seed"), min_value=1, max_value=128, required=False)

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.communities = {str(c.pk): c for c in communities}
        self.fields["community"].choices = _choices(communities)


class ResultForm(forms.Form):
    """Up to five games as two numbers each (side A first); or a walkover."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, best_of: int = 5, **kwargs):
        super().__init__(*args, **kwargs)
        self.best_of = best_of
        for n in range(1, best_of + 1):
            attrs = {"inputmode": "numeric", "min": 0, "max": 99}
            self.fields[f"a{n}"] = forms.IntegerField(
                label=_("Game %(n)d, A") % {"n": n},
                min_value=0,
                max_value=99,
                required=False,
                widget=forms.NumberInput(attrs=attrs),
            )
            self.fields[f"b{n}"] = forms.IntegerField(
                label=_("Game %(n)d, B") % {"n": n},
                min_value=0,
                max_value=99,
                required=False,
                widget=forms.NumberInput(attrs=attrs),
            )

    def rows(self):
        return [(n, self[f"a{n}"], self[f"b{n}"]) for n in range(1, self.best_of + 1)]

    def games(self) -> list[list[int]]:
        """The games entered, in order; a game with one side missing is an error on the form."""
        games = []
        for n in range(1, self.best_of + 1):
            a, b = self.cleaned_data.get(f"a{n}"), self.cleaned_data.get(f"b{n}")
            if a is None and b is None:
                continue
            if a is None or b is None:
                self.add_error(f"a{n}", _("Game %(n)d: give the points of both sides.") % {"n": n})
                continue
            games.append([a, b])
        return games


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Round"), max_length=60)
    advance = forms.IntegerField(
        label=_("How many go on"), min_value=1, max_value=500, required=False, help_text=_("Leave empty for the final.")
    )


class EntryForm(forms.Form):
    title = forms.CharField(label=_("Act"), max_length=120)
    performers = forms.CharField(
        label=_("Performers"),
        max_length=300,
        required=False,
        help_text=_("The group, or performers' names as they agree to have them shown."),
    )
    community = forms.ChoiceField(label=_("Representing"))

    def __init__(self, *args, communities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.communities = {str(c.pk): c for c in communities}
        self.fields["community"].choices = _choices(communities)


class JudgeForm(forms.Form):
    mobile = forms.CharField(label=_("Judge's mobile number"), max_length=20, widget=forms.TextInput(attrs={"inputmode": "tel"}))


class ScoreSheetForm(forms.Form):
    """A judge's scores for the acts of a round: one field per act, ``score_<entry id>``."""

    def __init__(self, *args, sheet=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.acts = []
        for performance, entry, mine in sheet:
            name = f"score_{entry.pk}"
            self.fields[name] = forms.DecimalField(
                label=entry.title,
                min_value=0,
                max_value=100,
                decimal_places=1,
                max_digits=4,
                required=False,
                initial=mine,
                widget=forms.NumberInput(attrs={"step": "0.1", "inputmode": "decimal", "min": 0, "max": 100}),
            )
            self.acts.append((performance, entry, mine, self[name]))

    def values(self) -> dict[int, object]:
        return {int(name.removeprefix("score_")): v for name, v in self.cleaned_data.items() if v is not None}
