"""The platform API's telephony: every number (create, configure, assign), PBX trunks and live calls across tenants."""
