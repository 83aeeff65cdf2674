"""Settings of the fhir plugin: none (it serves what the plugins it faces provide)."""

from hduce.core.plugin import NoConfig

FhirConfig = NoConfig
"""`[plugins.fhir]` takes no settings."""
