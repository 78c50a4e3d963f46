"""The staff live feed (`/ws/v1/businesses/{business_id}/feed/`): a snapshot, then every event in commit order.

- `codes`: every close code the server uses, with what the client should do;
- `cursor`: what a cursor means and why it is safe against out-of-order commits;
- `payloads`: the frames the server sends (TypedDicts);
- `selectors`: the snapshot and catch-up reads;
- `consumer`: the Channels consumer.
"""
