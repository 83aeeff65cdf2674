"""The rule-based entity extractor, type sniffing and text normalisation (no services)."""

from pathlib import Path

import pytest

from hduce.plugins.documents.services._sniff import sniff
from hduce.plugins.documents.services.extraction import ExtractionOptions, extract_file, normalize
from hduce.plugins.documents.services.extraction.entities import PAGE_BREAK, extract_entities
from tests.plugins.documents.files import (
    corrupt_pdf,
    encrypted_pdf,
    image,
    long_pdf,
    scanned_pdf,
    zero_page_pdf,
)
from tests.plugins.documents.labelled import labelled, score


def found(text: str, kind: str, **options: str) -> list[tuple[str, float | None, str | None]]:
    return [
        (e.value, e.amount, e.unit) for e in extract_entities(text, **options) if e.kind == kind
    ]


def coded(text: str, kind: str) -> list[tuple[str, str | None, tuple[str, ...]]]:
    return [(e.text, e.code, e.context) for e in extract_entities(text) if e.kind == kind]


def test_drugs_come_from_the_dictionary_with_their_ids() -> None:
    text = "Taking Lipitor, Ventolin and paracetamol; sits with caps on; Buffers."
    assert coded(text, "medication") == [
        ("Lipitor", "DB01076", ()),
        ("Ventolin", "DB01001", ()),
        ("paracetamol", "DB00316", ()),
    ]
    assert found(text, "medication") == [
        ("atorvastatin", None, None),
        ("albuterol", None, None),
        ("acetaminophen", None, None),
    ]


def test_diagnoses_by_name_carry_their_icd10_code() -> None:
    text = (
        "Essential hypertension. Type 2 diabetes mellitus without complications; asthma; "
        "Parkinson's disease; nausea, vomiting; dyspnea; COPD; copd is not an acronym here"
    )
    assert [(t, c) for t, c, _ in coded(text, "diagnosis")] == [
        ("Essential hypertension", "I10"),
        ("Type 2 diabetes mellitus without complications", "E11.9"),
        ("asthma", "J45"),
        ("Parkinson's disease", "G20"),
        ("nausea", "R11"),
        ("vomiting", "R11"),
        ("dyspnea", "R06.0"),
        ("COPD", "J44"),
    ]
    (hypertension, *_) = extract_entities(text)
    assert hypertension.value == "Essential (primary) hypertension"


def test_a_title_cut_at_its_comma_names_a_diagnosis_only_when_it_is_one() -> None:
    """No "46" of "46,XX true hermaphrodite", no "absent" of "Absent, scanty and rare ..."."""
    everyday = (
        "A 46 year old man, page 46. ECG shows normal sinus rhythm. Pedal pulses absent. "
        "Excessive sweating. Given hypertonic saline. Referred to endocrine clinic. "
        "Infantile, lobulated, fissured; streptococcus grown; agenesis; dislocation; abscess."
    )
    assert coded(everyday, "diagnosis") == []
    named = (
        "Bronchitis; stroke; influenza; pneumonia; endocarditis; haemangioma; blindness; "
        "rickets; encephalitis; somnolence; delirium; hypospadias"
    )
    assert [(t, c.split(".")[0]) for t, c, _ in coded(named, "diagnosis")] == [
        ("Bronchitis", "J40"),
        ("stroke", "I64"),
        ("influenza", "J11"),
        ("pneumonia", "J18"),
        ("endocarditis", "I38"),
        ("haemangioma", "D18"),
        ("blindness", "H54"),
        ("rickets", "E55"),
        ("encephalitis", "G04"),
        ("somnolence", "R40"),
        ("delirium", "F05"),
        ("hypospadias", "Q54"),
    ]


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("Patient denies chest pain.", ("negated",)),
        ("Chest pain was ruled out.", ("negated",)),
        ("History of chest pain.", ("historical",)),
        ("Her mother has chest pain.", ("family",)),
        ("Return if chest pain recurs.", ("hypothetical",)),
        ("Possible chest pain.", ("possible",)),
        ("Chest pain on exertion.", ()),
        ("No fever but chest pain on exertion.", ()),
        ("No fever. Chest pain on exertion.", ()),
        ("No change in chest pain.", ()),
        ("Chest pain ruled out.", ("negated",)),
        ("Ruled out chest pain.", ("negated",)),
        ("Chest pain: no.", ("negated",)),
        ("Chest pain - none.", ("negated",)),
        ("Chest pain - no radiation.", ()),
        ("Chest pain: yes. Fever: no.", ()),
        ("Fever: no, chest pain: yes.", ()),
        ("Denies fever, has chest pain.", ()),
        ("No fever, but had chest pain.", ()),
        ("Denies fever, chest pain.", ("negated",)),
        ("No fever, reports chest pain.", ()),
        ("Her mother has chest pain, as does her sister.", ("family",)),
    ],
)
def test_context_of_a_finding(text: str, context: tuple[str, ...]) -> None:
    chest_pain = [c for _, code, c in coded(text, "diagnosis") if code == "R07.4"]
    assert chest_pain == [context]


