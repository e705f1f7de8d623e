"""The import: every row of every sheet applied inside one transaction, kept only for a commit without
any error. Rows that match existing records update them; new rows are inserted in batches."""

import logging
from decimal import Decimal

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit, crypto
from core.masking import mask_mobile
from places.models import Place, Unit

from .. import actions, policy
from ..models import ConsentRecord, HouseholdMember, Organisation, Ownership, Person, Role, RoleAssignment
from .cells import _area, _birth_year, _floor, _id_number, _Row, _share, _short
from .matching import _Lookups, _Pending
from .reading import Book
from .report import ImportReport, RowError, SheetReport
from .vocabulary import BUILDINGS, COMMUNITY_KINDS, CREATE, EXAMPLES, HOUSEHOLDS, PEOPLE, ROLES, SHEETS, UNCHANGED, UNITS, UPDATE

logger = logging.getLogger("linli.spreadsheets")


class _Rollback(Exception):
    pass


# --- the import ------------------------------------------------------------------------------


class _Run(_Lookups):
    """One import run: the handler of each sheet's rows, then the checks that need every row."""

    # sheets ---------------------------------------------------------------------------------
    def buildings_row(self, row: _Row) -> None:
        names = {k: row.parse(k, _short(100)) or "" for k in ("community", "compound", "street", "lane", "building")}
        if not names["community"]:
            row.fail(_("This cell is empty."), "community")
        if not names["building"]:
            row.fail(_("This cell is empty."), "building")
        if row.failed:
            return
        key = ("parent", names["community"], names["compound"])
        if key not in self.places:
            self.places[key] = self._walk(
                [("community", COMMUNITY_KINDS, names["community"]), ("compound", (Place.Kind.COMPOUND,), names["compound"])],
                direct=True,
            )
        parent, message, column = self.places[key]
        if parent is None:
            return row.fail(message, column)
        if not self.may_manage(parent.path):
            return row.fail(
                _("“%(name)s” is outside your area.") % {"name": parent.name}, "compound" if names["compound"] else "community"
            )
        for kind in ("street", "lane"):
            if names[kind]:
                found = Place.objects.filter(parent=parent, kind=kind, name=names[kind]).first()
                if found is None:
                    found = Place.objects.create(parent=parent, kind=kind, name=names[kind])
                    self.report.extra["places_created"] += 1
                parent = found
        if self.duplicate(
            row, ("building", parent.pk, names["building"]), _("Row %(row)s already lists this building."), "building"
        ):
            return
        summary = "/".join(v for v in names.values() if v)
        if Place.objects.filter(parent=parent, kind=Place.Kind.BUILDING, name=names["building"]).exists():
            return row.done(UNCHANGED, summary)
        Place.objects.create(parent=parent, kind=Place.Kind.BUILDING, name=names["building"])
        row.done(CREATE, summary)

    def units_row(self, row: _Row) -> None:
        building = self.locate_building(row)
        label = row.parse("label", _short(40), required=True)
        values = {
            "kind": row.choice("kind"),
            "floor": row.parse("floor", _floor),
            "area": row.parse("area", _area),
            "area_source": row.choice("area_source"),
            "developer_holding": row.choice("developer_holding"),
        }
        if row.failed or building is None:
            return
        if not self.may_manage(building.path):
            return row.fail(_("“%(name)s” is outside your area.") % {"name": building.name}, "building")
        if self.duplicate(row, ("unit", building.pk, label), _("Duplicate unit: row %(row)s already lists this unit."), "label"):
            return
        unit = self.unit_index(building).get(label)
        source = values["area_source"] or (unit.area_source if unit else "")
        if (values["area"] is not None or (unit and unit.area is not None)) and not source:
            return row.fail(_("Give the area source (不动产登记, 实测 or 合同) with the area."), "area_source")
        summary = f"{building.name} {label}" + (f" · {values['area']} m²" if values["area"] is not None else "")
        if unit is None:
            fields = {k: v for k, v in values.items() if v is not None}
            unit = Unit(building=building, label=label, path=building.path, **fields)
            self.batch[Unit].append(unit)
            self.units[building.pk][label] = unit
            return row.done(CREATE, summary)
        changed = [k for k, v in values.items() if v is not None and getattr(unit, k) != v]
        for k in changed:
            setattr(unit, k, values[k])
        if changed:
            unit.save(update_fields=changed)
        row.done(UPDATE if changed else UNCHANGED, summary)

    def people_row(self, row: _Row) -> None:
        name = row.parse("name", _short(60), required=True)
        mobile = row.parse("mobile", self.mobile)
        id_number = row.parse("id_number", _id_number)
        birth_year = row.parse("birth_year", _birth_year)
        migratory = row.choice("migratory")
        if row.failed:
            return
        id_hash = crypto.lookup_hash(id_number) if id_number else None
        if mobile and self.duplicate(row, ("mobile", mobile), _("Row %(row)s already lists this mobile number."), "mobile"):
            return
        if id_hash and self.duplicate(row, ("id", id_hash), _("Row %(row)s already lists this ID number."), "id_number"):
            return
        if not mobile and not id_hash:
            if name in self.pending:
                return row.fail(
                    _(
                        "Row %(row)s already lists a “%(name)s” without mobile or ID number: give them a mobile or ID number "
                        "to tell them apart."
                    )
                    % {"row": self.pending[name].row, "name": name},
                    "name",
                )
            self.pending[name] = _Pending(row.number, name, birth_year, migratory, row_obj=row)
            return
        by_mobile = self.by_mobile.get(mobile) if mobile else None
        by_id = self.by_id_hash.get(id_hash) if id_hash else None
        if by_mobile and by_id and by_mobile.pk != by_id.pk:
            return row.fail(_("The mobile number and the ID number belong to two different people."), "id_number")
        person = by_mobile or by_id
        summary = f"{name} · {mask_mobile(mobile)}" if mobile else name
        if person is None:
            person = self.create_person(
                name=name, mobile=mobile, id_number=id_number, birth_year=birth_year, migratory=migratory, later=True
            )
            self.named.setdefault(name, []).append(person)
            return row.done(CREATE, summary)
        if person.name != name:
            column = "mobile" if by_mobile else "id_number"
            return row.fail(_("This number is registered to a person with a different name."), column)
        changes = {}
        if id_hash and person.id_number_hash != id_hash:
            if person.id_number_hash:
                return row.fail(_("A different ID number is on record for this person."), "id_number")
            changes["id_number"] = id_number
        if mobile and person.mobile != mobile:
            if person.mobile:
                return row.fail(_("This person is on record with a different mobile number."), "mobile")
            changes["mobile"] = mobile
        if birth_year is not None and person.birth_year != birth_year:
            changes["birth_year"] = birth_year
        if migratory is not None and person.migratory != migratory:
            changes["migratory"] = migratory
        if changes and not self.may_edit_person(person):
            return row.fail(_("This person lives outside your area: their details cannot be changed here."), "name")
        self.update_person(person, changes)
        self.named.setdefault(name, []).append(person)
        row.done(UPDATE if changes else UNCHANGED, summary)

    def update_person(self, person: Person, changes: dict) -> None:
        if not changes:
            return
        if "id_number" in changes:
            person.set_id_number(changes.pop("id_number"))
            changes.update(id_number_token=person.id_number_token, id_number_hash=person.id_number_hash)
        for k, v in changes.items():
            setattr(person, k, v)
        person.save(update_fields=list(changes))
        if person.mobile:
            self.by_mobile[person.mobile] = person

    def bind_pending(self, row: _Row, pending: _Pending, person: Person | None) -> Person | None:
        """Give a name-only people-sheet row its person: an existing household member, or new."""
        if pending.person is not None:
            if person is not None and person.pk != pending.person.pk:
                row.fail(
                    _(
                        "Several people called “%(name)s” have no mobile or ID number: "
                        "give each a mobile or ID number in the people sheet."
                    )
                    % {"name": pending.name},
                    "name",
                )
                return None
            return pending.person
        people_row: _Row = pending.row_obj
        if person is None:
            person = self.create_person(name=pending.name, birth_year=pending.birth_year, migratory=pending.migratory)
            people_row.done(CREATE, pending.name)
        else:
            changes = {
                k: v
                for k, v in (("birth_year", pending.birth_year), ("migratory", pending.migratory))
                if v is not None and getattr(person, k) != v
            }
            self.update_person(person, changes)
            people_row.done(UPDATE if changes else UNCHANGED, pending.name)
        pending.person = person
        return person

    def households_row(self, row: _Row) -> None:
        building = self.locate_building(row)
        label = row.parse("label", _short(40), required=True)
        relation = row.choice("relation", required=True)
        share = row.parse("share", _share)
        status = row.choice("status")
        mobile = row.parse("mobile", self.mobile)
        name = row.parse("name", _short(60))
        if not mobile and not name and not row.failed:
            row.fail(_("Give the person's mobile number or name."), "name")
        if row.failed or building is None:
            return
        unit = self.unit_index(building).get(label)
        if unit is None:
            return row.fail(
                _("Unknown unit “%(label)s” in “%(building)s”.") % {"label": label, "building": building.name}, "label"
            )
        if not self.may_manage(unit.path):
            return row.fail(_("“%(name)s” is outside your area.") % {"name": building.name}, "building")
        owner = relation in (HouseholdMember.Relation.OWNER, HouseholdMember.Relation.CO_OWNER)
        if (share is not None or status) and not owner:
            return row.fail(
                _("Only owners and co-owners have an ownership share and status."), "share" if share is not None else "status"
            )
        self.load_members(building)
        members, ownerships = self.members[building.pk], self.ownerships[building.pk]
        if mobile:
            person = self.by_mobile.get(mobile)
            if person is None:
                return row.fail(_("No one has this mobile number: add the person to the people sheet."), "mobile")
            if name and person.name != name:
                return row.fail(_("The name does not match the person with this mobile number."), "name")
        else:
            existing = self.by_unit_name[building.pk].get((unit.pk, name), [])
            if len(existing) > 1:
                return row.fail(
                    _("Several members of this household are called “%(name)s”: give the mobile number.") % {"name": name}, "name"
                )
            pending = self.pending.get(name)
            if pending is not None:
                person = self.bind_pending(row, pending, existing[0] if existing else None)
                if person is None:
                    return
            elif existing:
                person = existing[0]
            elif len(self.named.get(name, [])) == 1:
                person = self.named[name][0]
            else:
                person = self.create_person(name=name)
        if self.duplicate(row, ("member", unit.pk, person.pk), _("Row %(row)s already lists this person in this unit."), "name"):
            return
        ownership = ownerships.get((unit.pk, person.pk))
        member = members.get((unit.pk, person.pk))
        # A new owner gets an ownership record; for a known member, blank share and status change nothing.
        new_ownership = owner and ownership is None and (member is None or share is not None or bool(status))
        if new_ownership and share is None and relation == HouseholdMember.Relation.CO_OWNER:
            return row.fail(_("Give the co-owner's ownership share."), "share")
        summary = f"{person.name} → {building.name} {label} · {HouseholdMember.Relation(relation).label}"
        action = UNCHANGED
        if member is None:
            member = HouseholdMember(unit=unit, person=person, relation=relation, path=unit.path)
            self.batch[HouseholdMember].append(member)
            members[(unit.pk, person.pk)] = member
            self.by_unit_name[building.pk].setdefault((unit.pk, person.name), []).append(person)
            action = CREATE
        elif member.relation != relation:
            member.relation = relation
            member.save(update_fields=["relation"])
            action = UPDATE
        if owner:
            if new_ownership:
                ownership = Ownership(
                    unit=unit,
                    person=person,
                    share=share or Decimal(1),
                    status=status or Ownership.Status.REGISTERED,
                    path=unit.path,
                )
                ownerships[(unit.pk, person.pk)] = ownership
                self.batch[Ownership].append(ownership)
                action = action if action == CREATE else UPDATE
            elif ownership is not None:
                changed = [k for k, v in (("share", share), ("status", status)) if v and getattr(ownership, k) != v]
                for k in changed:
                    setattr(ownership, k, share if k == "share" else status)
                if changed:
                    ownership.save(update_fields=changed)
                    action = action if action == CREATE else UPDATE
            self.owned_units[unit.pk] = (row.sheet, row.report, row.number, f"{building.name} {label}")
        row.done(action, summary)

    def roles_row(self, row: _Row) -> None:
        mobile = row.parse("mobile", self.mobile, required=True)
        name = row.parse("name", _short(60))
        role = row.choice("role", required=True)
        place = self.locate_path(row, "place") if row.text("place") else None
        if not row.text("place"):
            row.fail(_("This cell is empty."), "place")
        org_name = row.parse("organisation", _short(120))
        if row.failed or place is None:
            return
        person = self.by_mobile.get(mobile)
        if person is None:
            return row.fail(_("No one has this mobile number: add the person to the people sheet."), "mobile")
        if name and person.name != name:
            return row.fail(_("The name does not match the person with this mobile number."), "name")
        organisation = None
        if org_name:
            orgs = Organisation.objects.filter(name=org_name)
            if role == Role.PROPERTY_STAFF:
                orgs = orgs.filter(kind=Organisation.Kind.PROPERTY_COMPANY)
            organisation = orgs.first()
            if organisation is None:
                return row.fail(_("Unknown organisation “%(name)s”.") % {"name": org_name}, "organisation")
        if role == Role.PROPERTY_STAFF and organisation is None:
            return row.fail(_("Property staff must belong to a property company: fill in the organisation."), "organisation")
        if self.duplicate(row, ("role", person.pk, role, place.pk), _("Row %(row)s already lists this role."), "role"):
            return
        summary = f"{person.name} · {Role(role).label} · {place.name}"
        if RoleAssignment.objects.active().filter(person=person, role=role, place=place).exists():
            return row.done(UNCHANGED, summary)  # already held: nothing to grant
        if not policy.can_grant(self.user, role, place):
            return row.fail(
                _("You may not grant the role “%(role)s” at “%(place)s”.") % {"role": Role(role).label, "place": place.name},
                "role",
            )
        actions.assign_role(actor=self.user, person=person, role=role, place=place, organisation=organisation)
        row.done(CREATE, summary)

    def check_shares(self) -> None:
        """Owners' shares of one unit add up to at most 1 (checked once all rows are in)."""
        if not self.owned_units:
            return
        totals = (
            Ownership.objects.filter(unit_id__in=list(self.owned_units))
            .values("unit_id")
            .annotate(total=Sum("share"))
            .filter(total__gt=1)
        )
        for t in totals:
            sheet, _report, number, unit_name = self.owned_units[t["unit_id"]]
            self.report.errors.append(
                RowError(
                    sheet.title,
                    number,
                    sheet.headers.get("share", ""),
                    _("The owners' shares of %(unit)s add up to %(total)s, more than 1.")
                    % {"unit": unit_name, "total": format(t["total"].normalize(), "f")},
                )
            )

    def finish_people(self) -> None:
        for pending in self.pending.values():
            if pending.person is None:
                pending.row_obj.fail(
                    _(
                        "“%(name)s” has no mobile or ID number, "
                        "so they must also be listed in the households sheet with their unit."
                    )
                    % {"name": pending.name},
                    "name",
                )

    def run(self) -> None:
        for title, message in self.book.problems:
            self.report.errors.append(RowError(title, 0, "", message))
        self.prefetch_people()
        handlers = {
            BUILDINGS: self.buildings_row,
            UNITS: self.units_row,
            PEOPLE: self.people_row,
            HOUSEHOLDS: self.households_row,
            ROLES: self.roles_row,
        }
        for sheet, sheet_report in zip(self.book.sheets, self.report.sheets, strict=True):
            self.report.errors += [RowError(sheet.title, number, "", message) for number, message in sheet.problems]
            self.report.notices += [RowError(sheet.title, number, "", message) for number, message in sheet.notices]
            missing = [c for c in SHEETS[sheet.kind].columns if c.required and c.key not in sheet.headers]
            if missing:
                continue
            example = EXAMPLES[sheet.kind]
            self.places = {}
            for number, values in sheet.rows:
                row = _Row(self, sheet, sheet_report, number, values)
                sheet_report.rows += 1
                if number in sheet.formulas:
                    row.fail(
                        _("This row contains a formula: paste the values only (Paste Special → Values)."), sheet.formulas[number]
                    )
                    continue
                if all(values.get(k, "") == v for k, v in example.items()):
                    row.fail(_("This is the template's example row: delete it before importing."), "")
                    continue
                handlers[sheet.kind](row)
            self.flush()
            if sheet.kind == HOUSEHOLDS:
                self.check_shares()
        self.finish_people()
        self.record_consents()

    def flush(self) -> None:
        for model, objects in self.batch.items():
            model.objects.bulk_create(objects, batch_size=500)
            objects.clear()

    def record_consents(self) -> None:
        """The registry consent of the people this import creates, as collected on paper by the community
        (channel "import"). People already on record keep the consent they gave themselves."""
        now = timezone.now()
        ConsentRecord.objects.bulk_create(
            [
                ConsentRecord(
                    person=person,
                    purpose=ConsentRecord.Purpose.REGISTRY,
                    channel=ConsentRecord.Channel.IMPORT,
                    notice_version=settings.PRIVACY_NOTICE_VERSION,
                    granted_at=now,
                )
                for person in self.new_people
            ],
            batch_size=500,
        )
        self.report.extra["people_created"] = len(self.new_people)


def run_import(*, user, book: Book, commit: bool) -> ImportReport:
    """Check every row of the book by applying it inside a transaction. The transaction is kept
    only for a commit without any error; a dry run always rolls back. Nothing is half imported."""
    report = ImportReport(filename=book.filename, sheets=[SheetReport(s.kind, s.title) for s in book.sheets])
    try:
        with transaction.atomic():
            _Run(user, report, book).run()
            if not (commit and report.ok):
                raise _Rollback
            audit.record(
                actor=user,
                action="import.committed",
                filename=book.filename,
                counts={s.kind: {a: s.counts[a] for a in (CREATE, UPDATE, UNCHANGED)} for s in report.sheets},
                **dict(report.extra),
            )
            report.committed = True
    except _Rollback:
        pass
    except DatabaseError:
        logger.exception("roster import failed in the database")
        report.committed = False
        report.errors.append(
            RowError(
                "",
                0,
                "",
                _(
                    "The roster could not be saved because the data changed at the same time. "
                    "Nothing was imported; please try again."
                ),
            )
        )
    return report
