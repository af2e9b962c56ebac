// Reorder a guide's steps in the admin without typing positions: the ↑/↓ buttons move a
// row, and every row's hidden position is renumbered in page order (also on submit, so
// steps added with "Add another" land where they appear). A static file: the CSP
// allows no inline scripts.
(function () {
  "use strict";

  function stepRows(table) {
    return Array.from(table.querySelectorAll("tbody tr.form-row")).filter(
      (row) => !row.classList.contains("empty-form") && row.querySelector("[data-step-position]")
    );
  }

  function renumber(table) {
    stepRows(table).forEach((row, index) => {
      row.querySelector("[data-step-position]").value = String(index + 1);
    });
  }

  function move(button) {
    const row = button.closest("tr.form-row");
    const table = row.closest("table");
    const rows = stepRows(table);
    const index = rows.indexOf(row);
    const target = button.dataset.stepMove === "up" ? rows[index - 1] : rows[index + 1];
    if (!target) return;
    if (button.dataset.stepMove === "up") {
      target.before(row);
    } else {
      target.after(row);
    }
    renumber(table);
    button.focus();
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("[data-step-move]");
    if (button) {
      event.preventDefault();
      move(button);
    }
  });

  document.addEventListener("submit", (event) => {
    event.target.querySelectorAll("table").forEach((table) => {
      if (table.querySelector("[data-step-position]")) renumber(table);
    });
  });
})();