@pytest.mark.parametrize(
    ("text", "context"),
    [
        ("Aspirin was not started.", ("negated",)),
        ("Warfarin not given, INR high.", ("negated",)),
        ("Metformin was not prescribed as eGFR is low.", ("negated",)),
        ("Aspirin was started.", ()),
        ("Aspirin not started, clopidogrel started.", ("negated",)),
        ("Aspirin 75 mg - declined", ("negated",)),
        ("Simvastatin: declined by the patient.", ("negated",)),
        ("Warfarin (not taking)", ("negated",)),
        ("Metformin 500 mg (not taking since May), ramipril 5 mg", ("negated",)),
        ("Clopidogrel \u2013 refused.", ("negated",)),
    ],
)
def test_a_medication_negated_after_its_name(text: str, context: tuple[str, ...]) -> None:
    assert coded(text, "medication")[0][2] == context


def test_a_refusal_after_a_diagnosis_does_not_negate_it() -> None:
    assert coded("Hypertension - declined review.", "diagnosis")[0][2] == ()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A list line ends a trigger's scope: each line is a finding of its own.
        (
            "PROBLEM LIST\nDenies chest pain\nHypertension\nAsthma\n",
            [("chest pain", ("negated",)), ("Hypertension", ()), ("Asthma", ())],
        ),
        ("Assessment\nNo fever\nPneumonia\n", [("fever", ("negated",)), ("Pneumonia", ())]),
        # "without" inside a diagnosis's own name is no trigger, on its line or the next.
        (
            "Diagnosis: Type 2 diabetes mellitus without complications (E11.9)\n"
            "Essential hypertension I10\n",
            [
                ("Type 2 diabetes mellitus without complications", ()),
                ("Essential hypertension", ()),
            ],
        ),
        (
            "Type 2 diabetes mellitus without complications and asthma.",
            [("Type 2 diabetes mellitus without complications", ()), ("asthma", ())],
        ),
        # A sentence wrapped across lines keeps its trigger: the line ends mid-sentence (a
        # comma, a joining word) or the next one goes on in lower case.
        (
            "The patient denies chest pain and\nshortness of breath on exertion.",
            [("chest pain", ("negated",)), ("shortness of breath", ("negated",))],
        ),
        (
            "The patient denies chest pain at rest or\nCOPD symptoms.",
            [("chest pain", ("negated",)), ("COPD", ("negated",))],
        ),
        (
            "Denies headache, chest pain,\nAsthma attacks.",
            [("headache", ("negated",)), ("chest pain", ("negated",)), ("Asthma", ("negated",))],
        ),
        ("Pneumonia\nruled out on CT.", [("Pneumonia", ("negated",))]),
    ],
)
def test_a_line_break_ends_a_context_unless_the_sentence_goes_on(
    text: str, expected: list[tuple[str, tuple[str, ...]]]
) -> None:
    assert [(t, c) for t, _, c in coded(text, "diagnosis")] == expected


def test_precision_and_recall_on_the_labelled_sentences() -> None:
    """Floors a little under the figures bench/entities.py prints (0.98/1.00, 0.98/0.99, 1.00)."""
    assert len(labelled()) >= 100
    scores, mistakes = score()
    floors = {"medication": 0.95, "diagnosis": 0.95, "negated": 0.95}
    for measure, floor in floors.items():
        assert scores.precision(measure) >= floor, (measure, mistakes)
        assert scores.recall(measure) >= floor, (measure, mistakes)


