"""Table reservations: each business's booking rules and the bookings themselves."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from panbot.idempotency import KEY_MAX
from panbot.models import StatusChange
from panbot.phone import E164_REGEX, PhoneNumberField
from panbot.tenancy import tenant_manager

NOTES_MAX = 500


class ReservationSettings(models.Model):
    """How a business takes bookings: slot grid, room capacity, party limit, dining time, notice and horizon."""

    business = models.OneToOneField(
        "restaurants.Business", on_delete=models.CASCADE, related_name="reservation_settings"
    )
    accepting_reservations = models.BooleanField(default=True)
    slot_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="Bookable start times are this many minutes apart, from each opening.",
    )
    seats_per_slot = models.PositiveSmallIntegerField(
        default=40, validators=[MinValueValidator(1)], help_text="Guests the room seats at any one time."
    )
    max_party_size = models.PositiveSmallIntegerField(
        default=8, validators=[MinValueValidator(1)], help_text="Larger parties are referred to the restaurant."
    )
    dining_minutes = models.PositiveSmallIntegerField(
        default=90,
        validators=[MinValueValidator(5), MaxValueValidator(600)],
        help_text="How long a booking holds its seats.",
    )
    lead_minutes = models.PositiveIntegerField(
        default=60, validators=[MaxValueValidator(7 * 24 * 60)], help_text="Minimum notice before a booking starts."
    )
    horizon_days = models.PositiveSmallIntegerField(
        default=60, validators=[MinValueValidator(1), MaxValueValidator(365)], help_text="How far ahead one may book."
    )
    last_seating_minutes = models.PositiveSmallIntegerField(
        default=30,
        validators=[MaxValueValidator(600)],
        help_text="The last booking starts this many minutes before closing.",
    )
    auto_confirm = models.BooleanField(default=True, help_text="Untick to have staff confirm each booking.")
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[ReservationSettings] = tenant_manager()

    class Meta:
        verbose_name_plural = "reservation settings"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=5, slot_minutes__lte=240), name="resettings_slot_range"
            ),
            models.CheckConstraint(condition=models.Q(seats_per_slot__gte=1), name="resettings_seats_positive"),
            models.CheckConstraint(
                condition=models.Q(max_party_size__gte=1, max_party_size__lte=models.F("seats_per_slot")),
                name="resettings_party_fits_room",
            ),
            models.CheckConstraint(
                condition=models.Q(dining_minutes__gte=models.F("slot_minutes"), dining_minutes__lte=600),
                name="resettings_dining_range",
            ),
            models.CheckConstraint(
                condition=models.Q(horizon_days__gte=1, horizon_days__lte=365), name="resettings_horizon_range"
            ),
        ]

    def __str__(self) -> str:
        return f"Reservation settings of {self.business}"

    def clean(self) -> None:
        errors = {}
        if self.max_party_size and self.seats_per_slot and self.max_party_size > self.seats_per_slot:
            errors["max_party_size"] = "The largest party cannot exceed the seats per slot."
        if self.dining_minutes and self.slot_minutes and self.dining_minutes < self.slot_minutes:
            errors["dining_minutes"] = "A booking lasts at least one slot."
        if errors:
            raise ValidationError(errors)


class ReservationStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    SEATED = "seated", "Seated"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No show"


class Reservation(models.Model):
    """A table booked for a party, holding its seats from `starts_at` to `ends_at`."""

    Status = ReservationStatus
    # Statuses whose party holds seats: the ones capacity counts.
    HOLDING = (ReservationStatus.PENDING, ReservationStatus.CONFIRMED, ReservationStatus.SEATED)

    business = models.ForeignKey("restaurants.Business", on_delete=models.PROTECT, related_name="reservations")
    call = models.ForeignKey(
        "telephony.CallRecord", null=True, blank=True, on_delete=models.SET_NULL, related_name="reservations"
    )
    name = models.CharField(max_length=100)
    phone = PhoneNumberField()
    party_size = models.PositiveSmallIntegerField()
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField(help_text="Start plus the dining time in force when booked.")
    status = models.CharField(max_length=16, choices=ReservationStatus.choices, default=ReservationStatus.CONFIRMED)
    notes = models.CharField(max_length=NOTES_MAX, blank=True)
    idempotency_key = models.CharField(max_length=KEY_MAX, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[Reservation] = tenant_manager()

    class Meta:
        ordering = ["starts_at", "id"]
        indexes = [
            models.Index(fields=["business", "starts_at"], name="reservation_business_start"),
            models.Index(fields=["business", "phone", "starts_at"], name="reservation_business_phone"),
            # Analytics: reservations made (on calls) in a period.
            models.Index(fields=["business", "created_at"], name="reservation_business_created"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business", "idempotency_key"],
                condition=models.Q(idempotency_key__isnull=False),
                name="reservation_unique_idempotency_key",
            ),
            models.CheckConstraint(
                condition=~models.Q(idempotency_key=""), name="reservation_idempotency_key_not_empty"
            ),
            models.CheckConstraint(condition=models.Q(party_size__gte=1), name="reservation_party_positive"),
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="reservation_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ReservationStatus.values), name="reservation_status_valid"
            ),
            models.CheckConstraint(condition=models.Q(phone__regex=E164_REGEX), name="reservation_phone_e164"),
            models.CheckConstraint(condition=~models.Q(name=""), name="reservation_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.name}, party of {self.party_size}"


class ReservationStatusChange(StatusChange):
    """Append-only history of a reservation's statuses: who changed it, when, and why."""

    FIRST = "booked"

    reservation = models.ForeignKey(Reservation, on_delete=models.CASCADE, related_name="status_changes")
    to_status = models.CharField(max_length=16, choices=ReservationStatus.choices)

    objects: models.Manager[ReservationStatusChange] = tenant_manager("reservation__business")

    class Meta:
        ordering = ["reservation", "created_at", "id"]
        constraints = StatusChange.status_constraints("reservationstatuschange", ReservationStatus.values)
