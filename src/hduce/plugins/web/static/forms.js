// A refused form: the fields its reason names (data-fields) get aria-invalid and point at the
// reason (aria-describedby), and focus moves to the first of them, else to the reason itself.
// Refused on several fields, each field's own reason moves beside it and describes it.
// A form sent names the fields typed in, for the sign-in page if the session ended meanwhile.
(function () {
  "use strict";

  function formOf(note) {
    const inside = note.closest("form");
    if (inside) return inside;
    for (const form of document.forms) {
      if (note.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING) return form;
    }
    return null;
  }

  function tie() {
    const note = document.querySelector("p.error[role=alert]");
    if (!note) return;
    if (!note.id) note.id = "form-error";
    note.tabIndex = -1;
    const names = (note.dataset.fields || "").split(" ").filter(Boolean);
    const form = names.length ? formOf(note) : null;
    const fields = form ? Array.from(form.elements).filter((e) => names.includes(e.name)) : [];
    const reasons = ownReasons(note);
    for (const field of fields) {
      const reason = reasons.get(field.name);
      if (reason) field.after(reason);
      const ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", [(reason || note).id, ...ids].join(" "));
    }
    (fields[0] || note).focus();
  }

  // A refusal of several fields is followed by each field's own reason (p.field-error).
  function ownReasons(note) {
    const reasons = new Map();
    let next = note.nextElementSibling;
    for (; next && next.matches("p.field-error"); next = next.nextElementSibling) {
      reasons.set(next.dataset.field, next);
    }
    return reasons;
  }

  // A form sent after the session ended comes back beside the sign-in form with what was
  // typed: the fields a person types in (no hidden ones), in order, with their labels.
  const TYPED = ["text", "search", "email", "tel", "url", "number", "date", "time"];

  function typedIn(field) {
    if (!field.name) return false;
    return field.tagName === "TEXTAREA" || (field.tagName === "INPUT" && TYPED.includes(field.type));
  }

  function labelOf(field) {
    const label = field.labels && field.labels[0];
    return (label ? label.textContent : field.getAttribute("aria-label") || "").trim();
  }

  function nameTyped(event) {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.method !== "post") return;
    let note = form.querySelector("input[name=typed_fields]");
    if (!note) {
      note = document.createElement("input");
      note.type = "hidden";
      note.name = "typed_fields";
      form.append(note);
    }
    const fields = Array.from(form.elements).filter(typedIn);
    note.value = JSON.stringify(fields.map((field) => [field.name, labelOf(field)]));
  }

  document.addEventListener("submit", nameTyped, true);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", tie);
  else tie();
})();
