"""The LiveKit voice agent: worker glue, call lifecycle, tools and providers.

Only the agent worker and the `simulate_call` command import this package; the web
process never loads LiveKit.
"""
