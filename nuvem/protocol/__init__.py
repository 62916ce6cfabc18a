"""The wire layer: routing, parsing and serializing every AWS protocol from botocore's models."""
