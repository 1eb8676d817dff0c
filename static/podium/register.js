// The registration form: show the fields the chosen kind needs (partner for couples,
// members for groups), mark those it requires, and bring the summary of problems into view.
(function () {
  "use strict";
  const form = document.querySelector(".registration-form");
  if (!form) return;

  function chosenKind() {
    const checked = form.querySelector('input[name="kind"]:checked');
    if (checked) return checked.value;
    const only = form.querySelectorAll('input[name="kind"]');
    return only.length === 1 ? only[0].value : "";
  }

  function update() {
    const kind = chosenKind();
    form.querySelectorAll(".field[data-kinds]").forEach((field) => {
      const wanted = field.dataset.kinds.split(" ").includes(kind);
      const hasError = field.classList.contains("field-error");
      field.hidden = !wanted && !hasError;
      const input = field.querySelector("input, textarea, select");
      if (input && field.dataset.requiredFor) {
        const required = field.dataset.requiredFor === kind;
        input.setAttribute("aria-required", required ? "true" : "false");
      }
    });
  }

  form.addEventListener("change", (event) => {
    if (event.target.name === "kind") update();
  });
  update();

  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
})();
