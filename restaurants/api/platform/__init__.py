"""The platform API's businesses (tenants): stakeholders list, create, deactivate and reactivate them."""