def test_every_page_of_a_long_text_is_read_alike() -> None:
    page = "Metformin 500 mg, BP 120/80 mmHg, HbA1c 53 mmol/mol. Denies chest pain. " * 40
    one, fifty = (extract_entities(PAGE_BREAK.join([page] * n)) for n in (1, 50))
    assert len(fifty) == 50 * len(one)
    assert [e.page for e in fifty] == [n for n in range(1, 51) for _ in one]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Metformin 500 mg bid", [("metformin", 500.0, "mg")]),
        ("metformin hydrochloride 1000mg", [("metformin", 1000.0, "mg")]),
        ("Amoxicillin 250 mg/5 ml", [("amoxicillin", 250.0, "mg/5mL")]),
        ("Amoxicillin 125 mg / 1 mL", [("amoxicillin", 125.0, "mg/mL")]),
        # A range has its highest amount.
        ("Ibuprofen 400-600 mg three times daily", [("ibuprofen", 600.0, "mg")]),
        ("Morphine 2,5 to 5 mg", [("morphine", 5.0, "mg")]),
        ("Aspirin 75\u2013150 mg", [("aspirin", 150.0, "mg")]),
        ("Aspirin 2026-01-05", [("aspirin", None, None)]),
        ("Morphine 10 mg/mL injection", [("morphine", 10.0, "mg/mL")]),
        ("Insulin glargine 20 units at night", [("insulin glargine", 20.0, "units")]),
        ("Paracetamol 0,5 g", [("acetaminophen", 0.5, "g")]),
        ("Paracetamol 1,5 g", [("acetaminophen", 1.5, "g")]),
        ("Digoxin 0,125 mg", [("digoxin", 0.125, "mg")]),
        # A comma before exactly three digits groups thousands, as a thin space does.
        ("Metformin 1,000 mg twice daily", [("metformin", 1000.0, "mg")]),
        ("Heparin 5,000 units subcutaneously", [("heparin", 5000.0, "units")]),
        ("Vitamin D 50,000 IU weekly", [("ergocalciferol", 50000.0, "IU")]),
        ("Penicillin 1,200,000 units", [("penicillins", 1200000.0, "units")]),
        ("Heparin 25\u2009000 units", [("heparin", 25000.0, "units")]),
        ("Penicillin 1.200.000 units", [("penicillins", 1200000.0, "units")]),
        ("Metformin 1,000.5 mg", [("metformin", 1000.5, "mg")]),
        ("continue aspirin", [("aspirin", None, None)]),
        ("Metformin and amlodipine 5 mg", [("metformin", None, None), ("amlodipine", 5.0, "mg")]),
        ("Aspirinate is not a drug we know", []),
        # A range written high to low, with a unit on each end, or across units: the highest.
        ("Ibuprofen 600-400 mg", [("ibuprofen", 600.0, "mg")]),
        ("Ibuprofen 400mg-600mg", [("ibuprofen", 600.0, "mg")]),
        ("Ibuprofen 400 mg to 600 mg", [("ibuprofen", 600.0, "mg")]),
        ("Paracetamol 500 mg-1 g", [("acetaminophen", 1.0, "g")]),
        ("Paracetamol 1 g - 500 mg", [("acetaminophen", 1.0, "g")]),
        # A count of units before the strength: the strength (2 x 500 mg may be twice a day).
        ("Paracetamol 2 x 500 mg", [("acetaminophen", 500.0, "mg")]),
        ("Metformin 2x1000 mg daily", [("metformin", 1000.0, "mg")]),
        ("Metformin 3 \u00d7 500 mg", [("metformin", 500.0, "mg")]),
    ],
)
def test_medications_and_doses(text: str, expected: list[object]) -> None:
    assert found(text, "medication") == expected


