"""marshmallow schemas, one module per resource. Inputs reject unknown fields (RAISE)."""
