from django.core.management.base import BaseCommand

from studies.models import EvidenceSummary


class Command(BaseCommand):
    help = (
        "Rate every body of evidence (condition × outcome) again and store the "
        "summaries. With --due, only conditions with a study whose scheduled "
        "publication or unpublication time has come since they were last rated: "
        "run it every few minutes (cron) so scheduled studies are counted once "
        "they are public and dropped once they are not."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--due",
            action="store_true",
            help="only conditions with a study newly shown or hidden (scheduled)",
        )

    def handle(self, *args, due, **options):
        if due:
            due, rows = EvidenceSummary.objects.recompute_due()
            self.stdout.write(f"{due} condition(s) due; {rows} summaries stored.")
        else:
            rows = EvidenceSummary.objects.recompute_all()
            self.stdout.write(f"All conditions rated again; {rows} summaries stored.")