def test_a_dose_range_or_strength_is_part_of_the_medication() -> None:
    text = "ibuprofen 400-600 mg; amoxicillin 250 mg/5 mL oral suspension"
    assert [e.text for e in extract_entities(text) if e.kind == "medication"] == [
        "ibuprofen 400-600 mg",
        "amoxicillin 250 mg/5 mL",
    ]


def test_vital_signs() -> None:
    text = (
        "BP: 142/91, pulse 64. Later 118 / 76 mmHg, 88 bpm, T 38,4 °C, temperature 101.2 F, "
        "SpO2 93%, O2 sat: 99 %. Ratio 3/4 and 500/5 mmHg are not pressures."
    )
    assert found(text, "blood_pressure") == [("142/91", None, "mmHg"), ("118/76", None, "mmHg")]
    assert found(text, "heart_rate") == [("64", 64.0, "bpm"), ("88", 88.0, "bpm")]
    assert found(text, "temperature") == [("38.4", 38.4, "°C"), ("101.2", 101.2, "°F")]
    assert found(text, "oxygen_saturation") == [("93", 93.0, "%"), ("99", 99.0, "%")]
    labelled = "Heart rate 78 bpm; HR: 80 beats/min; pulse 72, regular."
    assert [e.text for e in extract_entities(labelled) if e.kind == "heart_rate"] == [
        "Heart rate 78 bpm",
        "HR: 80 beats/min",
        "pulse 72",
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "HbA1c: 53 mmol/mol; glucose 110 mg/dL; LDL-C 3.4 mmol/L; HDL 1.1 mmol/L; "
            "Total cholesterol 5.2 mmol/L; Hb 13.5 g/dL; eGFR 72 mL/min/1.73 m2; CRP 12 mg/L; "
            "TSH 2.1 mIU/L; potassium 4.1 mmol/L",
            [
                ("hba1c", 53.0, "mmol/mol"),
                ("glucose", 110.0, "mg/dL"),
                ("ldl_cholesterol", 3.4, "mmol/L"),
                ("hdl_cholesterol", 1.1, "mmol/L"),
                ("total_cholesterol", 5.2, "mmol/L"),
                ("hemoglobin", 13.5, "g/dL"),
                ("egfr", 72.0, "mL/min/1.73m2"),
                ("crp", 12.0, "mg/L"),
                ("tsh", 2.1, "mIU/L"),
                ("potassium", 4.1, "mmol/L"),
            ],
        ),
        # A value given as a bound keeps its comparator (FHIR's spelling) in its value.
        (
            "eGFR >90 mL/min/1.73m2; CRP <5 mg/L; CRP < 5 mg/L; HbA1c \u2264 48 mmol/mol; "
            "TSH \u226510 mIU/L; glucose: >= 7,5 mmol/L; creatinine <=60 umol/L",
            [
                ("egfr >90", 90.0, "mL/min/1.73m2"),
                ("crp <5", 5.0, "mg/L"),
                ("crp <5", 5.0, "mg/L"),
                ("hba1c <=48", 48.0, "mmol/mol"),
                ("tsh >=10", 10.0, "mIU/L"),
                ("glucose >=7.5", 7.5, "mmol/L"),
                ("creatinine <=60", 60.0, "umol/L"),
            ],
        ),
        # Sodium and potassium by their symbols too; a unit of another kind is no lab value.
        (
            "Na 139 mmol/L, K+ 4.2 mmol/L; Na: 141 mEq/L. Vitamin K 10 mg; NA 5 mg",
            [("sodium", 139.0, "mmol/L"), ("potassium", 4.2, "mmol/L"), ("sodium", 141.0, "mEq/L")],
        ),
        # A comma before three digits separates thousands; before others it is a decimal one.
        (
            "Glucose 1,200 mg/dL; creatinine 1,5 mg/dL; glucose 5,5 mmol/L",
            [
                ("glucose", 1200.0, "mg/dL"),
                ("creatinine", 1.5, "mg/dL"),
                ("glucose", 5.5, "mmol/L"),
            ],
        ),
    ],
)
def test_lab_values(text: str, expected: list[tuple[str, float, str]]) -> None:
    assert found(text, "lab_value") == expected


