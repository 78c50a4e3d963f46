"""Who may use the API: logins, token pairs, token versions (revocation) and the claims requests are authorised from."""
