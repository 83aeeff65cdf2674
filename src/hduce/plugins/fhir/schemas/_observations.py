"""`Observation` resources from device readings: LOINC codes and UCUM units."""

from typing import Any, NamedTuple

from hduce.contracts.devices import ReadingView

LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CATEGORIES = "http://terminology.hl7.org/CodeSystem/observation-category"


class Vital(NamedTuple):
    """How one HDuce metric is coded in FHIR."""

    loinc: str
    display: str
    ucum: str
    category: str = "vital-signs"


VITALS = {
    "heart_rate": Vital("8867-4", "Heart rate", "/min"),
    "spo2": Vital("59408-5", "Oxygen saturation in Arterial blood by Pulse oximetry", "%"),
    "systolic": Vital("8480-6", "Systolic blood pressure", "mm[Hg]"),
    "diastolic": Vital("8462-4", "Diastolic blood pressure", "mm[Hg]"),
    "temperature": Vital("8310-5", "Body temperature", "Cel"),
    "weight": Vital("29463-7", "Body weight", "kg"),
    "glucose": Vital("15074-8", "Glucose [Moles/volume] in Blood", "mmol/L", "laboratory"),
    "respiratory_rate": Vital("9279-1", "Respiratory rate", "/min"),
}
METRIC_OF_CODE = {vital.loinc: metric for metric, vital in VITALS.items()}


def observation(reading: ReadingView) -> dict[str, Any]:
    """A final `Observation` of one reading, with its device and patient."""
    vital = VITALS[reading.metric]
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": str(reading.id),
        "status": "final",
        "category": [{"coding": [{"system": CATEGORIES, "code": vital.category}]}],
        "code": {
            "coding": [{"system": LOINC, "code": vital.loinc, "display": vital.display}],
            "text": reading.metric,
        },
        "effectiveDateTime": reading.measured_at.isoformat(),
        "device": {"reference": f"Device/{reading.device_id}"},
        "valueQuantity": {
            "value": reading.value,
            "unit": reading.unit,
            "system": UCUM,
            "code": vital.ucum,
        },
    }
    if reading.patient_id is not None:
        resource["subject"] = {"reference": f"Patient/{reading.patient_id}"}
    return resource
