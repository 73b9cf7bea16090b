"""What the OpenAPI document says beyond what apispec derives from the marshmallow schemas."""

from apispec.ext.marshmallow import MarshmallowPlugin, OpenAPIConverter
from apispec.ext.marshmallow.common import resolve_schema_instance


class _Converter(OpenAPIConverter):
    def schema2jsonschema(self, schema):
        """A schema's OPENAPI_EXTRA (e.g. {"minProperties": 1}) is added to its JSON Schema."""
        jsonschema = super().schema2jsonschema(schema)
        jsonschema.update(getattr(resolve_schema_instance(schema), "OPENAPI_EXTRA", {}))
        return jsonschema


class ServiceMarshmallowPlugin(MarshmallowPlugin):
    Converter = _Converter
