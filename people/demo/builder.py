"""``DemoBuilder``: the steps in order, then every row written with ``bulk_create``."""

from datetime import datetime

from django.conf import settings

from core.models import AuditEntry
from places.models import Room, Unit, Venue

from ..models import (
    ConsentRecord,
    HouseholdMember,
    Membership,
    Organisation,
    Ownership,
    PartyGroupLiaison,
    Person,
    RoleAssignment,
    SensitiveTag,
)
from .base import BATCH, TZ
from .organisations import Organisations
from .places import Places
from .residents import Residents


class DemoBuilder(Places, Residents, Organisations):
    """A Guicheng sub-district generated from one seed: ``DemoBuilder(seed).build()`` inside a transaction."""

    # --- everything ----------------------------------------------------------------------------

    def build(self) -> dict[str, int]:
        self.build_places()
        self.insert_places()
        self.build_units()
        self.build_households()
        self.build_other_owners()
        self.build_organisations()
        self.build_venues()
        self.build_sensitive()
        self.build_id_numbers()
        now = datetime.now(tz=TZ)
        for folk in self.folks:
            self.consents.append(
                ConsentRecord(
                    person=folk.person,
                    purpose=ConsentRecord.Purpose.REGISTRY,
                    notice_version=settings.PRIVACY_NOTICE_VERSION,
                    channel=ConsentRecord.Channel.IMPORT,
                    granted_at=now,
                )
            )
        return self.write()

    def write(self) -> dict[str, int]:
        """Insert in dependency order. Django fills each foreign key from its (now saved) object."""
        Unit.objects.bulk_create(self.units, batch_size=BATCH)
        people = [f.person for f in self.folks]
        Person.objects.bulk_create(people, batch_size=BATCH)
        HouseholdMember.objects.bulk_create(self.members, batch_size=BATCH)
        Ownership.objects.bulk_create(self.ownerships, batch_size=BATCH)
        ConsentRecord.objects.bulk_create(self.consents, batch_size=BATCH)
        for level in sorted(self.orgs):
            Organisation.objects.bulk_create(self.orgs[level], batch_size=BATCH)
        Through = Organisation.served_places.through
        Through.objects.bulk_create([Through(organisation=o, place=p) for o, p in self.served], batch_size=BATCH)
        Membership.objects.bulk_create(self.memberships, batch_size=BATCH)
        PartyGroupLiaison.objects.bulk_create(self.liaisons, batch_size=BATCH)
        RoleAssignment.objects.bulk_create(self.roles, batch_size=BATCH)
        Venue.objects.bulk_create(self.venues, batch_size=BATCH)
        Room.objects.bulk_create(self.rooms, batch_size=BATCH)
        SensitiveTag.objects.bulk_create(self.tags, batch_size=BATCH)
        counts = {
            "places": sum(len(v) for v in self.levels.values()),
            "buildings": sum(len(a.blocks) for a in self.areas),
            "units": len(self.units),
            "persons": len(people),
            "household members": len(self.members),
            "ownerships": len(self.ownerships),
            "organisations": sum(len(v) for v in self.orgs.values()),
            "memberships": len(self.memberships),
            "role assignments": len(self.roles),
            "venues": len(self.venues),
            "rooms": len(self.rooms),
            "sensitive tags": len(self.tags),
            "consent records": len(self.consents),
            "ID numbers": sum(1 for p in people if p.id_number_token),
        }
        AuditEntry.objects.create(
            actor=None, action="demo.seeded", object_type="places.place", object_id=str(self.subdistrict.pk), detail=counts
        )
        return counts
