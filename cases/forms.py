from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Category, Channel, Rating, Status


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data] if data else []
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class ReportForm(forms.Form):
    category = forms.ModelChoiceField(label=_("What is the problem?"), queryset=Category.objects.none(), empty_label=_("Choose…"))
    where = forms.ChoiceField(label=_("Where?"))
    description = forms.CharField(
        label=_("Describe it"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4, "placeholder": _("What, where exactly, since when?")}),
    )
    photos = MultipleFileField(
        label=_("Photos (up to 6)"), required=False, widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"})
    )

    def __init__(self, *args, categories, places, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = Category.objects.filter(pk__in=[c.pk for c in categories])
        self.fields["category"].label_from_instance = lambda c: c.display_name
        self.fields["where"].choices = places


class OnBehalfForm(forms.Form):
    """When a leader or staff member records a problem told to them."""

    channel = forms.ChoiceField(
        label=_("How was it reported?"),
        choices=[(Channel.PHONE, Channel.PHONE.label), (Channel.IN_PERSON, Channel.IN_PERSON.label)],
    )
    contact_name = forms.CharField(label=_("Name of the person reporting"), max_length=60)
    contact_phone = forms.CharField(label=_("Their phone (to call back)"), max_length=20, required=False)


class ActionForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("accept", "start", "resolve", "reject", "merge", "confirm", "reopen")])
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    version = forms.IntegerField(widget=forms.HiddenInput)
    merge_into = forms.IntegerField(label=_("Duplicate of case no."), required=False, min_value=1)


class CommentForm(forms.Form):
    note = forms.CharField(label=_("Comment"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))
    internal = forms.BooleanField(label=_("Internal (staff only)"), required=False)


class RatingForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("How satisfied are you with the outcome?"), choices=Rating.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label=_("Comment (optional)"), max_length=300, required=False)


class InboxFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("open", _("open")), ("all", _("all"))] + list(Status.choices)
    )
    category = forms.ModelChoiceField(label=_("Category"), queryset=Category.objects.all(), required=False, empty_label=_("all"))
    building = forms.IntegerField(label=_("Place no."), required=False, widget=forms.HiddenInput)
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)
    needs_meeting = forms.BooleanField(label=_("For the joint meeting"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].label_from_instance = lambda c: c.display_name


class AssignForm(forms.Form):
    handler = forms.ModelChoiceField(label=_("Hand to"), queryset=None, empty_label=_("Choose…"))

    def __init__(self, *args, handlers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handler"].queryset = handlers
