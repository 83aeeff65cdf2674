// A refused form: the fields its reason names (data-fields) get aria-invalid and point at the
// reason (aria-describedby), and focus moves to the first of them, else to the reason itself.
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
    for (const field of fields) {
      const ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      field.setAttribute("aria-invalid", "true");
      field.setAttribute("aria-describedby", [note.id, ...ids].join(" "));
    }
    (fields[0] || note).focus();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", tie);
  else tie();
})();