def test_dates_follow_the_configured_order() -> None:
    text = "Seen 2026-02-03, 03/04/2026, 5 March 2026, Mar 6th, 2026; not 31/02/2026."
    assert [v for v, _, _ in found(text, "date")] == [
        "2026-02-03",
        "2026-04-03",
        "2026-03-05",
        "2026-03-06",
    ]
    assert [v for v, _, _ in found(text, "date", date_order="mdy")][1] == "2026-03-04"


def test_icd10_codes() -> None:
    text = "Dx: E11.9, S72.001A and J45.909.\nICD-10: I10, N18\nVersion B12 of the form"
    assert [v for v, _, _ in found(text, "diagnosis_code")] == [
        "E11.9",
        "S72.001A",
        "J45.909",
        "I10",
        "N18",
    ]


def test_codes_and_numbers_start_at_a_word_boundary() -> None:
    text = (
        "E11.9 opens the text; xE11.9, _E11.9, 5E11.9 are not codes; (E11.9) and é:E11.9 are.\n"
        "a120/80 mmHg, x88 bpm, b03/04/2026 are nothing; 20/10/2026 120/80 mmHg 88 bpm 38.5 °C"
    )
    assert [e.start for e in extract_entities(text) if e.kind == "diagnosis_code"] == [0, 61, 74]
    kinds = [(e.kind, e.text) for e in extract_entities(text) if e.kind != "diagnosis_code"]
    assert kinds == [
        ("date", "20/10/2026"),
        ("blood_pressure", "120/80 mmHg"),
        ("heart_rate", "88 bpm"),
        ("temperature", "38.5 °C"),
    ]


def test_allergies() -> None:
    text = (
        "Allergies: penicillin (rash), latex and peanuts\n"
        "Drug allergies:\n- Codeine (nausea)\n- sulfonamides\n\nMedications: none\n"
        "She is allergic to shellfish.\nKnown allergies: NKDA\n"
    )
    assert [v for v, _, _ in found(text, "allergy")] == [
        "penicillin",
        "latex",
        "peanuts",
        "codeine",
        "sulfonamides",
        "shellfish",
        "none known",
    ]
    assert found(text, "medication") == [], "drugs in allergy lists are allergens"


@pytest.mark.parametrize(
    ("text", "allergens", "medications"),
    [
        (
            "1. Allergies: penicillin, codeine.\n2. Medications: metformin 500 mg.\n",
            ["penicillin", "codeine"],
            ["metformin"],
        ),
        ("- Allergies: penicillin\n", ["penicillin"], []),
        ("\u2022 Allergies: codeine\n", ["codeine"], []),
        ("PMH: asthma. Allergies: penicillin. On aspirin.", ["penicillin"], ["aspirin"]),
        ("12. Allergies: NKDA.", ["none known"], []),
        ("3) Drug allergies:\n- Codeine\n- amoxicillin\n", ["codeine", "amoxicillin"], []),
        (
            "1. Allergies:\n- penicillin\n2. Medications: metformin 500 mg\n",
            ["penicillin"],
            ["metformin"],
        ),
        ("Allergies:\n1. penicillin\n2. codeine\n", ["penicillin", "codeine"], []),
        ("Allergies/intolerances: penicillin", ["penicillin"], []),
        ("Allergies & intolerances: penicillin", ["penicillin"], []),
        ("Allergies \u2014 penicillin", ["penicillin"], []),
        ("Patient allergies: penicillin", ["penicillin"], []),
        (
            "(1) Allergies: penicillin\n(2) Medications: metformin 500 mg",
            ["penicillin"],
            ["metformin"],
        ),
        ("Allergies:\nNKDA\naspirin 75 mg daily", ["none known"], ["aspirin"]),
        ("Allergies:\n- nil known\n- aspirin 75 mg daily", ["none known"], ["aspirin"]),
        (
            "1 - Allergies: penicillin\n2 - Medications: metformin 500 mg\n",
            ["penicillin"],
            ["metformin"],
        ),
        ("1 - Allergies:\n- codeine\n2 - Medications: aspirin\n", ["codeine"], ["aspirin"]),
        (
            "Allergies\n- penicillin\n- codeine\n\nPlan: aspirin",
            ["penicillin", "codeine"],
            ["aspirin"],
        ),
        ("Drug allergies\npenicillin, latex\n", ["penicillin", "latex"], []),
        (
            "Allergies: penicillin, codeine; Medications: metformin 500 mg",
            ["penicillin", "codeine"],
            ["metformin"],
        ),
        (
            "II. Allergies:\n- penicillin\nIII. Medications: aspirin 75 mg\n",
            ["penicillin"],
            ["aspirin"],
        ),
        (
            "B. Allergies:\n- penicillin\nC. Medications: aspirin 75 mg\n",
            ["penicillin"],
            ["aspirin"],
        ),
        ("IV) Allergies: codeine", ["codeine"], []),
        # Not a heading: a word before it in its sentence.
        ("Seasonal allergies: worse in spring, takes cetirizine.", [], ["cetirizine"]),
    ],
)
def test_an_allergy_heading_after_a_bullet_a_number_or_a_sentence(
    text: str, allergens: list[str], medications: list[str]
) -> None:
    assert [v for v, _, _ in found(text, "allergy")] == allergens
    assert [v for v, _, _ in found(text, "medication")] == medications


