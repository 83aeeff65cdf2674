"""A labelled relevance set: a generated clinical corpus and lay/clinical queries over it.

Every document is written the way a clinician writes (clinical terms, drug names); queries are
how patients and staff ask (lay words, or the exact term). A document is relevant to a query
when its topic is one of the query's topics. Shared by the relevance test and bench/search.py.
"""

import random
import uuid
from datetime import UTC, datetime

from hduce.plugins.search.services._entries import Entry

KIND = "relevance"
"""Entries of this kind only: other tests' entries never enter the ranking."""

# topic: (clinical sentences a note draws from, queries relevant to the topic)
TOPICS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "mi": (
        (
            "Admitted with acute ST-elevation myocardial infarction.",
            "Troponin markedly raised; "
            "coronary angiography showed occlusion of the LAD, stent placed.",
            "Secondary prevention after NSTEMI: aspirin, ticagrelor, bisoprolol.",
        ),
        ("heart attack", "blocked artery in the heart", "myocardial infarction", "troponin", "LAD"),
    ),
    "diabetes": (
        (
            "Type 2 diabetes mellitus, HbA1c 64 mmol/mol.",
            "Started metformin 500 mg twice daily with meals.",
            "Glycaemic control suboptimal; consider gliclazide.",
        ),
        ("sugar pills", "high blood sugar", "metformin", "hba1c result", "gliclazide"),
    ),
    "hypertension": (
        (
            "Essential hypertension, clinic BP 162/98.",
            "Amlodipine 5 mg once daily started.",
            "Ambulatory blood pressure monitoring confirms raised readings.",
        ),
        ("high blood pressure", "pressure too high tablets", "amlodipine", "162/98"),
    ),
    "epistaxis": (
        (
            "Recurrent anterior epistaxis from Little's area.",
            "Silver nitrate cautery of the left nostril.",
            "Naseptin cream prescribed.",
        ),
        ("nosebleed", "bleeding from the nose", "epistaxis cautery", "naseptin"),
    ),
    "asthma": (
        (
            "Asthma with nocturnal wheeze and cough.",
            "Salbutamol inhaler as required, beclometasone preventer twice daily.",
            "Peak expiratory flow 320 L/min.",
        ),
        ("wheezing at night", "blue inhaler", "salbutamol", "beclometasone"),
    ),
    "fracture": (
        (
            "Distal radius fracture after a fall on an outstretched hand.",
            "Colles fracture reduced under haematoma block and placed in a cast.",
            "Fracture clinic in one week.",
        ),
        ("broken wrist", "broke my arm falling", "colles fracture", "haematoma block"),
    ),
    "otitis": (
        (
            "Acute otitis media, bulging red tympanic membrane.",
            "Amoxicillin suspension for five days.",
            "Otalgia and fever for two days in a four-year-old.",
        ),
        ("ear infection", "child with earache", "otitis media", "tympanic"),
    ),
    "migraine": (
        (
            "Migraine with aura: visual scintillations then unilateral throbbing headache.",
            "Sumatriptan 50 mg at onset.",
            "Photophobia and nausea during attacks.",
        ),
        ("bad headaches with flashing lights", "sumatriptan", "migraine", "scintillations"),
    ),
    "reflux": (
        (
            "Gastro-oesophageal reflux disease with retrosternal burning after meals.",
            "Omeprazole 20 mg daily.",
            "Dyspepsia improved on proton pump inhibitor.",
        ),
        ("heartburn", "acid coming up after eating", "omeprazole", "retrosternal"),
    ),
    "uti": (
        (
            "Lower urinary tract infection: dysuria and frequency.",
            "Urine dipstick nitrite positive.",
            "Nitrofurantoin 100 mg modified release for three days.",
        ),
        ("burning when peeing", "bladder infection", "nitrofurantoin", "dipstick nitrite"),
    ),
    "thyroid": (
        (
            "Primary hypothyroidism, TSH 12.4 mU/L.",
            "Levothyroxine 50 micrograms daily.",
            "Fatigue, weight gain and cold intolerance.",
        ),
        ("underactive thyroid", "thyroid tablets", "levothyroxine", "TSH 12.4"),
    ),
    "af": (
        (
            "Atrial fibrillation with fast ventricular response.",
            "Anticoagulated with apixaban 5 mg twice daily.",
            "CHA2DS2-VASc score 3.",
        ),
        ("irregular heartbeat", "blood thinner for the heart rhythm", "apixaban", "CHA2DS2-VASc"),
    ),
    "pneumonia": (
        (
            "Community-acquired pneumonia, right lower lobe consolidation.",
            "Crackles at the right base, CRP 180.",
            "Co-amoxiclav and clarithromycin started.",
        ),
        (
            "chest infection",
            "lung infection with fever",
            "pneumonia consolidation",
            "clarithromycin",
        ),
    ),
    "depression": (
        (
            "Moderate depressive episode, PHQ-9 score 17.",
            "Sertraline 50 mg daily started.",
            "Low mood, anhedonia and early morning waking.",
        ),
        ("feeling low and sad", "antidepressant", "sertraline", "PHQ-9"),
    ),
    "knee_oa": (
        (
            "Osteoarthritis of the knee with crepitus and reduced flexion.",
            "Radiograph shows joint space narrowing and osteophytes.",
            "Physiotherapy and topical NSAID.",
        ),
        ("knee pain from wear and tear", "stiff creaky knee", "osteoarthritis knee", "osteophytes"),
    ),
    "cellulitis": (
        (
            "Cellulitis of the left lower leg, spreading erythema and warmth.",
            "Flucloxacillin 500 mg four times daily.",
            "Margin of erythema marked.",
        ),
        ("red hot swollen leg", "skin infection", "flucloxacillin", "margin of erythema"),
    ),
    "anaemia": (
        (
            "Iron deficiency anaemia, haemoglobin 92 g/L, ferritin 6.",
            "Ferrous sulfate 200 mg daily.",
            "Pallor and exertional breathlessness.",
        ),
        ("low iron", "tired and pale", "ferritin", "ferrous sulfate"),
    ),
    "lipids": (
        (
            "Hypercholesterolaemia, total cholesterol 7.2 mmol/L.",
            "Atorvastatin 20 mg at night.",
            "QRISK3 score 14 percent.",
        ),
        ("high cholesterol", "statin", "atorvastatin", "QRISK3"),
    ),
    "conjunctivitis": (
        (
            "Bacterial conjunctivitis with purulent discharge.",
            "Chloramphenicol eye drops.",
            "Injected conjunctiva, visual acuity normal.",
        ),
        ("pink eye", "red sticky eye", "chloramphenicol", "purulent discharge"),
    ),
    "stroke": (
        (
            "Acute ischaemic stroke, left middle cerebral artery territory.",
            "Right-sided hemiparesis and facial droop; thrombolysis given.",
            "CT head excluded haemorrhage.",
        ),
        ("face drooping and arm weakness", "brain attack", "ischaemic stroke", "thrombolysis"),
    ),
    "ckd": (
        (
            "Chronic kidney disease stage 3, eGFR 42.",
            "Urine albumin-creatinine ratio raised.",
            "Avoid nephrotoxic drugs; ACE inhibitor continued.",
        ),
        ("kidney problems", "kidneys not working well", "egfr", "albumin-creatinine"),
    ),
}
FILLER = (
    "Patient seen in clinic today.",
    "Observations within normal limits.",
    "Plan discussed and agreed.",
    "Review in four weeks.",
    "No known drug allergies.",
    "Lives with partner, independent.",
)
TITLES = ("Clinic letter", "Consultation note", "Discharge summary", "Referral")


def corpus(per_topic: int = 5, seed: int = 15) -> list[tuple[str, Entry]]:
    """Documents as (topic, entry): each mixes two or three of its topic's sentences with filler."""
    rng = random.Random(seed)
    documents = []
    for topic, (sentences, _) in TOPICS.items():
        for _ in range(per_topic):
            chosen = rng.sample(sentences, rng.randint(2, 3)) + rng.sample(FILLER, 3)
            rng.shuffle(chosen)
            entry = Entry(
                kind=KIND,
                ref_id=uuid.UUID(int=rng.getrandbits(128)),
                patient_id=uuid.UUID(int=rng.getrandbits(128)),
                title=rng.choice(TITLES),
                body=" ".join(chosen),
                updated_at=datetime.now(UTC),
            )
            documents.append((topic, entry))
    return documents


def queries() -> list[tuple[str, str]]:
    """(query, relevant topic) pairs, lay and clinical."""
    return [(q, topic) for topic, (_, asked) in TOPICS.items() for q in asked]
