"""A zoo of host apps built the way real Flask apps are, each with the libraries such an app
already uses, and the tests that drop flask-pat into them."""