@pytest.mark.parametrize(
    ("text", "medications"),
    [
        ("Allergies: penicillin\nV/S: BP 120/80 mmHg", []),
        ("Allergic to penicillin\nV/S stable", []),
        ("Allergies:\n- Penicillin\nG. Smith, consultant", []),
        ("Allergies: penicillin\nB. Plan: review", []),
        ("Allergies: vitamin\nK 4.1 mmol/L", []),
        ("Allergies: penicillin, insulin\nglargine 10 units nocte", ["glargine 10 units"]),
    ],
)
def test_a_drug_name_does_not_run_across_a_line_break(text: str, medications: list[str]) -> None:
    """An allergen ending a line is not the start of a longer drug name on the next: "penicillin
    V" was phenoxymethylpenicillin, a medication, beside the penicillin allergy."""
    assert [e.text for e in extract_entities(text) if e.kind == "medication"] == medications


def test_an_allergy_line_ends_with_its_sentence() -> None:
    text = (
        "Allergies: NKDA. Current medications: aspirin 81 mg daily, atorvastatin 20 mg.\n"
        "Allergies: penicillin. BP 130/85 mmHg, HR 72 bpm\n"
        "Allergies: sulfa drugs (rash), latex. Smoker.\n"
        "Allergies: none. Medications: metformin 500 mg\n"
        "Drug allergies: codeine Current medications: ramipril 2.5 mg\n"
        "Allergies: latex, Penicillin: hives.\n"
    )
    assert [v for v, _, _ in found(text, "allergy")] == [
        "none known",
        "penicillin",
        "sulfa drugs",
        "latex",
        "none known",
        "codeine",
        "latex",
        "penicillin: hives",
    ]
    assert found(text, "medication") == [
        ("aspirin", 81.0, "mg"),
        ("atorvastatin", 20.0, "mg"),
        ("metformin", 500.0, "mg"),
        ("ramipril", 2.5, "mg"),
    ]
    assert found(text, "blood_pressure") == [("130/85", None, "mmHg")]
    assert found(text, "heart_rate") == [("72", 72.0, "bpm")]


def test_offsets_and_pages_point_into_the_text() -> None:
    text = "Page one: BP 120/80 mmHg\fPage two: warfarin 5 mg"
    entities = extract_entities(text)
    assert [(e.kind, e.page) for e in entities] == [("blood_pressure", 1), ("medication", 2)]
    for entity in entities:
        assert text[entity.start : entity.end] == entity.text


