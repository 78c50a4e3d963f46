"""The LiveKit voice agent: worker glue, call lifecycle, tools and providers.

The agent worker and the `run_agent`, `simulate_call` and `livekit_sync` commands import
it; the web process never loads LiveKit.
"""
