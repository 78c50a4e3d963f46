"""Tenants (restaurants), who belongs to them, when they are open, and how their agent speaks."""

from __future__ import annotations

import zoneinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models

from panbot.models import StorableText
from panbot.phone import PhoneNumberField
from panbot.tenancy import tenant_manager
from restaurants.agent_config import (
    GREETING_MAX,
    LANGUAGE_CHOICES,
    LANGUAGE_CODES,
    MAX_CALL_MINUTES_MAX,
    OVERFLOW_MESSAGE_MAX,
    SYSTEM_PROMPT_MAX,
    VOICE_MAX,
    OverflowAction,
)


@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone(value: str) -> None:
    if value not in _timezones():
        raise ValidationError(f"'{value}' is not an IANA time zone (e.g. Europe/Rome).", code="invalid_timezone")


def validate_languages(value: object) -> None:
    if not isinstance(value, list) or any(code not in LANGUAGE_CODES for code in value):
        raise ValidationError(
            f"Give a list of language codes among {', '.join(LANGUAGE_CODES)}.", code="invalid_languages"
        )


class Business(StorableText):
    """A restaurant: the tenant every number, call, order and booking belongs to."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=80, unique=True)
    timezone = models.CharField(max_length=64, default="Europe/Rome", validators=[validate_timezone])
    default_language = models.CharField(max_length=8, choices=LANGUAGE_CHOICES, default="it")
    other_languages = models.JSONField(
        default=list, blank=True, validators=[validate_languages], help_text="Further languages the agent may speak."
    )
    public_phone = PhoneNumberField(blank=True, help_text="The restaurant's own number, as printed on its menu.")
    address = models.CharField(max_length=300, blank=True)
    currency = models.CharField(max_length=3, default="EUR", help_text="ISO 4217 code.")
    is_active = models.BooleanField(default=True)
    max_concurrent_calls = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(500)],
        help_text="Calls the restaurant takes at once across all its numbers.",
    )

    # Agent defaults; each phone number may override them (SipNumber.config_override).
    agent_greeting = models.CharField(max_length=GREETING_MAX, blank=True)
    agent_system_prompt = models.TextField(blank=True, validators=[MaxLengthValidator(SYSTEM_PROMPT_MAX)])
    agent_voice = models.CharField(max_length=VOICE_MAX, blank=True)
    max_call_minutes = models.PositiveSmallIntegerField(
        default=15, validators=[MinValueValidator(1), MaxValueValidator(MAX_CALL_MINUTES_MAX)]
    )
    overflow_action = models.CharField(max_length=16, choices=OverflowAction.choices, default=OverflowAction.BUSY)
    overflow_message = models.CharField(max_length=OVERFLOW_MESSAGE_MAX, blank=True)
    transfer_number = PhoneNumberField(blank=True, help_text="Where callers are transferred to reach staff.")

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "businesses"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(max_concurrent_calls__gte=1), name="business_max_calls_positive"),
            models.CheckConstraint(
                condition=models.Q(max_call_minutes__gte=1, max_call_minutes__lte=MAX_CALL_MINUTES_MAX),
                name="business_max_call_minutes_range",
            ),
            models.CheckConstraint(condition=models.Q(currency__regex=r"^[A-Z]{3}$"), name="business_currency_iso"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def tz(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)

    def clean(self) -> None:
        if self.overflow_action == OverflowAction.TRANSFER and not self.transfer_number:
            raise ValidationError({"transfer_number": "Set a transfer number to transfer callers on overflow."})


class Membership(models.Model):
    """A user's role in one business (owners and managers configure; staff work the live feed)."""

    objects: models.Manager[Membership] = tenant_manager()

    class Role(models.TextChoices):
        OWNER = "owner", "Owner"
        MANAGER = "manager", "Manager"
        STAFF = "staff", "Staff"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STAFF)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "business"], name="membership_unique_user_business"),
            models.CheckConstraint(
                condition=models.Q(role__in=["owner", "manager", "staff"]), name="membership_role_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.role}) at {self.business}"


class OpeningHours(models.Model):
    """One opening period on a weekday in local time; a close before the open runs past midnight."""

    objects: models.Manager[OpeningHours] = tenant_manager()

    class Weekday(models.IntegerChoices):
        MONDAY = 0
        TUESDAY = 1
        WEDNESDAY = 2
        THURSDAY = 3
        FRIDAY = 4
        SATURDAY = 5
        SUNDAY = 6

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="opening_hours")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    opens_at = models.TimeField()
    closes_at = models.TimeField()

    class Meta:
        verbose_name_plural = "opening hours"
        ordering = ["weekday", "opens_at"]
        constraints = [
            models.UniqueConstraint(fields=["business", "weekday", "opens_at"], name="hours_unique_period_start"),
            models.CheckConstraint(condition=models.Q(weekday__gte=0, weekday__lte=6), name="hours_weekday_range"),
            models.CheckConstraint(condition=~models.Q(opens_at=models.F("closes_at")), name="hours_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"

    @property
    def overnight(self) -> bool:
        return self.closes_at < self.opens_at


class Closure(StorableText):
    """A date the business is closed all day (holiday, private event), overriding its weekly hours."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="closures")
    date = models.DateField()
    reason = models.CharField(max_length=200, blank=True)

    objects: models.Manager[Closure] = tenant_manager()

    class Meta:
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["business", "date"], name="closure_unique_date")]

    def __str__(self) -> str:
        return f"{self.business} closed {self.date}"


class FaqEntry(StorableText):
    """A question callers ask and the answer the agent gives (parking, allergens, dogs, ...)."""

    business = models.ForeignKey(Business, on_delete=models.CASCADE, related_name="faq_entries")
    question = models.CharField(max_length=300)
    answer = models.TextField(validators=[MaxLengthValidator(2000)])
    is_active = models.BooleanField(default=True)
    position = models.PositiveSmallIntegerField(default=0, help_text="Order in lists and prompts (lowest first).")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects: models.Manager[FaqEntry] = tenant_manager()

    class Meta:
        verbose_name = "FAQ entry"
        verbose_name_plural = "FAQ entries"
        ordering = ["business", "position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "question"], name="faq_unique_question"),
            models.CheckConstraint(condition=~models.Q(question=""), name="faq_question_not_empty"),
            models.CheckConstraint(condition=~models.Q(answer=""), name="faq_answer_not_empty"),
        ]

    def __str__(self) -> str:
        return self.question


class KnowledgeVersion(models.Model):
    """How many times what the agent knows about a business (menu, FAQ, hours, settings) has changed.

    Bumped in the same transaction as the change by the services that make it, so a change
    and its new version commit together; the agent's prompt and search caches are keyed by
    it, which invalidates them in every process, whatever the cache backend. A row of its own
    (not a Business column) so that saving a stale Business instance can never move it back.
    """

    business = models.OneToOneField(
        Business, on_delete=models.CASCADE, primary_key=True, related_name="knowledge_version"
    )
    version = models.PositiveBigIntegerField(default=0)

    objects: models.Manager[KnowledgeVersion] = tenant_manager()

    def __str__(self) -> str:
        return f"{self.business_id} v{self.version}"
