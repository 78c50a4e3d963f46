"""Phone numbers and trunks: creation, settings, and assignment to businesses (with history)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from panbot.errors import Conflict, NotFound
from panbot.events import emit
from restaurants.models import Business
from telephony.models import NumberAssignment, PbxTrunk, SipNumber
from telephony.payloads import number_payload

# What an owner or stakeholder may change on a number outside (re)assignment. The
# number itself is its identity (history, call records); a new number is a new row.
UPDATABLE_FIELDS = frozenset({"label", "trunk", "is_active", "max_concurrent_calls", "config_override"})


@transaction.atomic
def number_create(
    *,
    number: str,
    by: Any,
    label: str = "",
    business: Business | None = None,
    trunk: PbxTrunk | None = None,
    is_active: bool = True,
    max_concurrent_calls: int = 1,
    config_override: dict[str, Any] | None = None,
) -> SipNumber:
    """Add a number to the platform's pool, assigned to `business` when given. Raises ValidationError."""
    sip_number = SipNumber(
        number=number,
        label=label,
        trunk=trunk,
        is_active=is_active,
        max_concurrent_calls=max_concurrent_calls,
        config_override=config_override or {},
    )
    sip_number.full_clean()
    sip_number.save()
    if business is not None:
        _assign(sip_number, business=business, by=by)
    return sip_number


@transaction.atomic
def number_update(
    *, sip_number: SipNumber, by: Any, config_override_patch: Mapping[str, Any] | None = None, **changes: Any
) -> SipNumber:
    """Change a number's label, trunk, active flag, call limit or agent override. Raises ValidationError.

    `config_override` replaces the whole override (the admin's form); `config_override_patch`
    changes only the keys it names, on the row as locked (the API's PATCH): a value sets the
    key, null removes it, so the business's default applies again.
    """
    unknown = set(changes) - UPDATABLE_FIELDS
    if unknown:
        raise TypeError(f"number_update cannot change {', '.join(sorted(unknown))}")
    if config_override_patch is not None and not isinstance(config_override_patch, Mapping):
        raise ValidationError({"config_override": ["The override must be a JSON object of key: value."]})
    locked = SipNumber.objects.select_for_update().filter(pk=sip_number.pk).first()
    if locked is None:  # in a business's scope: reassigned away from it since the caller read it
        raise NotFound("This number is no longer one of this business's numbers.")
    if config_override_patch is not None:
        # Null values drop out when the override is validated (SipNumber.clean); unknown keys are refused there.
        changes["config_override"] = {**changes.get("config_override", locked.config_override), **config_override_patch}
    before = {field: getattr(locked, field) for field in changes}
    for field, value in changes.items():
        setattr(locked, field, value)
    locked.full_clean()
    if all(getattr(locked, field) == value for field, value in before.items()):
        return locked  # nothing changed: no write, no event
    locked.save()
    if locked.business_id is not None:
        emit(locked.business_id, "number.updated", number_payload(locked))
    return locked


@transaction.atomic
def number_assign(*, sip_number: SipNumber, business: Business, by: Any, only_from_pool: bool = False) -> SipNumber:
    """Give the number to `business` (closing any previous holder's assignment); a no-op if it already has it.

    With `only_from_pool`, a number another business holds is refused (`Conflict`, decided on the
    locked row): "assign" must never move a number that someone else took a moment before.
    """
    locked = SipNumber.objects.select_for_update().get(pk=sip_number.pk)
    if locked.business_id == business.pk:
        return locked
    if only_from_pool and locked.business_id is not None:
        holder = Business.objects.filter(pk=locked.business_id).values_list("name", flat=True).first()
        raise Conflict(
            f"This number already answers for {holder}; reassign it to move it to {business.name}.",
            code="number_assigned",
        )
    if locked.business_id is not None:
        _release(locked, by=by)
    _assign(locked, business=business, by=by)
    return locked


@transaction.atomic
def number_unassign(*, sip_number: SipNumber, by: Any) -> SipNumber:
    """Return the number to the unassigned pool; a no-op if it is already there."""
    locked = SipNumber.objects.select_for_update().get(pk=sip_number.pk)
    if locked.business_id is not None:
        _release(locked, by=by)
        locked.save(update_fields=["business", "assigned_by", "assigned_at"])
    return locked


def _assign(sip_number: SipNumber, *, business: Business, by: Any) -> None:
    now = timezone.now()
    sip_number.business = business
    sip_number.assigned_by = by
    sip_number.assigned_at = now
    sip_number.save(update_fields=["business", "assigned_by", "assigned_at"])
    NumberAssignment.objects.create(sip_number=sip_number, business=business, assigned_by=by, assigned_at=now)
    emit(business, "number.assigned", number_payload(sip_number))


def _release(sip_number: SipNumber, *, by: Any) -> None:
    # Calls already in progress keep their slot with the old business until they end;
    # only new calls route to the new holder.
    NumberAssignment.objects.filter(sip_number=sip_number, ended_at__isnull=True).update(
        ended_at=timezone.now(), ended_by=by
    )
    emit(sip_number.business_id, "number.unassigned", number_payload(sip_number))
    sip_number.business = None
    sip_number.assigned_by = None
    sip_number.assigned_at = None


@transaction.atomic
def trunk_save(*, trunk: PbxTrunk) -> PbxTrunk:
    """Create or update a PBX trunk after validating its addresses and region. Raises ValidationError."""
    trunk.full_clean()
    trunk.save()
    return trunk


# What the platform API may change on a trunk; its LiveKit id is livekit_sync's.
TRUNK_FIELDS = frozenset({"name", "allowed_addresses", "default_region", "is_active"})


@transaction.atomic
def trunk_create(
    *, name: str, allowed_addresses: list[str], default_region: str = "IT", is_active: bool = True
) -> PbxTrunk:
    """A new PBX trunk; its addresses are validated and normalised as in the admin. Raises ValidationError."""
    return trunk_save(
        trunk=PbxTrunk(
            name=name, allowed_addresses=allowed_addresses, default_region=default_region, is_active=is_active
        )
    )


@transaction.atomic
def trunk_update(*, trunk: PbxTrunk, **changes: Any) -> PbxTrunk:
    """Change a trunk's name, allowed addresses, region or active flag, on the locked row. Raises ValidationError."""
    unknown = set(changes) - TRUNK_FIELDS
    if unknown:
        raise TypeError(f"trunk_update cannot change {', '.join(sorted(unknown))}")
    locked = PbxTrunk.objects.select_for_update().get(pk=trunk.pk)
    for field, value in changes.items():
        setattr(locked, field, value)
    return trunk_save(trunk=locked)


@transaction.atomic
def trunk_link_livekit(*, trunk_id: int, livekit_trunk_id: str) -> None:
    """Remember which LiveKit inbound trunk carries this PBX trunk (written by livekit_sync)."""
    PbxTrunk.objects.filter(pk=trunk_id).update(livekit_trunk_id=livekit_trunk_id)


@transaction.atomic
def trunk_unlink_livekit(*, livekit_trunk_id: str) -> None:
    """Forget a LiveKit inbound trunk that livekit_sync deleted."""
    PbxTrunk.objects.filter(livekit_trunk_id=livekit_trunk_id).update(livekit_trunk_id="")
