"""Finding what a row means: people by mobile or ID number, places by their names or path, units and
household members by building. Cached for one import run."""

import contextlib
import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from core import crypto
from places.models import Place, Unit

from .. import policy
from ..models import HouseholdMember, Ownership, Person, pinyin_keys
from ..validators import normalise_id_number, normalise_mobile
from .cells import _Row
from .reading import Book, Sheet
from .report import ImportReport, SheetReport
from .vocabulary import COMMUNITY_KINDS, _choice_index


@dataclass
class _Pending:
    """A people-sheet row without mobile or ID number: placed by the households sheet."""

    row: int
    name: str
    birth_year: int | None
    migratory: bool | None
    person: Person | None = None
    row_obj: _Row | None = None


class _Lookups:
    """The state of one import run and its look-ups; ``importing._Run`` adds the handler of each sheet."""

    def __init__(self, user, report: ImportReport, book: Book):
        self.user, self.report, self.book = user, report, book
        self.by_mobile: dict[str, Person] = {}
        self.by_id_hash: dict[str, Person] = {}
        self.mobiles: dict[str, str | None] = {}  # cell text → normalised (None when invalid)
        self.named: dict[str, list[Person]] = {}  # people-sheet persons by name
        self.pending: dict[str, _Pending] = {}
        self.new_people: list[Person] = []
        # New rows are inserted in batches (bulk_create skips save(): paths and pinyin are set here).
        self.batch: dict[type, list] = {Person: [], Unit: [], HouseholdMember: [], Ownership: []}
        self.places: dict[tuple, tuple[Place | None, str, str]] = {}
        self.units: dict[int, dict[str, Unit]] = {}
        self.members: dict[int, dict[tuple[int, int], HouseholdMember]] = {}
        self.by_unit_name: dict[int, dict[tuple[int, str], list[Person]]] = {}
        self.ownerships: dict[int, dict[tuple[int, int], Ownership]] = {}
        self.owned_units: dict[int, tuple[Sheet, SheetReport, int, str]] = {}
        self.seen: dict[tuple, int] = {}
        self._choices: dict[str, dict] = {}

    def choice_index(self, key: str) -> dict:
        if key not in self._choices:
            self._choices[key] = _choice_index(key)
        return self._choices[key]

    def may_manage(self, path: str) -> bool:
        return policy.can_manage_people(self.user, path)

    def duplicate(self, row: _Row, key: tuple, message: str, column: str) -> bool:
        first = self.seen.setdefault(key, row.number)
        if first != row.number:
            row.fail(message % {"row": first}, column)
            return True
        return False

    # people look-ups ------------------------------------------------------------------------
    def mobile(self, text: str) -> str:
        if text not in self.mobiles:
            try:
                self.mobiles[text] = normalise_mobile(text)
            except ValidationError:
                self.mobiles[text] = None
        value = self.mobiles[text]
        if value is None:
            if "*" in text:
                raise ValidationError(
                    _("“%(value)s” is a masked mobile number: import a roster exported with full numbers.") % {"value": text}
                )
            raise ValidationError(_("“%(value)s” is not a valid mainland mobile number.") % {"value": text})
        return value

    def prefetch_people(self) -> None:
        mobiles, hashes = set(), set()
        for sheet in self.book.sheets:
            for _number, values in sheet.rows:
                if values.get("mobile"):
                    with contextlib.suppress(ValidationError):
                        mobiles.add(self.mobile(values["mobile"]))
                if values.get("id_number"):
                    with contextlib.suppress(ValidationError):
                        hashes.add(crypto.lookup_hash(normalise_id_number(values["id_number"])))
        for field_name, wanted, target in (("mobile", mobiles, self.by_mobile), ("id_number_hash", hashes, self.by_id_hash)):
            wanted = sorted(wanted)
            for i in range(0, len(wanted), 500):
                for person in Person.objects.filter(**{f"{field_name}__in": wanted[i : i + 500]}):
                    target[getattr(person, field_name)] = person

    def may_edit_person(self, person: Person) -> bool:
        paths = policy.person_paths(person)
        return not paths or any(self.may_manage(p) for p in paths)

    def create_person(
        self,
        *,
        name: str,
        mobile: str | None = None,
        id_number: str | None = None,
        birth_year: int | None = None,
        migratory: bool | None = None,
        later: bool = False,
    ) -> Person:
        """A new person who does not sign in yet; ``later`` waits for the batch insert at the end of
        the sheet (only for persons no later row of the same sheet needs a primary key for)."""
        person = Person(name=name, mobile=mobile or None, birth_year=birth_year, migratory=bool(migratory))
        person.set_unusable_password()
        person.set_id_number(id_number)
        if later:
            person.name_pinyin, person.name_initials = pinyin_keys(name)
            self.batch[Person].append(person)
        else:
            person.save()
        self.new_people.append(person)
        if person.mobile:
            self.by_mobile[person.mobile] = person
        if person.id_number_hash:
            self.by_id_hash[person.id_number_hash] = person
        return person

    # place look-ups -------------------------------------------------------------------------
    def pick(self, kinds, name: str, under: Place | None, *, direct: bool = False) -> Place | str | None:
        """The one place of these kinds with this name under ``under``; "many" if ambiguous."""
        qs = Place.objects.filter(kind__in=kinds, name=name)
        if under is not None:
            qs = qs.filter(parent=under) if direct else qs.filter(path__startswith=under.path)
        found = list(qs[:20])
        if len(found) > 1:
            found = [p for p in found if self.may_manage(p.path)] or found
        return found[0] if len(found) == 1 else ("many" if found else None)

    def _walk(self, levels: list[tuple[str, tuple, str]], *, direct: bool = False) -> tuple[Place | None, str, str]:
        unknown = {
            "community": _("Unknown community “%(name)s”."),
            "compound": _("Unknown compound “%(name)s”."),
            "street": _("Unknown street “%(name)s”."),
            "lane": _("Unknown lane “%(name)s”."),
            "building": _("Unknown building “%(name)s”."),
            "place": _("Unknown place “%(name)s”."),
        }
        under = None
        for column, kinds, name in levels:
            if not name:
                continue
            found = self.pick(kinds, name, under, direct=direct and under is not None)
            if found is None:
                return None, unknown[column] % {"name": name}, column
            if found == "many":
                return (
                    None,
                    _(
                        "There are several places called “%(name)s”: "
                        "fill in the community and compound columns to tell them apart."
                    )
                    % {"name": name},
                    column,
                )
            under = found
        return under, "", ""

    def locate_building(self, row: _Row) -> Place | None:
        text = row.text("building")
        if not text:
            row.fail(_("This cell is empty."), "building")
            return None
        if "/" in text or "／" in text:
            place = self.locate_path(row, "building")
            if place is not None and place.kind != Place.Kind.BUILDING:
                row.fail(_("“%(name)s” is not a building.") % {"name": text}, "building")
                return None
            return place
        names = tuple(row.text(k) for k in ("community", "compound", "street", "lane"))
        key = ("building", names, text)
        if key not in self.places:
            levels = [
                ("community", COMMUNITY_KINDS, names[0]),
                ("compound", (Place.Kind.COMPOUND,), names[1]),
                ("street", (Place.Kind.STREET,), names[2]),
                ("lane", (Place.Kind.LANE,), names[3]),
                ("building", (Place.Kind.BUILDING,), text),
            ]
            self.places[key] = self._walk(levels)
        place, message, column = self.places[key]
        if place is None:
            row.fail(message, column)
        return place

    def locate_path(self, row: _Row, column: str) -> Place | None:
        """A place written as names from the community (or sub-district) down: 灯湖社区/水岸公馆/1栋."""
        parts = tuple(p.strip() for p in re.split(r"[/／]", row.text(column)) if p.strip())
        key = ("path", parts)
        if key not in self.places:
            top = (Place.Kind.SUBDISTRICT, *COMMUNITY_KINDS)
            all_kinds = tuple(Place.Kind.values)
            levels = [("place", top if i == 0 else all_kinds, name) for i, name in enumerate(parts)]
            place, message, _col = self._walk(levels, direct=True) if parts else (None, _("This cell is empty."), "")
            self.places[key] = (place, message, column)
        place, message, column = self.places[key]
        if place is None:
            row.fail(message, column)
        return place

    def unit_index(self, building: Place) -> dict[str, Unit]:
        if building.pk not in self.units:
            units = {}
            for unit in Unit.objects.filter(building=building):
                unit.building = building
                units[unit.label] = unit
            self.units[building.pk] = units
        return self.units[building.pk]

    def load_members(self, building: Place) -> None:
        if building.pk in self.members:
            return
        members, by_name = {}, {}
        for hm in HouseholdMember.objects.filter(unit__building=building).select_related("person"):
            members[(hm.unit_id, hm.person_id)] = hm
            by_name.setdefault((hm.unit_id, hm.person.name), []).append(hm.person)
        self.members[building.pk], self.by_unit_name[building.pk] = members, by_name
        self.ownerships[building.pk] = {(o.unit_id, o.person_id): o for o in Ownership.objects.filter(unit__building=building)}
