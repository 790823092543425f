from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AidConfig(AppConfig):
    name = "amity.aid"
    verbose_name = _("Aid to partners")

    def ready(self) -> None:
        # Aid's parts of the pages of the apps below it, which never import aid: the
        # partner page's panel and timeline, a donor's directory page.
        from amity.aid import sections
        from amity.aid.models import (
            AidRequest,
            Item,
            Parcel,
            Pledge,
            PledgeLine,
            RequestLine,
            Shipment,
            ShipmentEvent,
        )
        from amity.core.history import track
        from amity.directory.extensions import register_institution_section, register_person_section
        from amity.relations.extensions import register_timeline_source

        register_institution_section(sections.partner_section)
        register_person_section(sections.person_section, template="aid/_person_section.html")
        register_timeline_source(sections.TIMELINE_KIND, _("Aid"), sections.timeline_entries)

        # History of changes (amity.core.history). The stock ledger (lots, movements) is a
        # history of its own; an outside donor's email is recorded as changed, not its value.
        track(Item)
        track(Pledge, hidden=["donor_email"])
        track(PledgeLine, part_of=("aid.pledge", "pledge"))
        track(AidRequest)
        track(RequestLine, part_of=("aid.aidrequest", "request"))
        track(Shipment, m2m=["requests"])
        track(ShipmentEvent, part_of=("aid.shipment", "shipment"))
        track(Parcel, part_of=("aid.shipment", "shipment"))

        # Figures for the reports (amity.core.figures).
        from amity.aid import figures as report_figures

        report_figures.register()
