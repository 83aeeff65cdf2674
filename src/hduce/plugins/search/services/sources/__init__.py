"""Where entries come from: patients, appointments and documents, read through contracts."""

from hduce.plugins.search.services.sources.appointments import AppointmentSource
from hduce.plugins.search.services.sources.base import Batch, Source
from hduce.plugins.search.services.sources.documents import DocumentSource
from hduce.plugins.search.services.sources.patients import PatientSource

__all__ = ["AppointmentSource", "Batch", "DocumentSource", "PatientSource", "Source"]
