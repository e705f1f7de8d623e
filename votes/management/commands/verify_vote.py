"""``python manage.py verify_vote ID``: recompute an owners' vote from its ballot log and say whether the
chain, the electorate and the tally match what is stored and what was published."""

from django.core.management.base import BaseCommand, CommandError

from votes import ledger
from votes.models import Matter
from votes.rules import explain


class Command(BaseCommand):
    help = "Recompute an owners' vote from its hash-chained ballot log and compare it with the published result."

    def add_arguments(self, parser):
        parser.add_argument("matter_id", type=int)

    def handle(self, *args, matter_id: int, **options):
        matter = Matter.objects.filter(pk=matter_id).first()
        if matter is None:
            raise CommandError(f"There is no owners' vote {matter_id}.")
        check = ledger.verify(matter)
        self.stdout.write(f"Vote {matter.pk}: {matter.title} ({matter.get_status_display()})")
        self.stdout.write(f"Log entries checked: {check.entries}; head {matter.log_head or '-'}")
        if check.tally is not None:
            t = check.tally
            self.stdout.write(
                f"Recount: {t.participating.heads} of {t.total.heads} owners, "
                f"{t.participating.area} of {t.total.area} m² took part; "
                f"yes {t.yes.heads} / {t.yes.area} m², no {t.no.heads} / {t.no.area} m², "
                f"abstain {t.abstain.heads} / {t.abstain.area} m²"
            )
            for line in explain(t):
                self.stdout.write(f"  {line}")
            self.stdout.write("Approved" if t.approved else "Not approved")
        if matter.result is None:
            self.stdout.write("No result has been published yet; compared with the ballots counted now.")
        if check.ok:
            self.stdout.write(self.style.SUCCESS("OK: the log is intact and the recount matches."))
            return
        for problem in check.problems:
            self.stderr.write(self.style.ERROR(f"MISMATCH: {problem}"))
        raise CommandError("The vote does not verify.")
