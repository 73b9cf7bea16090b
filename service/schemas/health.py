"""Service status."""

import marshmallow as ma


class PingSchema(ma.Schema):
    message = ma.fields.String(required=True)


class ServiceHealthSchema(ma.Schema):
    status = ma.fields.String(required=True)
    database = ma.fields.String(required=True)
    detail = ma.fields.String()


class LivenessSchema(ma.Schema):
    status = ma.fields.String(required=True)
