"""The HTTP API: one blueprint module per URL prefix, the Blueprint class they share, the OpenAPI side."""
