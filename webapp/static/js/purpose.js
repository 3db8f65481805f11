// Offer only the legal bases of the chosen purpose (the server checks the pair again). The page
// renders every purpose's options; this keeps a copy and rebuilds the select on each change.
(function () {
  const form = document.getElementById("purpose-form");
  if (!form) return;
  const select = document.getElementById("legal-basis");
  const all = Array.from(select.options).map(o => ({value: o.value, text: o.text, purpose: o.dataset.purpose,
                                                     selected: o.selected}));
  function update() {
    const chosen = form.querySelector("input[name=purpose]:checked");
    const name = chosen ? chosen.value : "";
    const keep = select.value;
    select.replaceChildren();
    for (const o of all) {
      if (o.purpose && o.purpose !== name) continue;
      const opt = new Option(o.text, o.value);
      if (o.purpose) opt.dataset.purpose = o.purpose;
      if (o.value && o.value === keep) opt.selected = true;
      select.add(opt);
    }
    const caseRef = document.getElementById("case-ref");
    caseRef.required = !!(chosen && chosen.dataset.case === "required");
  }
  form.addEventListener("change", e => { if (e.target.name === "purpose") update(); });
  update();
})();
