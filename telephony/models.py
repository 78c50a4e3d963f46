"""Phone numbers, who they belong to, trunks that carry them, and the calls they receive."""

from __future__ import annotations

import contextlib
import ipaddress

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from panbot.models import StorableText
from panbot.phone import E164_REGEX, PhoneNumberField
from panbot.tenancy import tenant_manager
from restaurants.agent_config import validate_config_override


def normalise_cidrs(value: object) -> list[str]:
    """CIDR strings in canonical form; a ValidationError naming every bad entry."""
    if not isinstance(value, list):
        raise ValidationError("Give a list of IP addresses or CIDR blocks.", code="invalid_cidrs")
    networks, errors = [], []
    for raw in value:
        text = str(raw).strip()
        try:
            networks.append(str(ipaddress.ip_network(text, strict=True)))
        except ValueError:
            try:
                suggestion = ipaddress.ip_network(text, strict=False)
            except ValueError:
                errors.append(f"'{text}' is not an IP address or CIDR block (e.g. 203.0.113.10 or 10.0.0.0/24).")
            else:
                errors.append(f"'{text}' has host bits set; did you mean {suggestion}?")
    if errors:
        raise ValidationError(errors, code="invalid_cidrs")
    return sorted(set(networks), key=networks.index)


def validate_cidrs(value: object) -> None:
    normalise_cidrs(value)


def validate_region(value: str) -> None:
    if value not in phonenumbers.SUPPORTED_REGIONS:
        raise ValidationError(f"'{value}' is not a region code phonenumbers knows (e.g. IT, GB, US).")


