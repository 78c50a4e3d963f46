"""Printers, print jobs and print agents as the API shows and takes them."""

from __future__ import annotations

from rest_framework import serializers

from panbot.api.serializers import InputSerializer
from printing.models import PrintAgent, Printer, PrintJob


class PrinterOutput(serializers.ModelSerializer):
    class Meta:
        model = Printer
        fields = [
            "id", "name", "host", "port", "protocol", "connection", "paper_width_mm", "code_page", "tickets",
            "auto_print", "is_active", "status", "status_detail", "status_changed_at",
        ]  # fmt: skip


class PrinterInput(InputSerializer):
    """A printer's settings; on update, the fields sent change and the others stay."""

    name = serializers.CharField(max_length=60)
    host = serializers.CharField(max_length=253, help_text="IP address or host name (e.g. 192.168.1.50).")
    port = serializers.IntegerField(min_value=1, max_value=65535, required=False)
    protocol = serializers.ChoiceField(choices=Printer.Protocol.choices, required=False)
    connection = serializers.ChoiceField(
        choices=Printer.Connection.choices,
        required=False,
        help_text="`relay` for a printer in the restaurant's LAN, reached by `manage.py print_agent`.",
    )
    paper_width_mm = serializers.IntegerField(required=False, help_text="58 or 80.")
    code_page = serializers.ChoiceField(choices=Printer.CodePage.choices, required=False)
    tickets = serializers.ChoiceField(choices=Printer.Tickets.choices, required=False)
    auto_print = serializers.BooleanField(required=False)
    is_active = serializers.BooleanField(required=False)


class PrintJobOutput(serializers.ModelSerializer):
    printer_name = serializers.CharField(source="printer.name")
    reprint = serializers.SerializerMethodField()

    class Meta:
        model = PrintJob
        fields = [
            "id", "order", "printer", "printer_name", "kind", "status", "attempts", "error", "reprint",
            "created_at", "printed_at",
        ]  # fmt: skip

    def get_reprint(self, job: PrintJob) -> bool:
        return job.requested_by_id is not None


class ReprintInput(InputSerializer):
    """Print the order's ticket again: on one printer, or on every active printer that prints that kind."""

    kind = serializers.ChoiceField(choices=[("kitchen", "Kitchen ticket"), ("receipt", "Receipt")], default="kitchen")
    printer = serializers.IntegerField(required=False, help_text="A printer of this business.")


class TestPrintInput(InputSerializer):
    """Nothing to send (an empty object): the page says which printer and business it is."""


class PrintAgentInput(InputSerializer):
    """A new print agent for a machine in the restaurant."""

    name = serializers.CharField(max_length=60)


class PrintAgentOutput(serializers.ModelSerializer):
    class Meta:
        model = PrintAgent
        fields = ["id", "name", "is_active", "created_at", "last_seen_at"]


class PrintAgentCreatedOutput(PrintAgentOutput):
    token = serializers.CharField(help_text="The device token, shown only now: give it to `manage.py print_agent`.")

    class Meta(PrintAgentOutput.Meta):
        fields = [*PrintAgentOutput.Meta.fields, "token"]


class AgentClaimInput(InputSerializer):
    """How many jobs the agent takes at once."""

    limit = serializers.IntegerField(min_value=1, max_value=50, default=10)


class AgentJobOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    order_id = serializers.IntegerField(allow_null=True)
    attempt = serializers.IntegerField()
    printer_id = serializers.IntegerField()
    printer_name = serializers.CharField()
    protocol = serializers.CharField()
    host = serializers.CharField()
    port = serializers.IntegerField()
    document = serializers.CharField(help_text="The ticket's bytes (ESC/POS), base64.")


class AgentClaimOutput(serializers.Serializer):
    jobs = AgentJobOutput(many=True)


class AgentReportInput(InputSerializer):
    """How the job went at the printer, for the claim it was handed out with."""

    attempt = serializers.IntegerField(
        min_value=1, help_text="The `attempt` the claim gave this job: a report for an older claim is refused (409)."
    )
    printed = serializers.BooleanField()
    printer_status = serializers.ChoiceField(choices=["ok", "offline", "paper_out"])
    error = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    unconfirmed = serializers.BooleanField(
        required=False,
        default=False,
        help_text="The whole ticket went out but the printer did not confirm it: failed for a person to check, "
        "never retried (it could print twice).",
    )


class PrintAgentActiveInput(InputSerializer):
    """Revoke (false) or restore (true) the agent's device token."""

    is_active = serializers.BooleanField()