def test_ligatures_are_read_as_their_letters_at_their_offsets() -> None:
    text = (
        "Straße İstanbul \ufb03 \ufb01nasteride 5 mg\nAtrial \ufb01brillation\n"
        "Œdème; Metformin 500 mg daily\nAllergies: \ufb02ucloxacillin, co\ufb00ee\n"
    )
    entities = extract_entities(text)
    assert [(e.kind, e.text, e.value) for e in entities] == [
        ("medication", "\ufb01nasteride 5 mg", "finasteride"),
        ("diagnosis", "Atrial \ufb01brillation", "Atrial fibrillation and flutter"),
        ("medication", "Metformin 500 mg", "metformin"),
        ("allergy", "\ufb02ucloxacillin", "flucloxacillin"),
        ("allergy", "co\ufb00ee", "coffee"),
    ]
    assert [e.start for e in entities] == [text.index(e.text) for e in entities]


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b"%PDF-1.4\n", "application/pdf"),
        (image("PNG"), "image/png"),
        (image("JPEG"), "image/jpeg"),
        (image("TIFF"), "image/tiff"),
        ("Zürich, café\n".encode(), "text/plain"),
        ("Zürich, café\n".encode("latin-1"), "text/plain"),
        # Windows-1252: its quotes, dashes and euro sign are text, however dense.
        ("“no fever” — €20\n".encode("cp1252"), "text/plain"),
        (b"caf\xe9 \x81" + b"x" * 98, "text/plain"),  # one of its undefined bytes in 100
        (b"caf\xe9 \x81\x8d" + b"x" * 97, None),  # more is not text
        (("é" * 4096).encode()[:8191], "text/plain"),
        (b"GIF89a\x01\x00", None),
        (b"\x00\x01binary", None),
        (b"PK\x03\x04zip", None),
        (b"", None),
    ],
)
def test_sniff(head: bytes, expected: str | None) -> None:
    assert sniff(head) == expected


def test_normalize() -> None:
    assert normalize("a\r\nb\rc\x02d\x00\fe\tf") == "a\nb\ncd\fe\tf"
    assert normalize("caf\xe9\x81\x9f \u201cok\u201d") == "caf\xe9 \u201cok\u201d"  # C1 too


def write(tmp_path: Path, data: bytes) -> str:
    path = tmp_path / "file"
    path.write_bytes(data)
    return str(path)


def test_extract_file_in_process(tmp_path: Path) -> None:
    result = extract_file(write(tmp_path, long_pdf(3)), "application/pdf", ExtractionOptions())
    assert (result["ok"], result["page_count"]) == (True, 3)
    assert result["text"].count("\f") == 2
    assert "\r" not in result["text"]
    assert [e["value"] for e in result["entities"] if e["kind"] == "temperature"] == ["38.5"] * 3

    encrypted = extract_file(
        write(tmp_path, encrypted_pdf()), "application/pdf", ExtractionOptions()
    )
    assert encrypted["ok"] is False
    assert "encrypted (password protected)" in encrypted["error"]
    corrupt = extract_file(write(tmp_path, corrupt_pdf()), "application/pdf", ExtractionOptions())
    assert corrupt["ok"] is False
    assert corrupt["error"].startswith("the PDF is damaged or not a PDF")
    scan = extract_file(write(tmp_path, scanned_pdf()), "application/pdf", ExtractionOptions())
    assert (scan["ok"], scan["page_count"], scan["text"].strip()) == (True, 2, "")
    assert scan["note"] == "2 of 2 pages read by OCR (may contain errors)"  # pictures, no words
    missing = extract_file(str(tmp_path / "gone"), "application/pdf", ExtractionOptions())
    assert missing["error"] == "the stored file is missing"


def test_a_pdf_without_pages_fails_saying_so(tmp_path: Path) -> None:
    # pypdfium2 refuses it naming the error PDFium recorded last: a damaged PDF's here.
    extract_file(write(tmp_path, corrupt_pdf()), "application/pdf", ExtractionOptions())
    empty = extract_file(write(tmp_path, zero_page_pdf()), "application/pdf", ExtractionOptions())
    assert (empty["ok"], empty["error"]) == (False, "the PDF has no pages")


def test_windows_1252_text_is_read_as_windows_1252(tmp_path: Path) -> None:
    letter = "She said “no fever” — fee €20.\n"
    result = extract_file(
        write(tmp_path, letter.encode("cp1252")), "text/plain", ExtractionOptions()
    )
    assert result["text"] == letter
    # Its five undefined bytes are Latin-1's C1 controls, which the text leaves out.
    stray = extract_file(
        write(tmp_path, b"caf\xe9\x81 \x93ok\x94"), "text/plain", ExtractionOptions()
    )
    assert stray["text"] == "café “ok”"