class PbxTrunk(StorableText):
    """A SIP trunk from a carrier or a restaurant group's PBX, trusted by its source addresses."""

    name = models.CharField(max_length=100, unique=True)
    allowed_addresses = models.JSONField(
        default=list, validators=[validate_cidrs], help_text="Source IP addresses or CIDR blocks allowed to send calls."
    )
    default_region = models.CharField(
        max_length=2, default="IT", validators=[validate_region], help_text="Region for national numbers it presents."
    )
    livekit_trunk_id = models.CharField(max_length=64, blank=True, help_text="Set by livekit_sync.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # The firewall ruleset's date (deterministic: the data's time, not the clock's).
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "PBX trunk"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        with contextlib.suppress(ValidationError):  # reported on the field by its validator
            self.allowed_addresses = normalise_cidrs(self.allowed_addresses)


class SipNumber(StorableText):
    """A phone number the platform answers; it belongs to at most one business at a time."""

    number = PhoneNumberField(unique=True, help_text="E.164; typed forms such as '+39 055 123 4567' are accepted.")
    label = models.CharField(max_length=100, blank=True)
    business = models.ForeignKey(
        "restaurants.Business", null=True, blank=True, on_delete=models.PROTECT, related_name="sip_numbers"
    )
    trunk = models.ForeignKey(PbxTrunk, null=True, blank=True, on_delete=models.SET_NULL, related_name="numbers")
    is_active = models.BooleanField(default=True)
    max_concurrent_calls = models.PositiveSmallIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text="Calls this number takes at once.",
    )
    config_override = models.JSONField(
        default=dict, blank=True, validators=[validate_config_override], help_text="Agent settings for this number."
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects: models.Manager[SipNumber] = tenant_manager()

    class Meta:
        verbose_name = "phone number"
        ordering = ["number"]
        constraints = [
            models.CheckConstraint(condition=models.Q(number__regex=E164_REGEX), name="sipnumber_number_e164"),
            models.CheckConstraint(
                condition=models.Q(max_concurrent_calls__gte=1), name="sipnumber_max_calls_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(business__isnull=True, assigned_at__isnull=True)
                | models.Q(business__isnull=False, assigned_at__isnull=False),
                name="sipnumber_assigned_at_iff_business",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    def label_for(self, business_id: int | None) -> str:
        """The label as `business_id` may read it on its calls: a label set since by a later holder is not theirs."""
        return self.label if self.business_id == business_id else ""

    def clean(self) -> None:
        with contextlib.suppress(ValidationError):  # reported on the field by its validator
            self.config_override = validate_config_override(self.config_override)


class NumberAssignment(models.Model):
    """Append-only history: a number held by a business from `assigned_at` until `ended_at`."""

    sip_number = models.ForeignKey(SipNumber, on_delete=models.CASCADE, related_name="assignments")
    business = models.ForeignKey("restaurants.Business", on_delete=models.PROTECT, related_name="number_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    assigned_at = models.DateTimeField()
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    ended_at = models.DateTimeField(null=True, blank=True)

    objects: models.Manager[NumberAssignment] = tenant_manager()

    class Meta:
        ordering = ["-assigned_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sip_number"], condition=models.Q(ended_at__isnull=True), name="assignment_one_open_per_number"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("assigned_at")),
                name="assignment_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.sip_number} -> {self.business}"


class CallRecord(models.Model):
    """Every call the platform saw, rejected ones included: what owners see in their call history."""

    objects: models.Manager[CallRecord] = tenant_manager()

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    class Reason(models.TextChoices):
        ADMITTED = "admitted", "Admitted"
        UNKNOWN_NUMBER = "unknown_number", "Unknown number"
        NUMBER_UNASSIGNED = "number_unassigned", "Number not assigned"
        NUMBER_INACTIVE = "number_inactive", "Number inactive"
        BUSINESS_INACTIVE = "business_inactive", "Business inactive"
        NUMBER_BUSY = "number_busy", "Number at its call limit"
        BUSINESS_BUSY = "business_busy", "Business at its call limit"
        WORKER_FULL = "worker_full", "Agent worker full"
        CALLER_RATE_LIMITED = "caller_rate_limited", "Caller calling too often"
        TRUNK_RATE_LIMITED = "trunk_rate_limited", "Trunk sending too many calls"
        CALLER_HANGUP = "caller_hangup", "Caller hung up"
        LINE_DROPPED = "line_dropped", "Line dropped (SIP or media failure)"
        AGENT_HANGUP = "agent_hangup", "Agent hung up"
        TRANSFERRED = "transferred", "Transferred to staff"
        SILENCE = "silence", "Caller silent"
        MAX_DURATION = "max_duration", "Maximum duration reached"
        SLOT_LOST = "slot_lost", "Slot reclaimed"
        GHOST = "ghost", "Vanished (no heartbeat)"
        ERROR = "error", "Error"

    business = models.ForeignKey(
        "restaurants.Business", null=True, blank=True, on_delete=models.SET_NULL, related_name="call_records"
    )
    sip_number = models.ForeignKey(SipNumber, null=True, blank=True, on_delete=models.SET_NULL, related_name="calls")
    dialed_number = models.CharField(max_length=64, blank=True, help_text="As routed (E.164 when it parsed).")
    caller_number = models.CharField(max_length=64, blank=True)
    # Who the caller rate limit counts: the caller's E.164 number, or "" for every withheld or
    # unreadable one (one bucket, so varying the garbage never gets past the limit).
    caller_key = models.CharField(max_length=20, blank=True, db_default="")  # db_default: raw/COPY inserts
    sip_call_id = models.CharField(max_length=255, unique=True)
    room_name = models.CharField(max_length=255, blank=True)
    worker_id = models.CharField(max_length=100, blank=True)
    # The LiveKit SIP trunk the call came in on (`sip.trunkID`): what a trunk's rate limit counts.
    trunk_ref = models.CharField(max_length=64, blank=True, db_default="")
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.IN_PROGRESS)
    reason = models.CharField(max_length=32, choices=Reason.choices, default=Reason.ADMITTED)
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    duration_seconds = models.FloatField(null=True, blank=True)
    transcript = models.JSONField(default=list, blank=True)
    usage = models.JSONField(default=dict, blank=True)
    forwarded_from = models.CharField(
        max_length=64, blank=True, help_text="The Diversion number (E.164 when it parsed): the line that forwarded it."
    )
    in_opening_hours = models.BooleanField(
        null=True, blank=True, help_text="Whether the business was open when the call arrived; unknown without one."
    )
    language = models.CharField(max_length=8, blank=True, help_text="The language the agent was set to speak.")
    config_version = models.CharField(
        max_length=16, blank=True, help_text="Digest of the agent's greeting, prompt, language and voice for this call."
    )

    class Meta:
        verbose_name = "call record"
        ordering = ["-started_at", "-id"]
        indexes = [
            models.Index(fields=["business", "-started_at"], name="callrecord_business_started"),
            # The trunk rate limit counts a trunk's calls of the last second.
            models.Index(
                fields=["trunk_ref", "-started_at"], name="callrecord_trunk_started", condition=~models.Q(trunk_ref="")
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True) | models.Q(ended_at__gte=models.F("started_at")),
                name="callrecord_ends_after_start",
            ),
            models.CheckConstraint(
                condition=models.Q(duration_seconds__isnull=True) | models.Q(duration_seconds__gte=0),
                name="callrecord_duration_non_negative",
            ),
            # call_end and the reaper rely on it: a record is live exactly while it has no end.
            models.CheckConstraint(
                condition=models.Q(status="in_progress", ended_at__isnull=True)
                | (~models.Q(status="in_progress") & models.Q(ended_at__isnull=False)),
                name="callrecord_ended_unless_in_progress",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caller_number or 'unknown'} -> {self.dialed_number} ({self.status})"


class ActiveCall(models.Model):
    """The concurrency slot of a live call; deleted when the call ends or its lease runs out."""

    business = models.ForeignKey("restaurants.Business", on_delete=models.CASCADE, related_name="active_calls")
    sip_number = models.ForeignKey(SipNumber, on_delete=models.CASCADE, related_name="active_calls")
    call_record = models.OneToOneField(CallRecord, on_delete=models.CASCADE, related_name="active_call")
    sip_call_id = models.CharField(max_length=255, unique=True)
    room_name = models.CharField(max_length=255, blank=True)
    caller_number = models.CharField(max_length=64, blank=True)
    started_at = models.DateTimeField()
    last_heartbeat_at = models.DateTimeField()
    worker_id = models.CharField(max_length=100, blank=True)

    objects: models.Manager[ActiveCall] = tenant_manager()

    class Meta:
        verbose_name = "live call"
        ordering = ["started_at"]
        indexes = [
            models.Index(fields=["business", "last_heartbeat_at"], name="activecall_business_heartbeat"),
            models.Index(fields=["last_heartbeat_at"], name="activecall_heartbeat"),
            models.Index(fields=["worker_id"], name="activecall_worker"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_heartbeat_at__gte=models.F("started_at")),
                name="activecall_heartbeat_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.caller_number or 'unknown'} -> {self.sip_number_id} ({self.room_name})"
