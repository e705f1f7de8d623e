from django import forms
from django.utils.translation import gettext_lazy as _

from .actions import MAX_COPIES_AT_ONCE
from .models import Category, Copy

CODE_WIDGET = forms.TextInput(
    attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false", "placeholder": "A2B3C4"}
)


class CodeForm(forms.Form):
    code = forms.CharField(label=_("Code on the label"), max_length=300, widget=CODE_WIDGET)


class LendForm(forms.Form):
    code = forms.CharField(label=_("Code on the label"), max_length=300, widget=CODE_WIDGET)
    borrower = forms.IntegerField(label=_("Borrower"), error_messages={"required": _("Find the borrower and choose them.")})


class BookForm(forms.Form):
    isbn = forms.CharField(label=_("ISBN"), max_length=40, required=False, help_text=_("10 or 13 digits, as printed or scanned"))
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    author = forms.CharField(label=_("Author"), max_length=120, required=False)
    publisher = forms.CharField(label=_("Publisher"), max_length=120, required=False)
    year = forms.IntegerField(label=_("Year published"), required=False)
    category = forms.ChoiceField(label=_("Category"), choices=[("", "—"), *Category.choices], required=False)
    notes = forms.CharField(label=_("Notes"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))


class NewBookForm(BookForm):
    copies = forms.IntegerField(label=_("Copies"), min_value=1, max_value=MAX_COPIES_AT_ONCE, initial=1)
    shelf = forms.CharField(label=_("Shelf"), max_length=40, required=False)


class CopiesForm(forms.Form):
    count = forms.IntegerField(label=_("Copies"), min_value=1, max_value=MAX_COPIES_AT_ONCE, initial=1)
    shelf = forms.CharField(label=_("Shelf"), max_length=40, required=False)


class CopyStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Mark as"), choices=Copy.Status.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)


class DonationForm(forms.Form):
    donor = forms.IntegerField(label=_("Registered donor"), required=False, widget=forms.HiddenInput)
    donor_name = forms.CharField(
        label=_("Or the donor's name"), max_length=60, required=False, help_text=_("Leave both empty for an anonymous gift.")
    )
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2}))
    shelf = forms.CharField(label=_("Shelf"), max_length=40, required=False)


class DonatedBookForm(forms.Form):
    isbn = forms.CharField(label=_("ISBN"), max_length=40, required=False)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    author = forms.CharField(label=_("Author"), max_length=120, required=False)
    copies = forms.IntegerField(label=_("Copies"), min_value=1, max_value=MAX_COPIES_AT_ONCE, initial=1, required=False)

    def is_blank(self) -> bool:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not (data.get("isbn") or data.get("title") or data.get("author"))


DonatedBookFormSet = forms.formset_factory(DonatedBookForm, extra=5, max_num=30, validate_max=True)
