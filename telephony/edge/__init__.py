"""The SIP edge: the host firewall in front of LiveKit SIP and the platform's media capacity."""
