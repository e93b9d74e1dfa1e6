"""Hooks other apps connect to (sent inside the service's transaction).

`hearing_opened` and `hearing_concluded` are where the agreement version's stage should move
(frozen -> in hearing when a hearing opens; in hearing -> back to the committee when it is
concluded). The versions work owns those stages; it connects a receiver here, e.g.

    from sundhedsaftale.hearings.signals import hearing_opened

    @receiver(hearing_opened)
    def _version_in_hearing(sender, hearing, by, **kwargs):
        version_stage_set(version=hearing.version, stage="in_hearing", by=by)

Arguments: `hearing` (the Hearing) and `by` (the acting user or None).
"""

from django.dispatch import Signal

hearing_opened = Signal()
hearing_closed = Signal()
hearing_concluded = Signal()
